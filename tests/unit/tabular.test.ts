import { readFileSync } from "node:fs";
import path from "node:path";
import ExcelJS from "exceljs";
import iconv from "iconv-lite";
import { describe, it, expect } from "vitest";
import { importMessages } from "~/i18n/messages/import";
import { readTable, TableReadError } from "~/utils/tabular.server";

const utf8 = (text: string) => new TextEncoder().encode(text);

function utf16(text: string, endian: "le" | "be"): Uint8Array {
  const bytes = Buffer.from(text, "utf16le");
  if (endian === "be") bytes.swap16();
  return Uint8Array.from([...(endian === "le" ? [0xff, 0xfe] : [0xfe, 0xff]), ...bytes]);
}

/** Asserts the read fails with `key` and that the message exists in both languages with every placeholder filled. */
async function expectReadError(read: Promise<unknown>, key: string, params?: Record<string, string | number>) {
  const error = await read.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TableReadError);
  const { key: actualKey, params: actualParams } = error as TableReadError;
  expect(actualKey).toBe(key);
  if (params) expect(actualParams).toMatchObject(params);
  for (const dict of [importMessages.zh, importMessages.en] as Record<string, string>[]) {
    expect(dict[key]).toBeTypeOf("string");
    for (const [, name] of dict[key].matchAll(/\{(\w+)\}/g)) expect(actualParams).toHaveProperty(name);
  }
}

async function xlsx(build: (sheet: ExcelJS.Worksheet) => void): Promise<Uint8Array> {
  const workbook = new ExcelJS.Workbook();
  build(workbook.addWorksheet("住户"));
  return new Uint8Array(await workbook.xlsx.writeBuffer());
}

describe("readTable: text encodings", () => {
  const csv = "街道,社区,房号\n城关街道,东门社区,301\n";
  const expected = {
    headers: ["街道", "社区", "房号"],
    rows: [{ line: 2, cells: ["城关街道", "东门社区", "301"] }],
  };

  it("reads UTF-8", async () => {
    expect(await readTable(utf8(csv), "a.csv")).toEqual(expected);
  });

  it("reads UTF-8 with BOM without leaving the BOM on the first header", async () => {
    const table = await readTable(Uint8Array.from([0xef, 0xbb, 0xbf, ...utf8(csv)]), "a.csv");
    expect(table).toEqual(expected);
    expect(table.headers[0].charCodeAt(0)).toBe("街".charCodeAt(0));
  });

  it("reads GBK, as saved by Excel on Chinese Windows", async () => {
    const bytes = new Uint8Array(iconv.encode(csv.replace(/\n/g, "\r\n"), "gbk"));
    expect(() => new TextDecoder("utf-8", { fatal: true }).decode(bytes)).toThrow();
    expect(await readTable(bytes, "a.csv")).toEqual(expected);
  });

  it("reads UTF-16BE with BOM", async () => {
    expect(await readTable(utf16(csv, "be"), "a.csv")).toEqual(expected);
  });

  it("reads the real UTF-16LE, semicolon-separated Somerville survey", async () => {
    const file = path.resolve(__dirname, "../fixtures/somerville-happiness-2015.csv");
    const table = await readTable(new Uint8Array(readFileSync(file)), "somerville-happiness-2015.csv");
    expect(table.headers).toEqual(["D", "X1", "X2", "X3", "X4", "X5", "X6"]);
    expect(table.rows).toHaveLength(143);
    expect(table.rows[0]).toEqual({ line: 2, cells: ["0", "3", "2", "3", "4", "2", "4"] });
    expect(table.rows[142].line).toBe(144);
  });

  it("rejects random binary bytes", async () => {
    let seed = 42;
    const bytes = Uint8Array.from({ length: 4096 }, () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) >> 23);
    await expectReadError(readTable(bytes, "photo.csv"), "import.table.unreadable", { file: "photo.csv" });
  });

  it("rejects text containing NUL bytes", async () => {
    await expectReadError(readTable(utf8("a,b\n1,\u00002\n"), "a.csv"), "import.table.unreadable");
  });

  it("rejects UTF-8 BOM followed by bytes that are not UTF-8", async () => {
    const bytes = Uint8Array.from([0xef, 0xbb, 0xbf, ...iconv.encode("街道\n城关\n", "gbk")]);
    await expectReadError(readTable(bytes, "a.csv"), "import.table.unreadable");
  });
});

