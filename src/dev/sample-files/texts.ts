// Text of the sample documents: Welcome.pdf's pages and the Google editor files (used by exports).

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

export const BUDGET = `Item,Q1,Q2,Q3
Paper,120,135,110
Toner,480,510,495
Maintenance,200,200,260`;
