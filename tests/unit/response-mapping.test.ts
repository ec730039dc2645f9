import { describe, expect, it } from "vitest";
import {
  completeMapping,
  decodeValue,
  distinctAnswers,
  encodeValue,
  mappingFromForm,
  mappingTargets,
  mapRows,
  normalizeText,
  parseChinaTime,
  parseDuration,
  placeResolver,
  similarity,
  suggestColumns,
  suggestMapping,
  suggestValue,
  valueField,
  withoutRequired,
  checkRowAnswers,
  type PlaceNode,
  type ResponseMapping,
  type Target,
} from "~/domain/response-mapping";
import type { ImportIssue } from "~/domain/register-import";
import { translate } from "~/i18n";
import { buildRenderSurvey } from "~/survey/render";
import type { Table } from "~/utils/tabular.server";

const DEFINITION = {
  pages: [
    {
      elements: [
        { type: "radiogroup", name: "know", title: "您是否知道我县正在创建文明城市？", isRequired: true, choices: ["知道", "不知道"] },
        { type: "radiogroup", name: "env", title: "您对小区环境卫生满意吗？", choices: ["满意", "基本满意", "不满意"] },
        { type: "rating", name: "overall", title: "总体满意度打分", rateMin: 1, rateMax: 5 },
        { type: "checkbox", name: "channel", title: "您从哪些渠道了解创文？", choices: ["电视", "微信", "社区宣传"], showOtherItem: true },
        { type: "boolean", name: "joined", title: "您参加过志愿活动吗？" },
        {
          type: "matrix",
          name: "grid",
          title: "各项满意度",
          rows: [
            { value: "road", text: "道路" },
            { value: "light", text: "路灯" },
          ],
          columns: ["满意", "不满意"],
        },
        { type: "comment", name: "advice", title: "您的建议" },
        {
          type: "radiogroup",
          name: "happy",
          title: "幸福吗",
          choices: [
            { value: 0, text: "不幸福" },
            { value: 1, text: "幸福" },
          ],
        },
      ],
    },
  ],
};

const targets = mappingTargets(buildRenderSurvey(DEFINITION));
const target = (id: string): Target => targets.find((t) => t.id === id)!;

/** Rows are numbered from line 2, as under a header on line 1. */
function table(headers: string[], ...rows: string[][]): Table {
  return { headers, rows: rows.map((cells, i) => ({ line: i + 2, cells })) };
}

const produced: ImportIssue[] = [];
function mapped(t: Table, mapping: ResponseMapping) {
  const result = mapRows(t, completeMapping(mapping, t, targets), targets);
  produced.push(...result.issues);
  return result;
}

describe("normalizeText", () => {
  it("turns full-width digits, letters and spaces into ASCII and trims", () => {
    expect(normalizeText("　５ 分 ")).toBe("5 分");
    expect(normalizeText("Ｘ１（可选）")).toBe("X1(可选)");
    expect(normalizeText(" 基本\t\t满意 ")).toBe("基本 满意");
  });
});

describe("mappingTargets", () => {
  it("lists questions in page order, matrix rows as their own targets, other as a choice", () => {
    expect(targets.map((t) => t.id)).toEqual([
      "know",
      "env",
      "overall",
      "channel",
      "joined",
      "grid::road",
      "grid::light",
      "advice",
      "happy",
    ]);
    expect(target("overall").choices.map((c) => c.value)).toEqual([1, 2, 3, 4, 5]);
    expect(target("channel")).toMatchObject({ kind: "multi" });
    expect(target("channel").choices.at(-1)).toEqual({ value: "other", text: "其他（请注明）" });
    expect(target("grid::light")).toMatchObject({ question: "grid", row: "light", title: "各项满意度 - 路灯", kind: "single" });
    expect(target("advice").kind).toBe("text");
  });
});

