// What office staff are told about a questionnaire definition they typed or uploaded: which
// check failed and on which line of their text.
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { messageKeys, translate } from "~/i18n";
import { checkDefinition, checkDefinitionText, MAX_DEFINITION_BYTES, type DefinitionError } from "~/survey/definition";

const SURVEY = path.resolve(__dirname, "../../app/survey");

beforeAll(() => {
  vi.spyOn(console, "warn").mockImplementation(() => {}); // survey-core warns about bad expressions
});
afterAll(() => {
  vi.restoreAllMocks();
});

function errorsOf(text: string): DefinitionError[] {
  const result = checkDefinitionText(text);
  if (result.ok) throw new Error("expected errors");
  return result.errors;
}

/** A small valid definition as office staff would write it, one property per line. */
const lines = (...elements: string[]) =>
  ["{", '  "title": "测试",', '  "pages": [{', '    "name": "p1",', '    "elements": [', elements.join(",\n"), "    ]", "  }]", "}"].join(
    "\n",
  );
// Elements start on line 6.

const aware = `      { "type": "radiogroup", "name": "aware", "choices": ["知道", "不知道"] }`;

describe("checkDefinitionText: the text", () => {
  it("accepts a valid definition and returns it parsed", () => {
    expect(checkDefinitionText(lines(aware))).toEqual({ ok: true, definition: JSON.parse(lines(aware)) });
  });

  it("accepts a byte-order mark (files saved by Windows Notepad)", () => {
    expect(checkDefinitionText("\uFEFF" + lines(aware)).ok).toBe(true);
  });

  it("gives the line and column of a trailing comma", () => {
    const text = lines(aware + ",");
    expect(errorsOf(text)).toEqual([{ key: "surveyDef.invalidJson", params: { line: 7, column: 5 }, line: 7 }]);
  });

  it("gives the line of a missing comma between two properties", () => {
    const text = '{\n  "title": "测试"\n  "pages": []\n}';
    expect(errorsOf(text)).toEqual([{ key: "surveyDef.invalidJson", params: { line: 3, column: 3 }, line: 3 }]);
  });

  it("gives the line of an unclosed string, a leading zero and a cut-off file", () => {
    expect(errorsOf('{\n  "title": "测试\n}')[0].line).toBe(2);
    expect(errorsOf('{\n  "pages": [],\n  "x": 01\n}')[0].params).toEqual({ line: 3, column: 9 });
    expect(errorsOf('{\n  "pages": [\n')[0].line).toBe(3);
  });

  it("refuses more than 512 KiB, counted in UTF-8 bytes", () => {
    const padded = (chars: string) => JSON.stringify({ title: "t", description: chars, pages: JSON.parse(lines(aware)).pages });
    expect(checkDefinitionText(padded("a".repeat(MAX_DEFINITION_BYTES - 200))).ok).toBe(true);
    // 200,000 Chinese characters are 600,000 bytes.
    expect(errorsOf(padded("满".repeat(200_000)))).toEqual([{ key: "surveyDef.tooLarge", params: { size: 587, max: 512 }, line: null }]);
  });

  it("refuses what is not an object with pages or elements", () => {
    expect(errorsOf("[]")[0].key).toBe("surveyDef.notObject");
    expect(errorsOf('"问卷"')[0].key).toBe("surveyDef.notObject");
    expect(errorsOf('{ "title": "t" }')[0].key).toBe("surveyDef.noPages");
    expect(errorsOf('{ "title": "t", "pages": [] }')[0].key).toBe("surveyDef.noPages");
  });

  it("refuses a questionnaire without anything to answer", () => {
    const text = lines(`      { "type": "html", "name": "intro", "html": "<p>您好</p>" }`);
    expect(errorsOf(text)).toEqual([{ key: "surveyDef.noQuestions", params: {}, line: 3 }]);
  });

  it("refuses absurd nesting", () => {
    expect(errorsOf("[".repeat(100) + "]".repeat(100))[0].key).toBe("surveyDef.tooDeep");
  });
});

