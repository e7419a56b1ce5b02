// The "Budget" Google Sheet: one table of monthly amounts, exported as CSV (its text) and as a PDF of
// five pages (one a quarter and a year summary) whose first line names the page, so a test can tell
// from a printout which pages of the export were printed.

const ITEMS = [
  'Paper',
  'Toner',
  'Drums',
  'Fuser kits',
  'Staples',
  'Envelopes',
  'Labels',
  'Maintenance',
  'Service contract',
  'Scanner licences',
];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const QUARTERS = 4;

/** Deterministic made-up amounts in euro: amounts[item][month]. */
const AMOUNTS: number[][] = ITEMS.map((_, item) =>
  MONTHS.map((_, month) => 40 + item * 25 + ((month * 7 + item * 13) % 20) * 5),
);

const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);
const line = (label: string, cells: Array<string | number>): string =>
  [label.padEnd(20), ...cells.map((c) => String(c).padEnd(10))].join('').trimEnd();

export const BUDGET_PAGE_COUNT = QUARTERS + 1;

/** A page: its heading, a table of the items with a total column and a total row, a footnote. */
function page(number: number, subject: string, columns: string[], perItem: number[][]): string[] {
  const rows = perItem.map((values) => [...values, sum(values)]);
  const totals = (rows[0] ?? []).map((_, col) => sum(rows.map((r) => r[col] ?? 0)));
  return [
    `Budget 2026 - page ${number} of ${BUDGET_PAGE_COUNT}: ${subject}`,
    '',
    line('Item', columns),
    ...ITEMS.map((item, i) => line(item, rows[i] ?? [])),
    line('Total', totals),
    '',
    'Amounts in euro.',
  ];
}

function quarterPage(quarter: number): string[] {
  const months = MONTHS.slice(quarter * 3, quarter * 3 + 3);
  const label = `Q${quarter + 1}`;
  const perItem = AMOUNTS.map((byMonth) => byMonth.slice(quarter * 3, quarter * 3 + 3));
  return page(quarter + 1, `${label} (${months.join(', ')})`, [...months, label], perItem);
}

function yearPage(): string[] {
  const quarters = Array.from({ length: QUARTERS }, (_, q) => q);
  const perItem = AMOUNTS.map((byMonth) => quarters.map((q) => sum(byMonth.slice(q * 3, q * 3 + 3))));
  return page(BUDGET_PAGE_COUNT, 'the year', [...quarters.map((q) => `Q${q + 1}`), 'Year'], perItem);
}

/** The PDF export's pages. */
export const BUDGET_PAGES: string[][] = [
  ...Array.from({ length: QUARTERS }, (_, q) => quarterPage(q)),
  yearPage(),
];

/** The sheet as CSV: one row per item, a column per month and the year's total. */
export const BUDGET_CSV: string = [
  ['Item', ...MONTHS, 'Year'].join(','),
  ...ITEMS.map((item, i) => [item, ...(AMOUNTS[i] ?? []), sum(AMOUNTS[i] ?? [])].join(',')),
].join('\n');