describe("suggestColumns", () => {
  it("maps question names case-insensitively (the Somerville file's D, X1 …)", () => {
    const survey = buildRenderSurvey({
      elements: [{ type: "radiogroup", name: "d", choices: [0, 1] }, ...[1, 2, 3, 4, 5, 6].map((i) => ({ type: "rating", name: `x${i}` }))],
    });
    const t = mappingTargets(survey);
    expect(suggestColumns(["D", "X1", "X2", "X3", "X4", "X5", "X6"], t)).toEqual(["q:d", "q:x1", "q:x2", "q:x3", "q:x4", "q:x5", "q:x6"]);
  });

  it("reads a 问卷星 export: numbered titles, time columns and place columns", () => {
    const headers = [
      "序号",
      "提交答卷时间",
      "所用时间",
      "来源",
      "1、您是否知道我县正在创建文明城市？",
      "2、您对小区的环境卫生是否满意",
      "Q3. 总体满意度打分",
      "小区",
      "楼栋",
      "8.您的建议：",
    ];
    expect(suggestColumns(headers, targets)).toEqual([
      "",
      "finishedAt",
      "duration",
      "",
      "q:know",
      "q:env",
      "q:overall",
      "compound",
      "building",
      "q:advice",
    ]);
  });

  it("gives each question to one column only", () => {
    expect(suggestColumns(["总体满意度打分", "总体满意度打分（复核）"], targets)).toEqual(["q:overall", ""]);
  });

  it("scores title similarity as a Dice coefficient", () => {
    expect(similarity("满意", "满意")).toBe(1);
    expect(similarity("ab", "cd")).toBe(0);
    // bigrams {ab, bc} vs {ab, bd}: 2·1 / (2 + 2)
    expect(similarity("abc", "abd")).toBe(0.5);
  });
});

describe("suggestValue", () => {
  it("matches by value, by text, numbers with 分, and full-width digits", () => {
    expect(suggestValue(target("overall"), "5")).toBe(5);
    expect(suggestValue(target("overall"), "５")).toBe(5);
    expect(suggestValue(target("overall"), "4分")).toBe(4);
    expect(suggestValue(target("overall"), "5.0")).toBe(5);
    expect(suggestValue(target("overall"), "6")).toBeUndefined();
    expect(suggestValue(target("env"), " 基本满意 ")).toBe("基本满意");
    expect(suggestValue(target("happy"), "幸福")).toBe(1);
    expect(suggestValue(target("happy"), "0")).toBe(0);
  });

  it("reads option numbers (1 = first option) only where options are not numbers", () => {
    expect(suggestValue(target("env"), "1")).toBe("满意");
    expect(suggestValue(target("env"), "3")).toBe("不满意");
    expect(suggestValue(target("env"), "4")).toBeUndefined();
    expect(suggestValue(target("happy"), "2")).toBeUndefined();
  });

  it("knows yes/no words for boolean questions, skip marks and 其他", () => {
    expect(suggestValue(target("joined"), "是")).toBe(true);
    expect(suggestValue(target("joined"), "否")).toBe(false);
    expect(suggestValue(target("joined"), "Yes")).toBe(true);
    expect(suggestValue(target("env"), "(跳过)")).toBeNull();
    expect(suggestValue(target("env"), "（跳过）")).toBeNull();
    expect(suggestValue(target("channel"), "其他〖菜市场广播〗")).toBe("other");
    expect(suggestValue(target("env"), "很满意啦")).toBeUndefined();
  });
});

describe("encodeValue / decodeValue", () => {
  it("round-trips offered choices only, null meaning no answer", () => {
    expect(decodeValue(target("overall"), encodeValue(5))).toBe(5);
    expect(decodeValue(target("env"), encodeValue("满意"))).toBe("满意");
    expect(decodeValue(target("joined"), encodeValue(false))).toBe(false);
    expect(decodeValue(target("env"), encodeValue(null))).toBeNull();
    expect(decodeValue(target("overall"), encodeValue(7))).toBeUndefined();
    expect(decodeValue(target("overall"), '"5"')).toBeUndefined();
    expect(decodeValue(target("env"), "")).toBeUndefined();
    expect(decodeValue(target("env"), "{broken")).toBeUndefined();
  });
});

