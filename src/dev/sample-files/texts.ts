// Text of the sample documents: Welcome.pdf's and Handbook.pdf's pages, Meeting notes (exported),
// Notes.txt, and the words of Quarterly report.docx and Price list.xlsx.

const PRINTING_TIPS = [
  'Pick a file in My Drive, Shared with me or a shared drive.',
  'Choose the number of copies, one- or two-sided printing, and colour or black and white.',
  'Google Docs, Sheets and Slides are printed from their PDF export.',
  'Large files are downloaded in the background; the panel shows the progress.',
  'You can cancel a job while it is still waiting for the printer.',
];

const SCANNING_TIPS = [
  'Place the originals in the feeder or on the glass.',
  'Choose a Drive folder, such as Scans in My Drive or in a shared drive.',
  'The scan is uploaded as a PDF; a file with the same name is kept, not replaced.',
  'Uploads resume after a network hiccup, so long scans are safe.',
  'Sign out at the end: the connector keeps no copy of your files.',
];

export const WELCOME_PAGES: string[][] = [
  [
    'Welcome to the print and scan connector.',
    '',
    'This document lives in the sample My Drive of Alice Example.',
    'Print it from the panel to check that downloads reach the printer intact.',
    '',
    'It has three pages:',
    '  1. this welcome page,',
    '  2. how printing works,',
    '  3. how scanning works.',
    '',
    'Every page carries its number at the bottom, so a printout shows whether',
    'page ranges and two-sided printing were honoured.',
  ],
  ['Page two: printing.', '', ...PRINTING_TIPS.flatMap((tip, i) => [`${i + 1}. ${tip}`, ''])],
  ['Page three: scanning.', '', ...SCANNING_TIPS.flatMap((tip, i) => [`${i + 1}. ${tip}`, ''])],
];

export const MEETING_NOTES = `Meeting notes - weekly sync
Attendees: Alice, Bob, Ada

1. Printer fleet: the third floor MFP is back in service.
2. Scanning: scans go to the "Scans" folder by default.
3. Budget review moves to next Thursday.

Action items:
- Alice: share the Q3 report.
- Bob: order toner.`;

const HANDBOOK_CHAPTERS: Array<{ title: string; lines: string[] }> = [
  {
    title: 'Welcome',
    lines: ['This handbook explains the office printers and scanners.', 'Each page is one chapter.'],
  },
  {
    title: 'Printing',
    lines: ['Pick a file in Drive, choose copies and sides, then press Print.', 'Jobs wait in a queue.'],
  },
  {
    title: 'Scanning',
    lines: ['Scans are uploaded to Drive as PDF files.', 'Choose the folder before you start.'],
  },
  {
    title: 'Paper and toner',
    lines: ['Paper is in the cupboard next to the printer.', 'Order toner when the panel warns.'],
  },
  {
    title: 'Troubleshooting',
    lines: ['A jammed printer shows a message on the panel.', 'Open the front door and remove the sheet.'],
  },
  {
    title: 'Contacts',
    lines: ['Facilities: extension 2100.', 'IT service desk: extension 2200.'],
  },
];

/** Handbook.pdf: six chapters, one a page, each saying which page it is. */
export const HANDBOOK_PAGES: string[][] = HANDBOOK_CHAPTERS.map((chapter, i, all) => [
  `Handbook - page ${i + 1} of ${all.length}: ${chapter.title}`,
  '',
  ...chapter.lines,
]);

/** Notes.txt: UTF-8 text with Swedish, Dutch and French letters. */
export const NOTES_TXT = `Notes from the office move
Malmö: the printer on floor 3 moves to room 3.12 (next to the café).
Göteborg: åtta nya skrivare, två per våning; kaffet är i köket.
Eindhoven: de coöperatie in België vraagt om dubbelzijdig printen.
Résumé: print the floor plan before Friday.
`;

/** Quarterly report.docx: a heading and a few paragraphs with Dutch and Swedish letters. */
export const QUARTERLY_REPORT = {
  title: 'Quarterly report Q3 2026',
  paragraphs: [
    'Prepared by Alice Example for the offices in Malmö, Göteborg, Västerås and Eindhoven.',
    'Printing rose by 8% in Malmö and Västerås; scanning fell slightly in Göteborg.',
    'Our partners in België and the coöperatie in Zeeland asked for two-sided printing by default.',
    'Överblick: 12 480 printed pages, 3 102 scans and no lost jobs. Tot ziens in Q4!',
  ],
};

/** Price list.xlsx: a header row and a few priced items. */
export const PRICE_LIST: Array<[string, string, number | string]> = [
  ['Item', 'Unit', 'Price (EUR)'],
  ['A4 paper, 500 sheets', 'ream', 5.49],
  ['A3 papier, 250 vel', 'pak', 9.95],
  ['Toner, black', 'cartridge', 89],
  ['Toner, colour set', 'set', 249],
  ['Häftklamrar (staples)', 'box', 3.2],
  ['Envelopes C5', 'box of 100', 12.75],
];
