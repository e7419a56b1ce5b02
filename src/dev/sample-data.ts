// Sample users, files and shared drives for the Google test double (tests and the demo).
// Important ids are stable and readable so tests can name them through SAMPLE_IDS.

import { rootIdOf } from './google-double/store.js';
import type { DoubleUser, NewFile, StoredFile } from './google-double/types.js';
import { BUDGET_CSV, BUDGET_PAGES } from './sample-files/budget.js';
import { buildDocx, DOCX_MIME } from './sample-files/docx.js';
import { floorPlanPng } from './sample-files/floor-plan.js';
import { jpegWithComment, SAMPLE_JPEG } from './sample-files/jpeg.js';
import { buildPdf, textToPages } from './sample-files/pdf.js';
import {
  HANDBOOK_PAGES,
  MEETING_NOTES,
  NOTES_TXT,
  PRICE_LIST,
  QUARTERLY_REPORT,
  WELCOME_PAGES,
} from './sample-files/texts.js';
import { buildXlsx, XLSX_MIME } from './sample-files/xlsx.js';

export const SAMPLE_USERS: DoubleUser[] = [
  {
    id: '100000000000000000001',
    email: 'alice@example.com',
    name: 'Alice Example',
    permissionId: '10293847561029384756',
  },
  {
    id: '100000000000000000002',
    email: 'bob@example.com',
    name: 'Bob Example',
    permissionId: '20394857612039485761',
  },
  {
    id: '100000000000000000003',
    email: 'admin@example.com',
    name: 'Ada Admin',
    permissionId: '30495867123049586712',
  },
];

const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';
const ADMIN = 'admin@example.com';
export const BIG_FOLDER_COUNT = 250;

export const SAMPLE_IDS = {
  aliceRoot: rootIdOf(ALICE),
  bobRoot: rootIdOf(BOB),
  adminRoot: rootIdOf(ADMIN),
  folderReports: 'folder-reports',
  folderReports2026: 'folder-reports-2026',
  folderReportsQ3: 'folder-reports-q3',
  fileQ3SummaryPdf: 'file-q3-summary-pdf',
  folderPhotos: 'folder-photos',
  fileWhiteboardJpg: 'file-whiteboard-jpg',
  folderBig: 'folder-big',
  /** First of the 250 "Document NNN.pdf" files; the others are file-big-002 … file-big-250. */
  fileBigFirst: 'file-big-001',
  folderScans: 'folder-scans',
  fileWelcomePdf: 'file-welcome-pdf',
  fileTeamPhotoJpg: 'file-team-photo-jpg',
  docMeetingNotes: 'doc-meeting-notes',
  /** Exports to a 5-page PDF; each page starts "Budget 2026 - page N of 5" and ends "Page N of 5". */
  sheetBudget: 'sheet-budget',
  slidesHuge: 'slides-huge',
  fileQuotePdf: 'file-quote-pdf',
  fileOldDraftPdf: 'file-old-draft-pdf',
  /** A real .docx (a heading and four paragraphs) that LibreOffice converts to a 1-page PDF. */
  fileQuarterlyReportDocx: 'file-quarterly-report-docx',
  /** A real .xlsx (one sheet, seven rows) that LibreOffice converts to a 1-page PDF. */
  filePriceListXlsx: 'file-price-list-xlsx',
  /** A 600x400 RGB PNG. */
  fileFloorPlanPng: 'file-floor-plan-png',
  /** UTF-8 text/plain with å ä ö é. */
  fileNotesTxt: 'file-notes-txt',
  /** 6 pages, each starting "Handbook - page N of 6" and ending "Page N of 6". */
  fileHandbookPdf: 'file-handbook-pdf',
  fileBobPlanPdf: 'file-bob-plan-pdf',
  fileBobPrivatePdf: 'file-bob-private-pdf',
  driveOffice: 'drive-office',
  folderOfficeContracts: 'folder-office-contracts',
  fileContractAPdf: 'file-contract-a-pdf',
  folderOfficeScans: 'folder-office-scans',
  driveFinance: 'drive-finance',
  filePayrollPdf: 'file-payroll-pdf',
} as const;

/** Id of "Document NNN.pdf" in the big folder (1-based). */
export function bigFileId(n: number): string {
  return `file-big-${String(n).padStart(3, '0')}`;
}

export interface SeedTarget {
  addDrive(drive: { id: string; name: string; members: string[]; createdTime: string }): unknown;
  addFile(file: NewFile): StoredFile;
}

const FOLDER = 'application/vnd.google-apps.folder';
const PDF = 'application/pdf';
const BASE_TIME = Date.UTC(2026, 0, 5, 9, 0, 0);
const at = (hours: number): string => new Date(BASE_TIME + hours * 3_600_000).toISOString();