describe("mapRows", () => {
  const headers = ["知晓", "环境", "打分", "渠道", "志愿", "道路", "建议", "提交时间", "用时"];
  const columns: ResponseMapping["columns"] = [
    "q:know",
    "q:env",
    "q:overall",
    "q:channel",
    "q:joined",
    "q:grid::road",
    "q:advice",
    "finishedAt",
    "duration",
  ];
  const fixed = (mapping: Partial<ResponseMapping> = {}): ResponseMapping => ({
    columns,
    place: { mode: "fixed", placeId: 7 },
    values: {},
    ...mapping,
  });

  it("stores typed values: numbers, booleans, checkbox lists, other text, matrix cells, comments and timing", () => {
    const t = table(headers, [
      "知道",
      "2",
      "5分",
      "电视┋微信┋其他〖菜市场广播〗",
      "是",
      "满意",
      " 多装路灯 ",
      "2026-05-01 14:30",
      "3分5秒",
    ]);
    const { rows, issues } = mapped(t, fixed());
    expect(issues).toEqual([]);
    expect(rows).toEqual([
      {
        line: 2,
        answers: {
          know: "知道",
          env: "基本满意",
          overall: 5,
          channel: ["电视", "微信", "other"],
          "channel-Comment": "其他〖菜市场广播〗",
          joined: true,
          grid: { road: "满意" },
          advice: "多装路灯",
        },
        places: {},
        finishedAt: new Date("2026-05-01T06:30:00Z"),
        durationSeconds: 185,
      },
    ]);
  });

  it("splits multiple-choice cells, but not inside an option's own text or 问卷星's 其他〖…〗", () => {
    const survey = buildRenderSurvey({
      elements: [{ type: "checkbox", name: "ch", choices: ["电视、广播", "报纸", "网络、微信"], showOtherItem: true }],
    });
    const t = mappingTargets(survey);
    const file = table(["渠道"], ["电视、广播┋网络、微信┋其他〖菜市场、公告栏〗"], ["报纸、电视、广播"]);
    const mapping = completeMapping({ columns: ["q:ch"], place: { mode: "fixed", placeId: 1 }, values: {} }, file, t);
    const { rows, issues } = mapRows(file, mapping, t);
    expect(issues).toEqual([]);
    expect(rows.map((r) => r.answers)).toEqual([
      { ch: ["电视、广播", "网络、微信", "other"], "ch-Comment": "其他〖菜市场、公告栏〗" },
      { ch: ["报纸", "电视、广播"] },
    ]);
  });

  it("reports each unmapped answer once, with its column, count and lines", () => {
    const t = table(["打分"], ["5"], ["很满意啦"], ["4"], ["很满意啦"]);
    const { issues } = mapped(t, fixed({ columns: ["q:overall"] }));
    expect(issues).toEqual([
      {
        line: 3,
        column: "打分",
        key: "responses.import.unmappedValue",
        params: { column: "打分", value: "很满意啦", count: 2, lines: "3、5" },
      },
    ]);
    expect(translate("zh", issues[0].key, issues[0].params)).toBe(
      "列「打分」中的答案“很满意啦”（2 行：第 3、5 行）没有对应的选项。请在“答案对应的选项”中为它选择一个选项或“视为未答”，或修改文件。",
    );
  });

  it("takes the office's choice for an answer text, including 'no answer'", () => {
    const t = table(["打分"], ["很满意啦"], ["(跳过)"], ["3"]);
    const values = { overall: { 很满意啦: encodeValue(5) } };
    const { rows, issues } = mapped(t, fixed({ columns: ["q:overall"], values }));
    expect(issues.map((i) => i.key)).toEqual(["responses.import.emptyRow"]);
    expect(issues[0].line).toBe(3);
    expect(rows.map((r) => r.answers)).toEqual([{ overall: 5 }, {}, { overall: 3 }]);
  });

  it("refuses unreadable times and durations with line and column", () => {
    const t = table(["打分", "提交时间", "用时"], ["5", "2026-02-30 10:00", "很久"]);
    const { issues } = mapped(t, fixed({ columns: ["q:overall", "finishedAt", "duration"] }));
    expect(issues.map(({ line, column, key }) => ({ line, column, key }))).toEqual([
      { line: 2, column: "提交时间", key: "responses.import.badTime" },
      { line: 2, column: "用时", key: "responses.import.badDuration" },
    ]);
  });

  it("checks the mapping itself: one column per role, a question, and a place", () => {
    const t = table(["a", "b", "小区"], ["5", "4", "锦湖苑"]);
    const keys = (m: ResponseMapping) =>
      mapped(t, m)
        .issues.filter((i) => i.line === null)
        .map((i) => i.key);
    expect(keys(fixed({ columns: ["q:overall", "q:overall", ""] }))).toEqual(["responses.import.sameRole"]);
    expect(keys(fixed({ columns: ["", "", "compound"] }))).toEqual(["responses.import.noQuestions"]);
    expect(keys({ columns: ["q:overall", "", ""], place: { mode: "columns" }, values: {} })).toEqual(["responses.import.noPlaceColumn"]);
    expect(keys({ columns: ["q:overall", "", ""], place: { mode: "fixed", placeId: null }, values: {} })).toEqual([
      "responses.import.noFixedPlace",
    ]);
    expect(keys({ columns: ["q:overall", "", "compound"], place: { mode: "columns" }, values: {} })).toEqual([]);
    expect(mapped(t, { columns: ["q:overall", "", "compound"], place: { mode: "columns" }, values: {} }).rows[0].places).toEqual({
      compound: "锦湖苑",
    });
  });

  it("refuses a free-text column mapped to a choice question", () => {
    const t = table(["打分"], ...Array.from({ length: 201 }, (_, i) => [`意见${i}`]));
    const { issues } = mapped(t, fixed({ columns: ["q:env"] }));
    expect(issues[0]).toMatchObject({ line: null, key: "responses.import.tooManyAnswers", params: { n: 201 } });
  });
});