describe("readTable: CSV structure", () => {
  it("detects tab and semicolon delimiters, ignoring delimiters inside quotes", async () => {
    expect((await readTable(utf8("a\tb,c\td\n1\t2,3\t4\n"), "a.tsv")).rows[0].cells).toEqual(["1", "2,3", "4"]);
    expect((await readTable(utf8('"x,y";b\n1;2\n'), "a.csv")).headers).toEqual(["x,y", "b"]);
  });

  it("handles quotes, escaped quotes, CRLF and embedded newlines with true line numbers", async () => {
    const text = 'name,note\r\n"Wang, Li","said ""hi""\r\nthen left"\r\nZhao, "x"\r\n';
    const table = await readTable(utf8(text), "a.csv");
    expect(table.rows).toEqual([
      { line: 2, cells: ["Wang, Li", 'said "hi"\r\nthen left'] },
      { line: 4, cells: ["Zhao", "x"] },
    ]);
  });

  it("trims cells, skips blank lines and keeps the line numbers", async () => {
    const text = "\n  a , b \n\n 1 , 2 \n , \n3,4";
    expect(await readTable(utf8(text), "a.csv")).toEqual({
      headers: ["a", "b"],
      rows: [
        { line: 4, cells: ["1", "2"] },
        { line: 6, cells: ["3", "4"] },
      ],
    });
  });

  it("pads short rows, drops trailing empty cells and trailing empty header columns", async () => {
    const table = await readTable(utf8("a,b,c,,\n1\n1,2,3,,,\n"), "a.csv");
    expect(table.headers).toEqual(["a", "b", "c"]);
    expect(table.rows.map((r) => r.cells)).toEqual([
      ["1", "", ""],
      ["1", "2", "3"],
    ]);
  });

  it("rejects a row with more cells than headers, naming its line", async () => {
    await expectReadError(readTable(utf8("a,b\n1,2\n\n1,2,3\n"), "a.csv"), "import.table.extraCells", {
      line: 4,
      cells: 3,
      columns: 2,
    });
  });

  it("rejects empty files", async () => {
    await expectReadError(readTable(new Uint8Array(), "a.csv"), "import.table.empty", { file: "a.csv" });
    await expectReadError(readTable(utf8("\r\n  \n,,\n"), "a.csv"), "import.table.empty");
    await expectReadError(readTable(Uint8Array.from([0xef, 0xbb, 0xbf]), "a.csv"), "import.table.empty");
  });

  it("rejects empty and duplicate header names", async () => {
    await expectReadError(readTable(utf8("\na,,c\n"), "a.csv"), "import.table.emptyHeader", {
      line: 2,
      column: 2,
    });
    await expectReadError(readTable(utf8("a, a\n"), "a.csv"), "import.table.duplicateHeader", {
      column: "a",
    });
  });

  it("rejects an unclosed quote, naming the line where it opened", async () => {
    await expectReadError(readTable(utf8('a,b\n1,2\n3,"4\n5,6\n'), "a.csv"), "import.table.unclosedQuote", {
      line: 3,
    });
  });

  it("enforces maxRows on data rows", async () => {
    const text = "a\n1\n2\n3\n";
    expect((await readTable(utf8(text), "a.csv", { maxRows: 3 })).rows).toHaveLength(3);
    await expectReadError(readTable(utf8(text), "a.csv", { maxRows: 2 }), "import.table.tooManyRows", {
      max: 2,
    });
  });
});

