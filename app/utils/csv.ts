// Every CSV the system hands out (link lists, response exports, the mock-evaluation sample, the
// register template): papaparse with CRLF rows, a UTF-8 byte-order mark so Excel on Chinese
// Windows reads the file as UTF-8 rather than GBK, and text that cannot run as a formula.
import Papa from "papaparse";

export type CsvCell = string | number | boolean | null;

// Excel, WPS and LibreOffice start a formula at = + - @, and also after a leading tab or CR.
const FORMULA_START = /^[=+\-@\t\r]/;

/** Text a spreadsheet would run as a formula gets a leading apostrophe, so it shows as typed. */
export function defuseFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/**
 * Rows (the header row first) as CSV text. Text cells are defused; numbers and booleans are written
 * as they are (-1 is a number, not a formula). Quoted where RFC 4180 needs it and where a cell starts or
 * ends with white space, which spreadsheets would otherwise drop.
 */
export function writeCsv(rows: CsvCell[][], options: { bom?: boolean } = {}): string {
  const cells = rows.map((row) => row.map((cell) => (typeof cell === "string" ? defuseFormula(cell) : cell)));
  const text = Papa.unparse(cells, {
    newline: "\r\n",
    quotes: (value: unknown) => typeof value === "string" && /^\s|\s$/.test(value),
  });
  return `${options.bom === false ? "" : "\uFEFF"}${text}\r\n`;
}
