import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it, expect } from "vitest";
import { householdKey, parseRegister, REGISTER_COLUMNS, type ImportIssue } from "~/domain/register-import";
import { importMessages } from "~/i18n/messages/import";
import type { Table } from "~/utils/tabular.server";

const HEADERS = ["街道", "社区", "小区", "楼栋", "单元", "房号", "空置", "网格", "网格长", "网格长电话", "责任单位"];
const producedIssues: ImportIssue[] = [];

/** Rows are numbered from line 2, as under a header on line 1. */
function table(headers: string[], ...rows: string[][]): Table {
  return { headers, rows: rows.map((cells, i) => ({ line: i + 2, cells })) };
}

function parse(t: Table) {
  const result = parseRegister(t);
  producedIssues.push(...result.issues);
  return result;
}

const brief = (issues: ImportIssue[]) => issues.map(({ line, column, key }) => ({ line, column, key }));

const household = (room: string, overrides: Record<string, string> = {}) => {
  const base: Record<string, string> = {
    街道: "城关街道",
    社区: "东门社区",
    小区: "幸福小区",
    楼栋: "3栋",
    单元: "1单元",
    房号: room,
    空置: "",
    网格: "东门一网格",
    网格长: "王芳",
    网格长电话: "13812345678",
    责任单位: "县文明办",
  };
  return HEADERS.map((h) => overrides[h] ?? base[h]);
};

