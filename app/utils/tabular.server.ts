import ExcelJS from "exceljs";
import iconv from "iconv-lite";
import Papa from "papaparse";

/** A spreadsheet as trimmed strings. `line` is the row number the user sees in Excel or a text editor. */
export type Table = { headers: string[]; rows: { line: number; cells: string[] }[] };

/** Carries an i18n key (`import.table.*`) so the route can show the clerk a translated message. */
export class TableReadError extends Error {
  constructor(
    public key: string,
    public params: Record<string, string | number> = {},
  ) {
    super(key);
    this.name = "TableReadError";
  }
}

const DEFAULT_MAX_ROWS = 200_000;
const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
// Compound File Binary: legacy .xls/.et, and also password-protected .xlsx.
const OLE2_MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const UTF8_BOM = [0xef, 0xbb, 0xbf];
const UTF16LE_BOM = [0xff, 0xfe];
const UTF16BE_BOM = [0xfe, 0xff];
const DELIMITERS = [",", "\t", ";"];
// Control characters never occur in a real CSV; U+FFFD means the bytes were not valid in any encoding we try.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const NOT_TEXT = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F\uFFFD]/;

type RawRecord = { line: number; cells: string[] };

export async function readTable(data: Uint8Array, filename: string, opts: { maxRows?: number } = {}): Promise<Table> {
  let records: Iterable<RawRecord>;
  if (startsWith(data, ZIP_MAGIC)) {
    records = await xlsxRecords(data, filename);
  } else if (startsWith(data, OLE2_MAGIC)) {
    throw new TableReadError("import.table.legacyExcel", { file: filename });
  } else {
    const text = decodeText(data, filename);
    records = delimitedRecords(text, detectDelimiter(text), filename);
  }
  return buildTable(records, filename, opts.maxRows ?? DEFAULT_MAX_ROWS);
}

function startsWith(data: Uint8Array, magic: number[]): boolean {
  return data.length >= magic.length && magic.every((byte, i) => data[i] === byte);
}

function buildTable(records: Iterable<RawRecord>, file: string, maxRows: number): Table {
  let headers: string[] | null = null;
  const rows: Table["rows"] = [];
  for (const record of records) {
    // trim() also drops a U+FEFF left in front of the first header by some exporters.
    const cells = record.cells.map((cell) => cell.trim());
    if (cells.every((cell) => cell === "")) continue;
    if (!headers) {
      headers = readHeaders(cells, record.line, file);
      continue;
    }
    if (rows.length >= maxRows) throw new TableReadError("import.table.tooManyRows", { file, max: maxRows });
    rows.push({ line: record.line, cells: fitToHeaders(cells, headers.length, record.line, file) });
  }
  if (!headers) throw new TableReadError("import.table.empty", { file });
  return { headers, rows };
}

function readHeaders(cells: string[], line: number, file: string): string[] {
  // Excel and CSV exports often carry empty columns after the last real one.
  const headers = cells.slice(0, lastNonEmpty(cells) + 1);
  const seen = new Set<string>();
  headers.forEach((header, i) => {
    if (header === "") throw new TableReadError("import.table.emptyHeader", { file, line, column: i + 1 });
    if (seen.has(header)) throw new TableReadError("import.table.duplicateHeader", { file, line, column: header });
    seen.add(header);
  });
  return headers;
}

function fitToHeaders(cells: string[], width: number, line: number, file: string): string[] {
  const used = lastNonEmpty(cells) + 1;
  if (used > width) throw new TableReadError("import.table.extraCells", { file, line, cells: used, columns: width });
  return Array.from({ length: width }, (_, i) => cells[i] ?? "");
}

function lastNonEmpty(cells: string[]): number {
  for (let i = cells.length - 1; i >= 0; i--) if (cells[i] !== "") return i;
  return -1;
}

// ---------------------------------------------------------------- XLSX

async function xlsxRecords(data: Uint8Array, file: string): Promise<Iterable<RawRecord>> {
  const workbook = new ExcelJS.Workbook();
  try {
    // exceljs's typings ask for an ArrayBuffer; the zip reader underneath accepts any byte container.
    await workbook.xlsx.load(data.slice().buffer);
  } catch {
    throw new TableReadError("import.table.unreadable", { file });
  }
  // `worksheets` is in tab order; getWorksheet(1) would be by internal id.
  const sheet = workbook.worksheets[0];
  if (!sheet) throw new TableReadError("import.table.unreadable", { file });
  return (function* () {
    for (let line = 1; line <= sheet.rowCount; line++) {
      const row = sheet.findRow(line);
      if (!row) continue;
      const cells: string[] = [];
      row.eachCell((cell, column) => {
        cells[column - 1] = cellText(cell.value, cell.numFmt);
      });
      yield { line, cells: Array.from(cells, (cell) => cell ?? "") };
    }
  })();
}