describe("checkDefinitionText: what survey-core makes of it", () => {
  it("points at the line of an unknown property", () => {
    const text = lines(aware, `      { "type": "text", "name": "phone",\n        "colour": "red" }`);
    expect(errorsOf(text)).toEqual([{ key: "surveyDef.unknownProperty", params: { name: "phone", property: "colour" }, line: 8 }]);
  });

  it("names unknown survey properties, unknown types and missing names", () => {
    const text = lines(aware, `      { "type": "slider2", "name": "s" }`, `      { "type": "text" }`).replace('"title"', '"titel"');
    expect(errorsOf(text)).toEqual([
      { key: "surveyDef.unknownSurveyProperty", params: { property: "titel" }, line: 2 },
      { key: "surveyDef.unknownType", params: { name: "s", type: "slider2" }, line: 7 },
      { key: "surveyDef.requiredProperty", params: { name: "text", property: "name" }, line: 8 },
    ]);
  });

  it("refuses values of the wrong type that survey-core would silently ignore", () => {
    const text = lines(`      { "type": "rating", "name": "r", "isRequired": "是", "rateMax": "5" }`);
    expect(errorsOf(text)).toEqual([
      { key: "surveyDef.notBoolean", params: { name: "r", property: "isRequired" }, line: 6 },
      { key: "surveyDef.notNumber", params: { name: "r", property: "rateMax" }, line: 6 },
    ]);
  });

  it("refuses a value outside a property's list", () => {
    const text = lines(`      { "type": "text", "name": "t", "inputType": "phone" }`);
    expect(errorsOf(text)).toEqual([{ key: "surveyDef.badValue", params: { name: "t", property: "inputType", value: "phone" }, line: 6 }]);
  });

  it("finds duplicate question names, ignoring case, on the second one", () => {
    const text = lines(
      aware,
      `      { "type": "panel", "name": "p", "elements": [\n        { "type": "text", "name": "Aware" }\n      ] }`,
    );
    expect(errorsOf(text)).toEqual([{ key: "surveyDef.duplicateName", params: { name: "Aware" }, line: 8 }]);
  });
});

describe("checkDefinitionText: conditions", () => {
  const conditional = (visibleIf: string) =>
    lines(aware, `      { "type": "text", "name": "how",\n        "visibleIf": ${JSON.stringify(visibleIf)} }`);

  it("accepts the conditions residents' phones evaluate", () => {
    expect(checkDefinitionText(conditional("{aware} = '知道' and {aware} notempty")).ok).toBe(true);
  });

  it("catches a visibleIf that does not parse, on its line", () => {
    expect(errorsOf(conditional("{aware} = = '知道'"))).toEqual([
      {
        key: "surveyDef.badExpression",
        params: { name: "how", property: "visibleIf", expression: "{aware} = = '知道'" },
        line: 8,
      },
    ]);
    expect(errorsOf(conditional("{aware} = 知道"))[0].key).toBe("surveyDef.badExpression");
  });

  it("catches a reference to a question that does not exist", () => {
    expect(errorsOf(conditional("{awre} = '知道'"))).toEqual([
      {
        key: "surveyDef.unknownVariable",
        params: { name: "how", property: "visibleIf", expression: "{awre} = '知道'", variable: "awre" },
        line: 8,
      },
    ]);
  });

  it("refuses what survey-core accepts but phones cannot evaluate", () => {
    expect(errorsOf(conditional("iif({aware} = '知道', true, false)"))[0].key).toBe("surveyDef.unsupportedExpression");
    expect(errorsOf(conditional("({aware} = '知道'"))[0].key).toBe("surveyDef.unsupportedExpression");
    expect(errorsOf(conditional("age({aware}) > 3"))[0].key).toBe("surveyDef.unsupportedExpression");
    expect(errorsOf(conditional("foo({aware}) > 3"))[0].key).toBe("surveyDef.unknownFunction");
  });

  it("reports a condition that makes survey-core throw instead of throwing", () => {
    const errors = errorsOf(conditional("null empty"));
    expect(errors).toEqual([
      { key: "surveyDef.badExpression", params: { name: "how", property: "visibleIf", expression: "null empty" }, line: 8 },
    ]);
  });
});