describe("suggestMapping / completeMapping", () => {
  const t = table(["环境卫生", "小区", "楼栋"], ["满意", "锦湖苑", "3"], ["很满意啦", "锦湖苑", "4"], ["2", "锦湖苑", "5"]);

  it("suggests columns, a place from columns, and an option for each known answer text", () => {
    const m = suggestMapping(t, targets);
    expect(m.columns).toEqual(["q:env", "compound", "building"]);
    expect(m.place).toEqual({ mode: "columns" });
    expect(m.values).toEqual({ env: { "2": encodeValue("基本满意"), 很满意啦: "", 满意: encodeValue("满意") } });
  });

  it("keeps the office's choices, suggests for newly mapped columns and forgets unmapped ones", () => {
    const chosen: ResponseMapping = {
      columns: ["q:env", "", ""],
      place: { mode: "fixed", placeId: 3 },
      values: { env: { 很满意啦: encodeValue("满意"), 满意: "" } },
    };
    expect(completeMapping(chosen, t, targets).values).toEqual({
      env: { "2": encodeValue("基本满意"), 很满意啦: encodeValue("满意"), 满意: "" },
    });
    const moved = { ...chosen, columns: ["q:overall", "", ""] as ResponseMapping["columns"] };
    expect(completeMapping(moved, t, targets).values).toEqual({ overall: { "2": encodeValue(2), 很满意啦: "", 满意: "" } });
  });

  it("drops roles naming questions the version does not have, and fits the columns to the file", () => {
    const m = completeMapping({ columns: ["q:gone"], place: { mode: "columns" }, values: {} }, t, targets);
    expect(m.columns).toEqual(["", "", ""]);
  });

  it("lists distinct answer texts in natural order with their counts", () => {
    const d = distinctAnswers(
      table(["打分"], ["10"], ["2"], ["2"], [""]),
      { columns: ["q:overall"], place: { mode: "columns" }, values: {} },
      targets,
    );
    expect(d.map((x) => ({ column: x.column, texts: x.texts }))).toEqual([
      {
        column: "打分",
        texts: [
          { text: "2", count: 2 },
          { text: "10", count: 1 },
        ],
      },
    ]);
  });
});

