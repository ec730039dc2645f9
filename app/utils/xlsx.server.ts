// Spreadsheets the office downloads: one header row in bold that stays in view while scrolling,
// columns wide enough for their Chinese text, and times shown as Beijing time.
import ExcelJS from "exceljs";

export type SheetCell = string | number | boolean | Date | null;

export type Sheet = {
  name: string;
  headers: string[];
  rows: SheetCell[][];
  /** Characters per column; by default from the longest text in the column (up to 60). */
  widths?: number[];
};

const CHINA_OFFSET_MS = 8 * 3600_000;
const MAX_AUTO_WIDTH = 60;
// Sheet names: at most 31 characters, none of : \ / ? * [ ].
const BAD_SHEET_NAME = /[:\\/?*[\]]/g;

/** Display width: a Chinese character takes two columns of a Latin one. */
function textWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += ch.charCodeAt(0) > 0x2e7f ? 2 : 1;
  return width;
}

function cellWidth(cell: SheetCell): number {
  if (cell === null) return 0;
  if (cell instanceof Date) return 19;
  return textWidth(String(cell));
}

/** An .xlsx workbook. Dates are written as Excel date cells that read as Beijing time. */
export async function writeXlsx(sheets: Sheet[]): Promise<Uint8Array<ArrayBuffer>> {
  const workbook = new ExcelJS.Workbook();
  workbook.created = new Date();
  for (const sheet of sheets) {
    const ws = workbook.addWorksheet(sheet.name.replace(BAD_SHEET_NAME, "_").slice(0, 31), {
      views: [{ state: "frozen", ySplit: 1 }],
    });
    ws.columns = sheet.headers.map((header, i) => {
      const auto = Math.max(textWidth(header), ...sheet.rows.map((row) => cellWidth(row[i] ?? null)));
      return { header, width: sheet.widths?.[i] ?? Math.min(MAX_AUTO_WIDTH, auto + 2) };
    });
    ws.getRow(1).font = { bold: true };
    for (const row of sheet.rows) {
      const added = ws.addRow(
        // Excel has no time zones: shift so the serial number is the Beijing wall-clock time.
        row.map((cell) => (cell instanceof Date ? new Date(cell.getTime() + CHINA_OFFSET_MS) : cell)),
      );
      row.forEach((cell, i) => {
        if (cell instanceof Date) added.getCell(i + 1).numFmt = "yyyy-mm-dd hh:mm:ss";
      });
    }
  }
  return new Uint8Array(await workbook.xlsx.writeBuffer());
}

/** The Content-Type of what writeXlsx returns. */
export const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