function samplePdf(title: string, text: string): Buffer {
  return buildPdf({ title, pages: textToPages(text) });
}

export function seedSampleData(target: SeedTarget): void {
  const add = (file: NewFile): StoredFile => target.addFile(file);
  const alice = (file: Omit<NewFile, 'ownedBy'>): StoredFile => add({ ...file, ownedBy: [ALICE] });

  alice({
    id: SAMPLE_IDS.folderReports,
    name: 'Reports',
    mimeType: FOLDER,
    parents: [SAMPLE_IDS.aliceRoot],
    createdTime: at(0),
  });
  alice({
    id: SAMPLE_IDS.folderReports2026,
    name: '2026',
    mimeType: FOLDER,
    parents: [SAMPLE_IDS.folderReports],
    createdTime: at(1),
  });
  alice({
    id: SAMPLE_IDS.folderReportsQ3,
    name: 'Q3',
    mimeType: FOLDER,
    parents: [SAMPLE_IDS.folderReports2026],
    createdTime: at(2),
  });
  alice({
    id: SAMPLE_IDS.fileQ3SummaryPdf,
    name: 'Q3 summary.pdf',
    mimeType: PDF,
    parents: [SAMPLE_IDS.folderReportsQ3],
    content: samplePdf('Q3 summary', 'Quarterly summary for Q3 2026.\nPrinted pages: 12,480.\nScans: 3,102.'),
    createdTime: at(3),
  });
  alice({
    id: SAMPLE_IDS.folderPhotos,
    name: 'Photos',
    mimeType: FOLDER,
    parents: [SAMPLE_IDS.aliceRoot],
    createdTime: at(4),
  });
  alice({
    id: SAMPLE_IDS.fileWhiteboardJpg,
    name: 'Whiteboard.jpg',
    mimeType: 'image/jpeg',
    parents: [SAMPLE_IDS.folderPhotos],
    content: jpegWithComment('Whiteboard'),
    createdTime: at(5),
  });
  alice({
    id: SAMPLE_IDS.folderBig,
    name: 'Big folder',
    mimeType: FOLDER,
    parents: [SAMPLE_IDS.aliceRoot],
    createdTime: at(6),
  });
  for (let n = 1; n <= BIG_FOLDER_COUNT; n++) {
    const label = `Document ${String(n).padStart(3, '0')}`;
    alice({
      id: bigFileId(n),
      name: `${label}.pdf`,
      mimeType: PDF,
      parents: [SAMPLE_IDS.folderBig],
      content: samplePdf(label, `Sample document ${n} of ${BIG_FOLDER_COUNT} in "Big folder".`),
      // Spread over minutes so modifiedTime ordering is meaningful.
      createdTime: new Date(BASE_TIME + 7 * 3_600_000 + n * 60_000).toISOString(),
    });
  }
  alice({
    id: SAMPLE_IDS.folderScans,
    name: 'Scans',
    mimeType: FOLDER,
    parents: [SAMPLE_IDS.aliceRoot],
    createdTime: at(8),
  });
  alice({
    id: SAMPLE_IDS.fileWelcomePdf,
    name: 'Welcome.pdf',
    mimeType: PDF,
    parents: [SAMPLE_IDS.aliceRoot],
    content: buildPdf({ title: 'Welcome', pages: WELCOME_PAGES }),
    createdTime: at(9),
  });
  alice({
    id: SAMPLE_IDS.fileTeamPhotoJpg,
    name: 'Team photo.jpg',
    mimeType: 'image/jpeg',
    parents: [SAMPLE_IDS.aliceRoot],
    content: SAMPLE_JPEG,
    createdTime: at(10),
  });
  alice({
    id: SAMPLE_IDS.docMeetingNotes,
    name: 'Meeting notes',
    mimeType: 'application/vnd.google-apps.document',
    parents: [SAMPLE_IDS.aliceRoot],
    text: MEETING_NOTES,
    createdTime: at(11),
  });
  alice({
    id: SAMPLE_IDS.sheetBudget,
    name: 'Budget',
    mimeType: 'application/vnd.google-apps.spreadsheet',
    parents: [SAMPLE_IDS.aliceRoot],
    text: BUDGET_CSV,
    exportPages: BUDGET_PAGES,
    createdTime: at(12),
  });
  alice({
    id: SAMPLE_IDS.slidesHuge,
    name: 'Huge slides',
    mimeType: 'application/vnd.google-apps.presentation',
    parents: [SAMPLE_IDS.aliceRoot],
    text: 'A deck with far too many embedded videos to export.',
    exportTooLarge: true,
    createdTime: at(13),
  });
  alice({
    id: SAMPLE_IDS.fileQuotePdf,
    name: "It's a quote.pdf",
    mimeType: PDF,
    parents: [SAMPLE_IDS.aliceRoot],
    content: samplePdf("It's a quote", 'A file whose name has an apostrophe, to test query escaping.'),
    createdTime: at(14),
  });
  alice({
    id: SAMPLE_IDS.fileOldDraftPdf,
    name: 'Old draft.pdf',
    mimeType: PDF,
    parents: [SAMPLE_IDS.aliceRoot],
    content: samplePdf('Old draft', 'This draft is in the trash.'),
    trashed: true,
    createdTime: at(15),
  });
  alice({
    id: SAMPLE_IDS.fileQuarterlyReportDocx,
    name: 'Quarterly report.docx',
    mimeType: DOCX_MIME,
    parents: [SAMPLE_IDS.aliceRoot],
    content: buildDocx(QUARTERLY_REPORT),
    createdTime: at(22),
  });
  alice({
    id: SAMPLE_IDS.filePriceListXlsx,
    name: 'Price list.xlsx',
    mimeType: XLSX_MIME,
    parents: [SAMPLE_IDS.aliceRoot],
    content: buildXlsx({ sheetName: 'Prices', rows: PRICE_LIST, columnWidths: [28, 14, 12] }),
    createdTime: at(23),
  });
  alice({
    id: SAMPLE_IDS.fileFloorPlanPng,
    name: 'Floor plan.png',
    mimeType: 'image/png',
    parents: [SAMPLE_IDS.aliceRoot],
    content: floorPlanPng(),
    createdTime: at(24),
  });
  alice({
    id: SAMPLE_IDS.fileNotesTxt,
    name: 'Notes.txt',
    mimeType: 'text/plain',
    parents: [SAMPLE_IDS.aliceRoot],
    content: Buffer.from(NOTES_TXT, 'utf8'),
    createdTime: at(25),
  });
  alice({
    id: SAMPLE_IDS.fileHandbookPdf,
    name: 'Handbook.pdf',
    mimeType: PDF,
    parents: [SAMPLE_IDS.aliceRoot],
    content: buildPdf({ title: 'Handbook', pages: HANDBOOK_PAGES }),
    createdTime: at(26),
  });

  add({
    id: SAMPLE_IDS.fileBobPlanPdf,
    name: "Bob's plan.pdf",
    mimeType: PDF,
    parents: [SAMPLE_IDS.bobRoot],
    ownedBy: [BOB],
    sharedWith: [ALICE],
    content: samplePdf("Bob's plan", 'Shared with Alice by Bob.'),
    createdTime: at(16),
  });
  add({
    id: SAMPLE_IDS.fileBobPrivatePdf,
    name: 'Bob private.pdf',
    mimeType: PDF,
    parents: [SAMPLE_IDS.bobRoot],
    ownedBy: [BOB],
    content: samplePdf('Bob private', 'Only Bob can see this.'),
    createdTime: at(17),
  });

  target.addDrive({
    id: SAMPLE_IDS.driveOffice,
    name: 'Office Shared',
    members: [ALICE, ADMIN],
    createdTime: at(0),
  });
  const office = (file: NewFile): StoredFile =>
    add({ ...file, driveId: SAMPLE_IDS.driveOffice, ownedBy: [] });
  office({
    id: SAMPLE_IDS.folderOfficeContracts,
    name: 'Contracts',
    mimeType: FOLDER,
    parents: [SAMPLE_IDS.driveOffice],
    createdTime: at(18),
  });
  office({
    id: SAMPLE_IDS.fileContractAPdf,
    name: 'Contract A.pdf',
    mimeType: PDF,
    parents: [SAMPLE_IDS.folderOfficeContracts],
    content: samplePdf('Contract A', 'Contract A between Example Corp and a supplier.'),
    createdTime: at(19),
  });
  office({
    id: SAMPLE_IDS.folderOfficeScans,
    name: 'Scans',
    mimeType: FOLDER,
    parents: [SAMPLE_IDS.driveOffice],
    createdTime: at(20),
  });

  target.addDrive({ id: SAMPLE_IDS.driveFinance, name: 'Finance', members: [ADMIN], createdTime: at(0) });
  add({
    id: SAMPLE_IDS.filePayrollPdf,
    name: 'Payroll.pdf',
    mimeType: PDF,
    parents: [SAMPLE_IDS.driveFinance],
    driveId: SAMPLE_IDS.driveFinance,
    ownedBy: [],
    content: samplePdf('Payroll', 'Only members of the Finance shared drive can see this.'),
    createdTime: at(21),
  });
}