describe("mappingFromForm", () => {
  it("reads column roles, the place and answer choices; junk is ignored", () => {
    const form: [string, string][] = [
      ["upload", "9"],
      ["col.0", "q:env"],
      ["col.2", "building"],
      ["col.1", "nonsense"],
      ["placeMode", "columns"],
      ["placeId", "12"],
      [valueField("env", "很满意啦"), encodeValue("满意")],
      [valueField("env", "a:b"), encodeValue(null)],
      ["value:not json", "x"],
    ];
    expect(mappingFromForm(form)).toEqual({
      columns: ["q:env", "", "building"],
      place: { mode: "columns" },
      values: { env: { 很满意啦: '"满意"', "a:b": "null" } },
    });
    expect(
      mappingFromForm([
        ["placeMode", "fixed"],
        ["placeId", "12"],
      ]).place,
    ).toEqual({ mode: "fixed", placeId: 12 });
    expect(
      mappingFromForm([
        ["placeMode", "fixed"],
        ["placeId", "x"],
      ]).place,
    ).toEqual({ mode: "fixed", placeId: null });
  });
});

describe("parseChinaTime / parseDuration", () => {
  it("reads times typed in China as UTC+8", () => {
    expect(parseChinaTime("2026-05-01 14:30")).toEqual(new Date("2026-05-01T06:30:00Z"));
    expect(parseChinaTime("2026/5/1 8:05:09")).toEqual(new Date("2026-05-01T00:05:09Z"));
    expect(parseChinaTime("2026年5月1日")).toEqual(new Date("2026-04-30T16:00:00Z"));
    expect(parseChinaTime("２０２６-０５-０１ １４:３０")).toEqual(new Date("2026-05-01T06:30:00Z"));
    expect(parseChinaTime("2026-02-30")).toBeNull();
    expect(parseChinaTime("2026-05-01 24:00")).toBeNull();
    expect(parseChinaTime("昨天")).toBeNull();
  });

  it("reads durations in seconds or minutes and seconds", () => {
    expect(parseDuration("185")).toBe(185);
    expect(parseDuration("185秒")).toBe(185);
    expect(parseDuration("3分5秒")).toBe(185);
    expect(parseDuration("3分钟")).toBe(180);
    expect(parseDuration("1小时2分")).toBe(3720);
    expect(parseDuration("很久")).toBeNull();
    expect(parseDuration("")).toBeNull();
  });
});

describe("placeResolver", () => {
  // 县 1 → 街道 2 → 社区 3, 4 → 小区 5 (锦湖苑 in 3), 6 (锦湖苑 in 4) → 楼栋 7 (3号楼 of 5), 8 (3号楼 of 6)
  const places: PlaceNode[] = [
    { id: 1, parentId: null, level: "county", name: "青禾县" },
    { id: 2, parentId: 1, level: "street", name: "禾城街道" },
    { id: 3, parentId: 2, level: "community", name: "锦湖社区" },
    { id: 4, parentId: 2, level: "community", name: "文昌社区" },
    { id: 5, parentId: 3, level: "compound", name: "锦湖苑" },
    { id: 6, parentId: 4, level: "compound", name: "锦湖苑" },
    { id: 7, parentId: 5, level: "building", name: "3号楼" },
    { id: 8, parentId: 6, level: "building", name: "3号楼" },
    { id: 9, parentId: 5, level: "building", name: "12号楼" },
  ];
  const resolve = placeResolver(places);

  it("finds a building by its chain of names; 3, 3栋 and 3号楼 are the same building", () => {
    expect(resolve({ community: "锦湖社区", compound: "锦湖苑", building: "3" })).toEqual({ ok: true, placeId: 7 });
    expect(resolve({ community: "文昌社区", compound: "锦湖苑", building: "3栋" })).toEqual({ ok: true, placeId: 8 });
    expect(resolve({ compound: "锦湖苑", building: "１２号楼" })).toEqual({ ok: true, placeId: 9 });
    expect(resolve({ community: "文昌社区", compound: "锦湖苑" })).toEqual({ ok: true, placeId: 6 });
  });

  it("says when a name is missing, unknown, or names two places", () => {
    expect(resolve({ street: "禾城街道" })).toEqual({ ok: false, reason: "missing" });
    expect(resolve({ compound: "锦湖苑", building: "30" })).toEqual({ ok: false, reason: "notFound" });
    expect(resolve({ community: "锦湖社区", compound: "不存在小区" })).toEqual({ ok: false, reason: "notFound" });
    expect(resolve({ compound: "锦湖苑", building: "3" })).toEqual({ ok: false, reason: "ambiguous" });
  });
});

