// The one CSV writer (app/utils/csv.ts) and the files written through it (the link list: in
// campaigns.test.ts; the responses export and the sample: integration tests), plus how the XLSX
// writer keeps formula-like text as text.
import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { REGISTER_TEMPLATE } from "~/utils/register-template";
import { defuseFormula, writeCsv } from "~/utils/csv";
import { readTable } from "~/utils/tabular.server";
import { writeXlsx } from "~/utils/xlsx.server";
import { generateDemoRegister, registerToCsv } from "../../db/seed/demo-county";

// What a spreadsheet would run as a formula, and what it shows once defused.
const FORMULAS: [string, string][] = [
  ["=1+1", "'=1+1"],
  ["+1", "'+1"],
  ["-1", "'-1"],
  ["@SUM(A1:A2)", "'@SUM(A1:A2)"],
  ["\t=1+1", "'\t=1+1"],
  ["\r=1+1", "'\r=1+1"],
  ['=HYPERLINK("http://x","点")', `'=HYPERLINK("http://x","点")`],
];

/** The cells of a written CSV as a spreadsheet reads them (through the import reader). */
async function cellsOf(csv: string): Promise<string[][]> {
  const table = await readTable(new TextEncoder().encode(csv), "x.csv");
  return [table.headers, ...table.rows.map((r) => r.cells)];
}

describe("writeCsv", () => {
  it("writes a BOM, CRLF rows and a final CRLF; quotes only where needed", () => {
    expect(
      writeCsv([
        ["a", "b"],
        ["1", 2],
        ['x,"y"', null],
        [" 空格", "多\n行"],
      ]),
    ).toBe('\uFEFFa,b\r\n1,2\r\n"x,""y""",\r\n" 空格","多\n行"\r\n');
    expect(writeCsv([["a"]], { bom: false })).toBe("a\r\n");
  });

  it("defuses every text cell that would run as a formula, in any column and the header", async () => {
    for (const [typed, shown] of FORMULAS) {
      expect(defuseFormula(typed)).toBe(shown);
      const csv = writeCsv([
        [typed, "h"],
        ["x", typed],
      ]);
      expect(await cellsOf(csv)).toEqual([
        [shown.trim(), "h"],
        ["x", shown.trim()],
      ]);
    }
  });

  it("leaves numbers, booleans and harmless text alone", () => {
    expect(writeCsv([[-1, 0.5, true, "a=1", "1-2", "'=1", "＝1"]], { bom: false })).toBe("-1,0.5,true,a=1,1-2,'=1,＝1\r\n");
  });
});

describe("files written through writeCsv", () => {
  it("the demo register file defuses names", async () => {
    const [row] = generateDemoRegister();
    const csv = registerToCsv(FORMULAS.map(([typed]) => ({ ...row, compound: typed, gridLeader: typed })));
    const cells = (await cellsOf(csv)).slice(1);
    expect(cells.map((r) => [r[2], r[8]])).toEqual(FORMULAS.map(([, shown]) => [shown.trim(), shown.trim()]));
  });

  it("the register template is the writer's output and reads back as the import's columns", async () => {
    const text = REGISTER_TEMPLATE;
    expect(text.startsWith("\uFEFF街道,社区,小区,楼栋,单元,房号,空置,网格,网格长,网格长电话,责任单位\r\n")).toBe(true);
    const cells = await cellsOf(text);
    expect(writeCsv(cells)).toBe(text);
    expect(cells).toHaveLength(3);
  });
});

describe("writeXlsx", () => {
  it("writes formula-like text as text cells, so nothing is evaluated", async () => {
    const data = await writeXlsx([{ name: "答卷", headers: ["建议"], rows: FORMULAS.map(([typed]) => [typed]) }]);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(data.buffer);
    const sheet = workbook.worksheets[0];
    FORMULAS.forEach(([typed], i) => {
      const cell = sheet.getCell(i + 2, 1);
      expect(cell.type).toBe(ExcelJS.ValueType.String);
      expect(cell.formula).toBeUndefined();
      // XML reads a bare CR in text as a line feed: the text stays, only its line end changes.
      expect(cell.value).toBe(typed.replace(/\r/g, "\n"));
    });
  });
});
