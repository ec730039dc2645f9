import ExcelJS from "exceljs";
import iconv from "iconv-lite";
import Papa from "papaparse";
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import {
  checkZipInMemory,
  checkZipOnDisk,
  MAX_INFLATED_BYTES,
  MAX_STREAMED_SHARED_STRINGS_BYTES,
  type ZipProblem,
} from "~/utils/zip-limits.server";

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

/** The error of a zip that is too big once inflated, or cannot be read (app/utils/zip-limits.server.ts). */
function zipRefusal(problem: ZipProblem, file: string, limit: number): TableReadError {
  return problem === "tooLarge"
    ? new TableReadError("import.table.inflatesTooLarge", { file, mb: limit / 1024 / 1024 })
    : new TableReadError("import.table.unreadable", { file });
}

async function xlsxRecords(data: Uint8Array, file: string): Promise<Iterable<RawRecord>> {
  // A zip bomb is refused before exceljs inflates it into memory.
  const problem = await checkZipInMemory(data);
  if (problem) throw zipRefusal(problem, file, MAX_INFLATED_BYTES);
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

export function cellText(value: unknown, numFmt?: string): string {
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

// ---------------------------------------------------------------- Streaming (files too big to hold)

/** A table read from a file on disk one row at a time: its sheet (XLSX), header row and rows after it. */
export type StreamedTable = { sheet: string | null; headers: string[]; headerLine: number; rows: AsyncGenerator<RawRecord> };

export type SheetSummary = { name: string; headers: string[]; rows: number };

const SNIFF_BYTES = 64 * 1024;
const QUEUE_HIGH = 2000;

async function sniff(filePath: string): Promise<Uint8Array> {
  const handle = await open(filePath, "r");
  try {
    const buffer = new Uint8Array(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * The encoding of a text file from its first bytes: a byte-order mark (UTF-8, UTF-16 LE/BE), else
 * UTF-16 without one (every other byte zero), else UTF-8 when the bytes are valid UTF-8, else
 * GB18030 (a superset of GBK, what Excel and WPS on Chinese Windows write).
 */
export function detectEncoding(head: Uint8Array): "utf8" | "utf16le" | "utf16be" | "gb18030" {
  if (startsWith(head, UTF8_BOM)) return "utf8";
  if (startsWith(head, UTF16LE_BOM)) return "utf16le";
  if (startsWith(head, UTF16BE_BOM)) return "utf16be";
  const pairs = Math.floor(Math.min(head.length, 4096) / 2);
  if (pairs >= 2) {
    let evenZeros = 0;
    let oddZeros = 0;
    for (let i = 0; i < pairs; i++) {
      if (head[2 * i] === 0) evenZeros++;
      if (head[2 * i + 1] === 0) oddZeros++;
    }
    if (oddZeros > pairs * 0.4 && evenZeros < pairs * 0.05) return "utf16le";
    if (evenZeros > pairs * 0.4 && oddZeros < pairs * 0.05) return "utf16be";
  }
  try {
    // A multi-byte character may be cut at the end of the sniffed bytes: let the decoder wait for it.
    new TextDecoder("utf-8", { fatal: true }).decode(head, { stream: true });
    return "utf8";
  } catch {
    return "gb18030";
  }
}

/**
 * Opens a CSV (any of the encodings above, comma, tab or semicolon) or XLSX file for reading one
 * row at a time, never holding it whole: the header row of the chosen sheet (the first with data
 * when none is chosen), then the rows. An XLSX with several sheets holding data and no sheet chosen
 * is refused with their names (`import.table.severalSheets`), so the user picks one.
 */
export async function streamTable(filePath: string, filename: string, opts: { sheet?: string | null } = {}): Promise<StreamedTable> {
  const head = await sniff(filePath);
  if (head.length === 0) throw new TableReadError("import.table.empty", { file: filename });
  if (startsWith(head, OLE2_MAGIC)) throw new TableReadError("import.table.legacyExcel", { file: filename });
  if (startsWith(head, ZIP_MAGIC)) {
    const sheets = await summarizeSheets(filePath, filename);
    const withData = sheets.filter((s) => s.headers.length > 0);
    let chosen: SheetSummary | undefined;
    if (opts.sheet) {
      chosen = sheets.find((s) => s.name === opts.sheet);
      if (!chosen)
        throw new TableReadError("import.table.noSuchSheet", { file: filename, sheet: opts.sheet, sheets: sheetNames(withData) });
    } else {
      if (withData.length > 1) throw new TableReadError("import.table.severalSheets", { file: filename, sheets: sheetNames(withData) });
      chosen = withData[0];
    }
    if (!chosen || chosen.headers.length === 0) throw new TableReadError("import.table.empty", { file: filename });
    return withHeaders(xlsxStream(filePath, filename, chosen.name), filename, chosen.name);
  }
  const encoding = detectEncoding(head);
  const sample = iconv.decode(Buffer.from(head), encoding);
  // The sniffed bytes may end inside a character; the check for binary looks at what is surely whole.
  if (NOT_TEXT.test(sample.slice(0, Math.max(0, sample.length - 2))))
    throw new TableReadError("import.table.unreadable", { file: filename });
  return withHeaders(csvStream(filePath, filename, encoding, detectDelimiter(sample)), filename, null);
}

function sheetNames(sheets: SheetSummary[]): string {
  return sheets.map((s) => `「${s.name}」`).join("、");
}

/** Every sheet of an XLSX with its header row and number of data rows (one streamed pass). */
export async function summarizeSheets(filePath: string, filename: string): Promise<SheetSummary[]> {
  // The declared sizes first: shared strings the streaming reader would hold whole (a zip bomb).
  const problem = await checkZipOnDisk(filePath);
  if (problem) throw zipRefusal(problem, filename, MAX_STREAMED_SHARED_STRINGS_BYTES);
  const sheets: SheetSummary[] = [];
  try {
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(filePath, xlsxReaderOptions);
    for await (const worksheet of reader) {
      const summary: SheetSummary = { name: sheetName(worksheet), headers: [], rows: 0 };
      for await (const row of worksheet as AsyncIterable<ExcelJS.Row>) {
        const cells = rowCells(row);
        if (cells.every((c) => c === "")) continue;
        if (summary.headers.length === 0) summary.headers = cells.slice(0, lastNonEmpty(cells) + 1);
        else summary.rows++;
      }
      sheets.push(summary);
    }
  } catch (error) {
    if (error instanceof TableReadError) throw error;
    throw new TableReadError("import.table.unreadable", { file: filename });
  }
  return sheets;
}

const xlsxReaderOptions = { sharedStrings: "cache", styles: "cache", hyperlinks: "ignore", worksheets: "emit", entries: "ignore" } as const;

function sheetName(worksheet: unknown): string {
  const name = (worksheet as { name?: unknown }).name;
  return typeof name === "string" ? name : "";
}

function rowCells(row: ExcelJS.Row): string[] {
  const cells: string[] = [];
  row.eachCell((cell, column) => {
    cells[column - 1] = cellText(cell.value, cell.numFmt).trim();
  });
  return Array.from(cells, (cell) => cell ?? "");
}

async function* xlsxStream(filePath: string, filename: string, sheet: string): AsyncGenerator<RawRecord> {
  try {
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(filePath, xlsxReaderOptions);
    for await (const worksheet of reader) {
      const mine = sheetName(worksheet) === sheet;
      // Another sheet's rows are still read through (the zip is one stream), but not kept.
      for await (const row of worksheet as AsyncIterable<ExcelJS.Row>) if (mine) yield { line: row.number, cells: rowCells(row) };
    }
  } catch (error) {
    if (error instanceof TableReadError) throw error;
    throw new TableReadError("import.table.unreadable", { file: filename });
  }
}

/**
 * CSV records through papaparse's stream reader, paused while the consumer is behind (the file is
 * read only as fast as rows are used). `line` is the record's number as a spreadsheet shows it.
 */
async function* csvStream(filePath: string, filename: string, encoding: string, delimiter: string): AsyncGenerator<RawRecord> {
  const file = createReadStream(filePath);
  const input = file.pipe(iconv.decodeStream(encoding));
  const queue: RawRecord[] = [];
  let failure: unknown = null;
  let done = false;
  let wake: (() => void) | null = null;
  let parser: Papa.Parser | null = null;
  let paused = false;
  let line = 0;
  const notify = () => {
    wake?.();
    wake = null;
  };
  Papa.parse<string[]>(input as unknown as File, {
    delimiter,
    step: ({ data, errors }, p) => {
      parser = p;
      line++;
      if (errors.some((e) => e.code === "MissingQuotes")) {
        failure = new TableReadError("import.table.unclosedQuote", { file: filename, line });
        p.abort();
        return;
      }
      queue.push({ line, cells: data });
      if (queue.length >= QUEUE_HIGH && !paused) {
        paused = true;
        p.pause();
      }
      notify();
    },
    complete: () => {
      done = true;
      notify();
    },
    error: (error: unknown) => {
      failure = error;
      done = true;
      notify();
    },
  });
  input.on("error", (error) => {
    failure = error;
    done = true;
    notify();
  });
  try {
    while (true) {
      if (queue.length > 0) {
        const record = queue.shift()!;
        if (NOT_TEXT.test(record.cells.join("")))
          throw new TableReadError("import.table.unreadableAt", { file: filename, line: record.line });
        yield record;
        continue;
      }
      if (failure) throw failure;
      if (done) return;
      if (paused && parser) {
        paused = false;
        // Resuming may parse (and queue) rows at once, before anything could wake us.
        (parser as Papa.Parser).resume();
        continue;
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    if (!done) {
      (parser as Papa.Parser | null)?.abort();
      file.destroy();
    }
  }
}

/** The first non-blank record is the header row (checked as readTable checks it); the rest are data. */
async function withHeaders(records: AsyncGenerator<RawRecord>, filename: string, sheet: string | null): Promise<StreamedTable> {
  let first: IteratorResult<RawRecord>;
  do {
    first = await records.next();
  } while (!first.done && first.value.cells.every((c) => c.trim() === ""));
  if (first.done) throw new TableReadError("import.table.empty", { file: filename });
  const headers = readHeaders(
    first.value.cells.map((c) => c.trim()),
    first.value.line,
    filename,
  );
  const headerLine = first.value.line;
  async function* rows(): AsyncGenerator<RawRecord> {
    for await (const record of records) {
      if (record.cells.every((c) => c.trim() === "")) continue;
      yield { line: record.line, cells: record.cells };
    }
  }
  return { sheet, headers, headerLine, rows: rows() };
}