describe("checkRowAnswers", () => {
  const survey = buildRenderSurvey({
    pages: [
      {
        elements: [
          { type: "radiogroup", name: "aware", isRequired: true, choices: ["知道", "不知道"] },
          {
            type: "checkbox",
            name: "channel",
            isRequired: true,
            visibleIf: "{aware} = '知道'",
            choices: ["电视", "微信"],
            showOtherItem: true,
          },
          { type: "radiogroup", name: "why", visibleIf: "{channel} contains '电视'", choices: ["广告", "新闻"] },
          { type: "text", name: "age", inputType: "number" },
          { type: "comment", name: "advice", maxLength: 5 },
        ],
      },
    ],
  });

  it("is complete when every visible required question is answered", () => {
    expect(checkRowAnswers(survey, { aware: "知道", channel: ["电视"] })).toEqual({
      answers: { aware: "知道", channel: ["电视"] },
      complete: true,
      problems: [],
    });
    // channel is required only while shown
    expect(checkRowAnswers(survey, { aware: "不知道" }).complete).toBe(true);
    expect(checkRowAnswers(survey, { aware: "知道" }).complete).toBe(false);
    expect(checkRowAnswers(survey, { channel: ["电视"] }).complete).toBe(false);
  });

  it("drops answers the other answers hide, also in chains and with their other text", () => {
    const checked = checkRowAnswers(survey, { aware: "不知道", channel: ["电视", "other"], "channel-Comment": "广播", why: "广告" });
    expect(checked.answers).toEqual({ aware: "不知道" });
  });

  it("turns typed numbers into numbers and reports non-numbers and over-long texts", () => {
    expect(checkRowAnswers(survey, { aware: "不知道", age: "６５" }).answers.age).toBe(65);
    expect(checkRowAnswers(survey, { aware: "不知道", age: "六十", advice: "太长了太长了" }).problems).toEqual([
      { question: "age", key: "responses.import.notNumber", params: { value: "六十" } },
      { question: "advice", key: "responses.import.tooLong", params: { max: 5 } },
    ]);
  });
});

describe("withoutRequired", () => {
  it("takes out every must-answer rule, deep, and nothing else", () => {
    const relaxed = withoutRequired({
      pages: [
        {
          elements: [
            {
              type: "panel",
              isRequired: true,
              elements: [{ type: "text", name: "a", isRequired: true, requiredIf: "{b} = 1", maxLength: 5 }],
            },
          ],
        },
      ],
    });
    expect(relaxed).toEqual({ pages: [{ elements: [{ type: "panel", elements: [{ type: "text", name: "a", maxLength: 5 }] }] }] });
  });
});

describe("issue messages", () => {
  it("exist in Chinese and English for every issue produced above", () => {
    expect(produced.length).toBeGreaterThan(5);
    for (const issue of produced) {
      const params = { ...issue.params, line: issue.line ?? "", column: issue.column ?? "" };
      expect(translate("zh", issue.key, params)).not.toBe(issue.key);
      expect(translate("zh", issue.key, params)).not.toMatch(/\{\w+\}/);
      expect(translate("en", issue.key, params)).not.toMatch(/\{\w+\}/);
    }
  });
});