describe("parseRegister", () => {
  it("accepts a valid register", () => {
    const { rows, issues } = parse(
      table(HEADERS, household("301"), household("302", { 空置: "是", 单元: "", 网格长: "", 网格长电话: "", 责任单位: "" })),
    );
    expect(issues).toEqual([]);
    expect(rows).toEqual([
      {
        line: 2,
        street: "城关街道",
        community: "东门社区",
        compound: "幸福小区",
        building: "3栋",
        stairwell: "1单元",
        room: "301",
        vacant: false,
        grid: "东门一网格",
        gridLeader: "王芳",
        gridLeaderPhone: "13812345678",
        gridUnit: "县文明办",
      },
      // Grid details given on one row of the grid apply to all its rows.
      {
        line: 3,
        street: "城关街道",
        community: "东门社区",
        compound: "幸福小区",
        building: "3栋",
        stairwell: null,
        room: "302",
        vacant: true,
        grid: "东门一网格",
        gridLeader: "王芳",
        gridLeaderPhone: "13812345678",
        gridUnit: "县文明办",
      },
    ]);
  });

  it("needs only the required columns, in any order, and accepts English aliases and (可选)", () => {
    const { rows, issues } = parse(
      table(
        [" Room ", "STREET", "community", "Compound", "楼栋", "空置(可选)", "单元（可选）"],
        ["101", "城关街道", "东门社区", "幸福小区", "1栋", "Y", ""],
      ),
    );
    expect(issues).toEqual([]);
    expect(rows[0]).toMatchObject({
      room: "101",
      street: "城关街道",
      building: "1栋",
      vacant: true,
      stairwell: null,
      grid: null,
    });
  });

  it("reads every accepted vacant value", () => {
    const values = {
      是: true,
      否: false,
      空: true,
      Y: true,
      n: false,
      "1": true,
      "0": false,
      TRUE: true,
      false: false,
      "": false,
    };
    const { rows, issues } = parse(table(HEADERS, ...Object.keys(values).map((v, i) => household(String(100 + i), { 空置: v }))));
    expect(issues).toEqual([]);
    expect(rows.map((r) => r.vacant)).toEqual(Object.values(values));
  });

  it("normalises full-width digits and letters and whitespace", () => {
    const { rows, issues } = parse(
      table(
        HEADERS,
        household("３０１", {
          楼栋: "Ａ 栋",
          小区: "  幸福　　小区 ",
          网格长电话: "１３８ １２３４ ５６７８",
        }),
      ),
    );
    expect(issues).toEqual([]);
    expect(rows[0]).toMatchObject({
      room: "301",
      building: "A 栋",
      compound: "幸福 小区",
      gridLeaderPhone: "13812345678",
    });
  });

  it("accepts mobiles written with separators or +86 and landlines with area code", () => {
    const phones = ["138-1234-5678", "+86 13812345678", "0571-88888888", "010-1234567", "0571－88888888-801"];
    const { rows, issues } = parse(
      table(HEADERS, ...phones.map((p, i) => household(String(100 + i), { 楼栋: `${i}栋`, 网格: `网格${i}`, 网格长电话: p }))),
    );
    expect(issues).toEqual([]);
    expect(rows.map((r) => r.gridLeaderPhone)).toEqual(["13812345678", "13812345678", "0571-88888888", "010-1234567", "0571-88888888-801"]);
  });

  it("reports missing required columns and unknown or repeated columns, and then checks no rows", () => {
    const { rows, issues } = parse(table(["街道", "社区", "小区", "楼 栋", "房号", "room", "备注"], ["", "", "", "", "", "", ""]));
    expect(rows).toEqual([]);
    expect(issues).toEqual([
      { line: null, column: "楼 栋", key: "import.register.unknownColumn", params: { column: "楼 栋" } },
      {
        line: null,
        column: "room",
        key: "import.register.duplicateColumn",
        params: { column: "room", other: "房号" },
      },
      { line: null, column: "备注", key: "import.register.unknownColumn", params: { column: "备注" } },
      {
        line: null,
        column: "楼栋",
        key: "import.register.missingColumn",
        params: { column: "楼栋", alias: "building" },
      },
    ]);
  });

  it("reports grid detail columns without a grid column once", () => {
    const { issues } = parse(
      table(["街道", "社区", "小区", "楼栋", "房号", "网格长"], ["a", "b", "c", "d", "1", "王芳"], ["a", "b", "c", "d", "2", "王芳"]),
    );
    expect(brief(issues)).toEqual([{ line: null, column: "网格长", key: "import.register.gridColumnMissing" }]);
  });

  it("reports a register without data rows", () => {
    expect(brief(parse(table(HEADERS)).issues)).toEqual([{ line: null, column: null, key: "import.register.noRows" }]);
  });

  it("reports empty required cells, overlong values, bad vacant and bad phone values with their line", () => {
    const { rows, issues } = parse(
      table(
        HEADERS,
        household("101"),
        household("", { 街道: " " }),
        household("103", { 小区: "长".repeat(101) }),
        household("104", { 空置: "也许" }),
        household("105", { 网格长电话: "12345" }),
      ),
    );
    expect(rows.map((r) => r.line)).toEqual([2]);
    expect(issues).toEqual([
      { line: 3, column: "街道", key: "import.register.required", params: { line: 3, column: "街道" } },
      { line: 3, column: "房号", key: "import.register.required", params: { line: 3, column: "房号" } },
      {
        line: 4,
        column: "小区",
        key: "import.register.tooLong",
        params: { line: 4, column: "小区", max: 100 },
      },
      {
        line: 5,
        column: "空置",
        key: "import.register.badVacant",
        params: { line: 5, column: "空置", value: "也许" },
      },
      {
        line: 6,
        column: "网格长电话",
        key: "import.register.badPhone",
        params: { line: 6, column: "网格长电话", value: "12345" },
      },
    ]);
  });

  it("counts length in characters, not UTF-16 units", () => {
    expect(parse(table(HEADERS, household("101", { 小区: "𠀀".repeat(100) }))).issues).toEqual([]);
  });

  it("reports a duplicate household on the later line, naming the first", () => {
    const { rows, issues } = parse(table(HEADERS, household("301"), household("302"), household("３０１")));
    expect(rows.map((r) => r.room)).toEqual(["301", "302"]);
    expect(issues).toEqual([{ line: 4, column: null, key: "import.register.duplicateHousehold", params: { line: 4, firstLine: 2 } }]);
  });

  it("treats the same room in another stairwell as another household", () => {
    const { rows, issues } = parse(table(HEADERS, household("301"), household("301", { 单元: "2单元" }), household("301", { 单元: "" })));
    expect(issues).toEqual([]);
    expect(new Set(rows.map(householdKey)).size).toBe(3);
  });

  it("reports grid details that differ between rows, once per differing value", () => {
    const { issues } = parse(
      table(
        HEADERS,
        household("301"),
        household("302", { 网格长: "李强" }),
        household("303", { 网格长: "李强" }),
        household("304", { 网格长电话: "13900000000", 网格长: "" }),
      ),
    );
    expect(issues).toEqual([
      {
        line: 3,
        column: "网格长",
        key: "import.register.gridConflict",
        params: {
          line: 3,
          column: "网格长",
          grid: "东门一网格",
          value: "李强",
          firstValue: "王芳",
          firstLine: 2,
        },
      },
      {
        line: 5,
        column: "网格长电话",
        key: "import.register.gridConflict",
        params: {
          line: 5,
          column: "网格长电话",
          grid: "东门一网格",
          value: "13900000000",
          firstValue: "13812345678",
          firstLine: 2,
        },
      },
    ]);
  });

  it("reports a grid name used in two communities, since grid names are unique in the county", () => {
    const { issues } = parse(
      table(HEADERS, household("301"), household("301", { 社区: "西门社区" }), household("302", { 社区: "西门社区" })),
    );
    expect(issues).toEqual([
      {
        line: 3,
        column: "网格",
        key: "import.register.gridInTwoCommunities",
        params: {
          line: 3,
          grid: "东门一网格",
          community: "西门社区",
          otherCommunity: "东门社区",
          firstLine: 2,
        },
      },
    ]);
  });

  it("reports a building that appears in two grids", () => {
    const { rows, issues } = parse(
      table(
        HEADERS,
        household("301"),
        household("302", { 网格: "东门二网格" }),
        household("303", { 网格: "东门二网格" }),
        household("101", { 楼栋: "4栋", 网格: "东门二网格" }),
      ),
    );
    expect(rows).toHaveLength(4);
    expect(issues).toEqual([
      {
        line: 3,
        column: "网格",
        key: "import.register.buildingInTwoGrids",
        params: {
          line: 3,
          compound: "幸福小区",
          building: "3栋",
          grid: "东门二网格",
          otherGrid: "东门一网格",
          firstLine: 2,
        },
      },
    ]);
  });

  it("reports grid details on a row without a grid name", () => {
    const { issues } = parse(
      table(HEADERS, household("301", { 网格: "", 网格长: "", 网格长电话: "", 责任单位: "" }), household("302", { 网格: "" })),
    );
    expect(issues).toEqual([
      {
        line: 3,
        column: "网格",
        key: "import.register.gridInfoWithoutGrid",
        params: { line: 3, column: "网格" },
      },
    ]);
  });

  it("returns every issue of a file with many problems, in line order", () => {
    const { rows, issues } = parse(
      table(
        [...HEADERS, "楼号"],
        household("101", { 空置: "x" }).concat(""),
        household("", { 网格长电话: "110" }).concat(""),
        household("301").concat(""),
        household("301").concat(""),
        household("302", { 网格长: "李强" }).concat(""),
        household("401", { 网格: "", 楼栋: "5栋" }).concat(""),
      ),
    );
    expect(rows.map((r) => r.line)).toEqual([4, 6]);
    expect(brief(issues)).toEqual([
      { line: null, column: "楼号", key: "import.register.unknownColumn" },
      { line: 2, column: "空置", key: "import.register.badVacant" },
      { line: 3, column: "房号", key: "import.register.required" },
      { line: 3, column: "网格长电话", key: "import.register.badPhone" },
      { line: 5, column: null, key: "import.register.duplicateHousehold" },
      { line: 6, column: "网格长", key: "import.register.gridConflict" },
      { line: 7, column: "网格", key: "import.register.gridInfoWithoutGrid" },
    ]);
  });

  it("keeps the true line numbers of the table", () => {
    const t: Table = {
      headers: HEADERS,
      rows: [
        { line: 5, cells: household("301") },
        { line: 9, cells: household("301") },
      ],
    };
    expect(parse(t).issues[0]).toMatchObject({ line: 9, params: { firstLine: 5 } });
  });

  it("lists the template columns in the documented order", () => {
    expect(REGISTER_COLUMNS.map((c) => c.name)).toEqual(HEADERS);
  });
});