function cellText(value: unknown, numFmt?: string): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number") return numberText(value, numFmt);
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  if (value instanceof Date) return dateText(value);
  if (typeof value === "object") {
    if ("richText" in value && Array.isArray(value.richText)) {
      return value.richText.map((run: { text?: string }) => run.text ?? "").join("");
    }
    // Formulas (plain and shared) carry their last computed value.
    if ("formula" in value || "sharedFormula" in value) {
      return "result" in value ? cellText(value.result, numFmt) : "";
    }
    if ("hyperlink" in value && "text" in value) return cellText(value.text);
    if ("error" in value) return String(value.error);
  }
  return String(value);
}

function numberText(value: number, numFmt?: string): string {
  // Excel shows 15 significant digits, so 0.1+0.2 stored as 0.30000000000000004 reads as 0.3.
  const text = String(Number(value.toPrecision(15)));
  // A "0000" format is how sheets keep leading zeros on numeric codes such as room 0301.
  if (numFmt && /^0+$/.test(numFmt) && Number.isInteger(value) && value >= 0) {
    return text.padStart(numFmt.length, "0");
  }
  return text;
}

function dateText(date: Date): string {
  // exceljs builds dates from the serial number as UTC, so UTC fields are the ones typed in Excel.
  const rounded = new Date(Math.round(date.getTime() / 1000) * 1000);
  const iso = rounded.toISOString();
  const day = iso.slice(0, 10);
  const time = iso.slice(11, 19);
  if (time === "00:00:00") return day;
  return `${day} ${time.endsWith(":00") ? time.slice(0, 5) : time}`;
}

// ---------------------------------------------------------------- CSV / TSV

function decodeText(data: Uint8Array, file: string): string {
  let text: string;
  if (startsWith(data, UTF8_BOM)) text = new TextDecoder("utf-8").decode(data);
  else if (startsWith(data, UTF16LE_BOM)) text = new TextDecoder("utf-16le").decode(data);
  else if (startsWith(data, UTF16BE_BOM)) text = new TextDecoder("utf-16be").decode(data);
  else {
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(data);
    } catch {
      // Excel and WPS on Chinese Windows save "CSV" in the ANSI code page, i.e. GBK.
      text = iconv.decode(Buffer.from(data.buffer, data.byteOffset, data.byteLength), "gb18030");
    }
  }
  if (NOT_TEXT.test(text)) throw new TableReadError("import.table.unreadable", { file });
  return text;
}

/** Picks the delimiter giving the most fields on the first non-blank record. */
function detectDelimiter(text: string): string {
  const fields = (delimiter: string) => {
    let count = 0;
    Papa.parse<string[]>(text, {
      delimiter,
      step: ({ data }, parser) => {
        if (data.length === 1 && data[0].trim() === "") return;
        count = data.length;
        parser.abort();
      },
    });
    return count;
  };
  let best = DELIMITERS[0];
  let most = fields(best);
  for (const d of DELIMITERS.slice(1)) {
    const count = fields(d);
    if (count > most) [best, most] = [d, count];
  }
  return best;
}

/**
 * Outside quoted fields, line breaks become "\n" (papaparse takes one kind per file; files edited
 * on two systems mix them) and blanks between a delimiter and an opening quote go (hand-edited
 * files write `a, "b"`). Inside quotes everything is kept: a quote count that is odd means inside.
 */
function normalizeOutsideQuotes(text: string, delimiter: string): string {
  let quotes = 0;
  const blank = delimiter === "\t" ? " " : " \\t";
  const pattern = new RegExp(`"|\\r\\n?|\\n|(?<=^|[${delimiter}\\r\\n])[${blank}]+(?=")`, "g");
  return text.replace(pattern, (match) => {
    if (match === '"') {
      quotes++;
      return match;
    }
    if (quotes % 2 === 1) return match;
    return match[0] === "\r" || match[0] === "\n" ? "\n" : "";
  });
}

/** Line breaks as the hand-counted line numbers see them: CRLF, LF or a lone CR, inside quotes too. */
function lineBreaks(text: string): number {
  return text.match(/\r\n|\r|\n/g)?.length ?? 0;
}

/** RFC 4180 records (papaparse), each with the line on which it starts. */
function delimitedRecords(text: string, delimiter: string, file: string): RawRecord[] {
  const input = normalizeOutsideQuotes(text.replace(/^\uFEFF/, ""), delimiter);
  const records: RawRecord[] = [];
  let line = 1;
  let start = 0;
  let unclosedAt: number | null = null;
  Papa.parse<string[]>(input, {
    delimiter,
    newline: "\n",
    step: ({ data, errors, meta }, parser) => {
      const quote = errors.find((e) => e.code === "MissingQuotes");
      if (quote) {
        unclosedAt = quote.index ?? start;
        parser.abort();
        return;
      }
      records.push({ line, cells: data });
      line += lineBreaks(input.slice(start, meta.cursor));
      start = meta.cursor;
    },
  });
  if (unclosedAt !== null)
    throw new TableReadError("import.table.unclosedQuote", { file, line: 1 + lineBreaks(input.slice(0, unclosedAt)) });
  return records;
}