describe("readTable: XLSX", () => {
  it("reads the first worksheet as strings", async () => {
    const bytes = await xlsx((sheet) => {
      sheet.addRow(["街道", "房号", "日期", "合计", "备注", "链接", "比例", "空置"]);
      sheet.addRow([
        " 城关街道 ",
        301,
        new Date(Date.UTC(2024, 0, 5)),
        { formula: "1+1", result: 2 },
        { richText: [{ text: "东" }, { text: "门" }] },
        { text: "官网", hyperlink: "https://example.org" },
        0.1 + 0.2,
        true,
      ]);
      sheet.addRow([]);
      sheet.addRow(["城关街道", 12.5, new Date(Date.UTC(2024, 0, 5, 8, 30))]);
      sheet.getCell("B5").value = 301;
      sheet.getCell("B5").numFmt = "0000";
      sheet.getCell("A5").value = "西街";
    });
    // Detection is by content, so a misnamed upload still works.
    const table = await readTable(bytes, "register.csv");
    expect(table.headers).toEqual(["街道", "房号", "日期", "合计", "备注", "链接", "比例", "空置"]);
    expect(table.rows).toEqual([
      { line: 2, cells: ["城关街道", "301", "2024-01-05", "2", "东门", "官网", "0.3", "TRUE"] },
      { line: 4, cells: ["城关街道", "12.5", "2024-01-05 08:30", "", "", "", "", ""] },
      { line: 5, cells: ["西街", "0301", "", "", "", "", "", ""] },
    ]);
  });

  it("gives every row of a merged cell the merged value", async () => {
    const bytes = await xlsx((sheet) => {
      sheet.addRows([
        ["街道", "房号"],
        ["城关街道", "101"],
        [null, "102"],
      ]);
      sheet.mergeCells("A2:A3");
    });
    expect((await readTable(bytes, "a.xlsx")).rows.map((r) => r.cells)).toEqual([
      ["城关街道", "101"],
      ["城关街道", "102"],
    ]);
  });

  it("applies the same header and ragged-row rules as CSV", async () => {
    const bytes = await xlsx((sheet) => sheet.addRows([["a", "b"], [], ["1", "2", "3"]]));
    await expectReadError(readTable(bytes, "a.xlsx"), "import.table.extraCells", { line: 3 });
    const empty = await xlsx(() => {});
    await expectReadError(readTable(empty, "a.xlsx"), "import.table.empty");
  });

  it("rejects a truncated xlsx", async () => {
    const bytes = await xlsx((sheet) => sheet.addRows([["a"], ["1"]]));
    await expectReadError(readTable(bytes.slice(0, bytes.length / 2), "a.xlsx"), "import.table.unreadable", {
      file: "a.xlsx",
    });
  });

  it("explains that legacy .xls files must be saved as .xlsx", async () => {
    const bytes = Uint8Array.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, ...new Uint8Array(504)]);
    await expectReadError(readTable(bytes, "a.xls"), "import.table.legacyExcel", { file: "a.xls" });
  });
});

describe("readTable: CSV on papaparse", () => {
  it("keeps a quoted field's embedded newline and comma, and counts its lines", async () => {
    const text = '街道,备注\n城关街道,"东门,\n北门"\n西街,x\n';
    expect((await readTable(utf8(text), "a.csv")).rows).toEqual([
      { line: 2, cells: ["城关街道", "东门,\n北门"] },
      { line: 4, cells: ["西街", "x"] },
    ]);
  });

  it("reads a semicolon file and a tab file", async () => {
    expect(await readTable(utf8("a;b\n1;2,5\n"), "a.csv")).toEqual({ headers: ["a", "b"], rows: [{ line: 2, cells: ["1", "2,5"] }] });
    expect(await readTable(utf8("a\tb\n1\t2;5\n"), "a.tsv")).toEqual({ headers: ["a", "b"], rows: [{ line: 2, cells: ["1", "2;5"] }] });
  });

  it("reads GBK bytes with a quoted field", async () => {
    const bytes = new Uint8Array(iconv.encode('小区,房号\r\n"锦绣花园,一期",301\r\n', "gbk"));
    expect((await readTable(bytes, "a.csv")).rows).toEqual([{ line: 2, cells: ["锦绣花园,一期", "301"] }]);
  });

  it("reads UTF-16LE with BOM, semicolon-separated", async () => {
    expect(await readTable(utf16("a;b\r\n1;2\r\n", "le"), "a.csv")).toEqual({
      headers: ["a", "b"],
      rows: [{ line: 2, cells: ["1", "2"] }],
    });
  });

  it("reads mixed line ends, and a blank before an opening quote, keeping quoted text as it is", async () => {
    const text = 'a,b\r\n1, "x,y"\n2,"q,  ""r"""\r3,4';
    expect((await readTable(utf8(text), "a.csv")).rows).toEqual([
      { line: 2, cells: ["1", "x,y"] },
      { line: 3, cells: ["2", 'q,  "r"'] },
      { line: 4, cells: ["3", "4"] },
    ]);
  });

  it("names the line of an unclosed quote after a multi-line field", async () => {
    await expectReadError(readTable(utf8('a,b\n"1\n2",3\n4,"5\n'), "a.csv"), "import.table.unclosedQuote", { line: 4 });
  });
});