describe("import messages", () => {
  const zh: Record<string, string> = importMessages.zh;
  const en: Record<string, string> = importMessages.en;
  const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

  it("has the same keys in Chinese and English", () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zh).sort());
    for (const key of Object.keys(zh)) {
      expect(key).toMatch(/^import\./);
      expect(zh[key].trim()).not.toBe("");
      expect(en[key].trim()).not.toBe("");
    }
  });

  it("has a message in both languages for every key the import code uses", () => {
    const sources = ["app/utils/tabular.server.ts", "app/domain/register-import.ts"].map((file) =>
      readFileSync(path.resolve(__dirname, "../..", file), "utf8"),
    );
    const used = new Set(sources.flatMap((source) => [...source.matchAll(/"(import\.[\w.]+)"/g)].map((m) => m[1])));
    expect(used.size).toBeGreaterThan(10);
    for (const key of used) {
      expect(zh, key).toHaveProperty([key]);
      expect(en, key).toHaveProperty([key]);
    }
  });

  it("fills every placeholder of the issues produced above", () => {
    const registerKeys = Object.keys(zh).filter((key) => key.startsWith("import.register."));
    expect([...new Set(producedIssues.map((i) => i.key))].sort()).toEqual(registerKeys.sort());
    for (const issue of producedIssues) {
      for (const dict of [zh, en]) {
        expect(dict, issue.key).toHaveProperty([issue.key]);
        for (const name of placeholders(dict[issue.key])) expect(issue.params, `${issue.key} {${name}}`).toHaveProperty(name);
      }
    }
  });
});