describe("checkDefinitionText: measure tags", () => {
  const tagged = (question: string) => lines(`      ${question}`);

  it("accepts consistent tags on single-choice, rating and yes/no questions", () => {
    const text = lines(
      `      { "type": "radiogroup", "name": "a", "choices": ["满意", "不满意", "不清楚"], "measure": "satisfaction",
        "positiveAnswers": ["满意"], "excludedAnswers": ["不清楚"], "answerScores": { "满意": 100, "不满意": 0 }, "weight": 2 }`,
      `      { "type": "rating", "name": "r", "measure": "satisfaction", "positiveAnswers": [4, 5] }`,
      `      { "type": "boolean", "name": "b", "measure": "support", "positiveAnswers": [true] }`,
    );
    expect(checkDefinitionText(text).ok).toBe(true);
  });

  it("refuses an unknown measure", () => {
    const text = tagged(`{ "type": "radiogroup", "name": "a", "choices": ["是"], "measure": "happiness", "positiveAnswers": ["是"] }`);
    expect(errorsOf(text)).toEqual([
      {
        key: "surveyDef.unknownMeasure",
        params: { name: "a", measure: "happiness", measures: "satisfaction、awareness、support、participation" },
        line: 6,
      },
    ]);
  });

  it("refuses a measure on a question without a list of answers", () => {
    for (const [type, choices] of [
      ["text", ""],
      ["comment", ""],
      ["checkbox", '"choices": ["是"], '],
    ]) {
      const text = tagged(`{ "type": "${type}", "name": "a", ${choices}"measure": "awareness", "positiveAnswers": ["是"] }`);
      expect(errorsOf(text)).toEqual([{ key: "surveyDef.measureNeedsChoices", params: { name: "a", type }, line: 6 }]);
    }
  });

  it("refuses positive, excluded and scored answers that are not choices", () => {
    const text = tagged(`{ "type": "radiogroup", "name": "a", "choices": ["满意", "不满意"], "measure": "satisfaction",
        "positiveAnswers": ["满意", "很满意"], "excludedAnswers": ["说不清"], "answerScores": { "满意": 100, "一般": 50 } }`);
    expect(errorsOf(text).map((e) => [e.key, e.params.property, e.params.value, e.line])).toEqual([
      ["surveyDef.answerNotAChoice", "positiveAnswers", "很满意", 7],
      ["surveyDef.answerNotAChoice", "excludedAnswers", "说不清", 7],
      ["surveyDef.answerNotAChoice", "answerScores", "一般", 7],
    ]);
  });

  it('compares answers as text, as the rates do: a rating\'s 5 may be written "5", but 6 is no answer', () => {
    expect(checkDefinitionText(tagged(`{ "type": "rating", "name": "r", "measure": "satisfaction", "positiveAnswers": ["5"] }`)).ok).toBe(
      true,
    );
    const text = tagged(`{ "type": "rating", "name": "r", "measure": "satisfaction", "positiveAnswers": [5, 6] }`);
    expect(errorsOf(text)).toEqual([
      { key: "surveyDef.answerNotAChoice", params: { name: "r", property: "positiveAnswers", value: "6" }, line: 6 },
    ]);
  });

  it("refuses missing positives, overlaps, bad scores and weights, and tags without a measure", () => {
    const text = lines(
      `      { "type": "radiogroup", "name": "a", "choices": ["是", "否"], "measure": "support" }`,
      `      { "type": "radiogroup", "name": "b", "choices": ["是", "否"], "measure": "support", "positiveAnswers": ["是"], "excludedAnswers": ["是"] }`,
      `      { "type": "radiogroup", "name": "c", "choices": ["是", "否"], "measure": "support", "positiveAnswers": ["是"], "answerScores": { "是": "100" }, "weight": 0 }`,
      `      { "type": "radiogroup", "name": "d", "choices": ["是", "否"], "positiveAnswers": ["是"] }`,
    );
    expect(errorsOf(text).map((e) => [e.key, e.params.name, e.line])).toEqual([
      ["surveyDef.noPositiveAnswers", "a", 6],
      ["surveyDef.answerInBoth", "b", 7],
      ["surveyDef.badScore", "c", 8],
      ["surveyDef.badWeight", "c", 8],
      ["surveyDef.tagsWithoutMeasure", "d", 9],
    ]);
  });

  it("refuses a positiveAnswers that is not a list", () => {
    const text = tagged(`{ "type": "radiogroup", "name": "a", "choices": ["是"], "measure": "support", "positiveAnswers": "是" }`);
    expect(errorsOf(text)).toEqual([{ key: "surveyDef.notArray", params: { name: "a", property: "positiveAnswers" }, line: 6 }]);
  });
});

describe("checkDefinition", () => {
  it("checks a parsed definition, without line numbers", () => {
    const definition = JSON.parse(lines(aware, `      { "type": "text", "name": "aware" }`));
    expect(checkDefinition(definition)).toEqual({
      ok: false,
      errors: [{ key: "surveyDef.duplicateName", params: { name: "aware" }, line: null }],
    });
  });

  it("accepts a definition with top-level elements and no pages", () => {
    expect(checkDefinition({ elements: [{ type: "boolean", name: "ok" }] }).ok).toBe(true);
  });
});

describe("messages", () => {
  it("has Chinese and English text for every surveyDef key the survey modules use", () => {
    const sources = ["definition.ts", "validate.server.ts"].map((f) => readFileSync(path.join(SURVEY, f), "utf8"));
    const used = new Set(sources.flatMap((source) => [...source.matchAll(/"(surveyDef\.[\w.]+)"/g)].map((m) => m[1])));
    expect(used.size).toBeGreaterThan(30);
    const zh = new Set(messageKeys("zh"));
    const en = new Set(messageKeys("en"));
    expect([...used].filter((key) => !zh.has(key) || !en.has(key))).toEqual([]);
  });

  it("has Chinese and English text for every error these checks produce", () => {
    const texts = [
      lines(aware + ","),
      lines(`      { "type": "nosuch", "name": "x", "foo": 1 }`, `      { "name": "y" }`),
      lines(`      { "type": "checkbox", "name": "c", "choices": ["a"], "measure": "support", "visibleIf": "{zz} = 1" }`),
      "[]",
    ];
    const keys = new Set(texts.flatMap((t) => errorsOf(t).map((e) => e.key)));
    expect(keys.size).toBeGreaterThanOrEqual(7);
    const zh = new Set(messageKeys("zh"));
    const en = new Set(messageKeys("en"));
    for (const key of keys) {
      expect(zh.has(key) && en.has(key), key).toBe(true);
    }
    expect(translate("zh", "surveyDef.invalidJson", { line: 7, column: 5 })).toBe(
      "JSON 格式有误（第 7 行第 5 列附近）。请检查逗号、引号和括号是否成对。",
    );
  });
});
