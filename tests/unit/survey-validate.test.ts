// Server-side answer checks on the shipped templates: what a resident's submission keeps, what
// it loses, and the Chinese messages they see.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { translate } from "~/i18n";
import { loadTemplate } from "~/survey/templates.server";
import { answerDescriber, describeAnswers, FORM_ERRORS, validateAnswers } from "~/survey/validate.server";

const household = loadTemplate("household-satisfaction.json");
/** The one text a resident reads for an unanswered required question, with or without JavaScript. */
const REQUIRED = translate("zh", "resident.required");
const callback = loadTemplate("hotline-callback.json");

const complete = {
  aware: "知道",
  channels: ["报纸", "other"],
  "channels-Comment": "楼道里的海报",
  support: "支持",
  participation: "没有参加过",
  sat_environment: "满意",
  sat_order: "基本满意",
  sat_services: "不清楚",
  sat_safety: "满意",
  sat_overall: "基本满意",
  sat_overall_5: "满意",
  age_band: "60岁以上",
  residence_years: "10年以上",
  suggestion: "希望多装几盏路灯",
};

const small = {
  pages: [
    {
      elements: [
        { type: "rating", name: "score", isRequired: true },
        { type: "boolean", name: "agree" },
        { type: "text", name: "age", inputType: "number", min: 0, max: 120 },
        { type: "dropdown", name: "floor", choices: [1, 2, 3] },
      ],
    },
  ],
};

const without = (answers: Record<string, unknown>, ...keys: string[]) =>
  Object.fromEntries(Object.entries(answers).filter(([key]) => !keys.includes(key)));

beforeAll(() => {
  vi.spyOn(console, "warn").mockImplementation(() => {});
});
afterAll(() => {
  vi.restoreAllMocks();
});

describe("validateAnswers", () => {
  it("accepts a complete household questionnaire as it was given", () => {
    expect(validateAnswers(household, complete)).toEqual({ ok: true, answers: complete });
  });

  it("names each unanswered required question, on every page, in Chinese", () => {
    expect(validateAnswers(household, without(complete, "sat_safety", "support"))).toEqual({
      ok: false,
      errors: { support: [REQUIRED], sat_safety: [REQUIRED] },
    });
  });

  it("says an unanswered required question in the words the phone uses (not survey-core's)", () => {
    const result = validateAnswers(small, {});
    expect(result).toEqual({ ok: false, errors: { score: ["此题必答，请回答。"] } });
    expect(REQUIRED).toBe("此题必答，请回答。");
  });

  it("refuses text over the question's length limit with a Chinese message, counting characters", () => {
    expect(validateAnswers(household, { ...complete, suggestion: "路".repeat(500) })).toEqual({
      ok: true,
      answers: { ...complete, suggestion: "路".repeat(500) },
    });
    expect(validateAnswers(household, { ...complete, suggestion: "路".repeat(20_000) })).toEqual({
      ok: false,
      errors: { suggestion: ["最多 500 字，现在 20000 字，请删去 19500 字。"] },
    });
  });

  it("treats an empty string or empty list as no answer", () => {
    const result = validateAnswers(household, { ...complete, sat_order: "", channels: [] });
    expect(result).toEqual({ ok: false, errors: { sat_order: [REQUIRED] } });
  });

  it("drops keys that are no question, and other-text of a question without an other item", () => {
    const result = validateAnswers(household, { ...complete, hacker: "<script>", "aware-Comment": "x", "": 1 });
    expect(result).toEqual({ ok: true, answers: complete });
  });

  it("drops the channel answer of a resident who does not know the campaign", () => {
    const result = validateAnswers(household, { ...complete, aware: "不知道" });
    expect(result).toEqual({ ok: true, answers: { ...without(complete, "channels", "channels-Comment"), aware: "不知道" } });
  });

  it("drops answers hidden by answers that are themselves hidden", () => {
    const chain = {
      elements: [
        { type: "radiogroup", name: "q1", choices: ["a", "z"] },
        { type: "radiogroup", name: "q2", choices: ["b", "y"], visibleIf: "{q1} = 'a'" },
        { type: "text", name: "q3", visibleIf: "{q2} = 'b'" },
      ],
    };
    expect(validateAnswers(chain, { q1: "z", q2: "b", q3: "x" })).toEqual({ ok: true, answers: { q1: "z" } });
    expect(validateAnswers(chain, { q1: "a", q2: "b", q3: "x" })).toEqual({ ok: true, answers: { q1: "a", q2: "b", q3: "x" } });
  });

  it("keeps only the contact result and notes of a call nobody answered", () => {
    const answers = { contact_result: "无人接听", satisfaction: "不满意", resolved: "未解决", notes: "三次未接" };
    expect(validateAnswers(callback, answers)).toEqual({ ok: true, answers: { contact_result: "无人接听", notes: "三次未接" } });
    const reached = { ...answers, contact_result: "接通" };
    expect(validateAnswers(callback, reached)).toEqual({ ok: true, answers: reached });
  });

  it("rejects a number for a radiogroup and a value that is not a choice", () => {
    expect(validateAnswers(household, { ...complete, sat_environment: 3, support: "非常支持" })).toEqual({
      ok: false,
      errors: { sat_environment: ["“3”不是这道题的选项。"], support: ["“非常支持”不是这道题的选项。"] },
    });
    expect(validateAnswers(household, { ...complete, channels: ["报纸", { x: 1 }] })).toEqual({
      ok: false,
      errors: { channels: ["这道题的答案格式不正确。"] },
    });
  });

  it("asks for the text of a chosen 其他", () => {
    const result = validateAnswers(household, without(complete, "channels-Comment"));
    expect(result.ok).toBe(false);
    expect(!result.ok && Object.keys(result.errors)).toEqual(["channels"]);
  });

  it("judges each submission on its own when the same definition is checked row after row", () => {
    const partial = without(complete, "sat_safety");
    const hidden = { ...complete, aware: "不知道" };
    const rows = [complete, partial, hidden, complete, partial];
    const verdicts = rows.map((row) => validateAnswers(household, row));
    expect(verdicts.map((v) => v.ok)).toEqual([true, false, true, true, false]);
    expect(verdicts[3]).toEqual({ ok: true, answers: complete });
    expect(verdicts[4]).toEqual({ ok: false, errors: { sat_safety: [REQUIRED] } });
  });

  it("refuses answers that are not an object", () => {
    for (const answers of [null, "aware=知道", ["知道"], 3]) {
      expect(validateAnswers(household, answers)).toEqual({ ok: false, errors: { [FORM_ERRORS]: ["提交的答卷格式不正确。"] } });
    }
  });

  it("brings form and spreadsheet text to the stored type", () => {
    expect(validateAnswers(small, { score: "4", agree: "true", age: " 67 ", floor: "2" })).toEqual({
      ok: true,
      answers: { score: 4, agree: true, age: 67, floor: 2 },
    });
    expect(validateAnswers(small, { score: 6 })).toEqual({ ok: false, errors: { score: ["“6”不是这道题的选项。"] } });
    expect(validateAnswers(small, { score: 5, age: "六十七" })).toEqual({ ok: false, errors: { age: ["这道题的答案格式不正确。"] } });
    expect(validateAnswers(small, { score: 5, age: 130 })).toEqual({ ok: false, errors: { age: ["该值不能大于 120"] } });
  });
});

describe("describeAnswers", () => {
  it("lists every question in page order with the answer as people read it", () => {
    const lines = describeAnswers(household, { ...complete, age_band: undefined });
    expect(lines.map((l) => l.name)).toEqual([
      "aware",
      "channels",
      "support",
      "participation",
      "sat_environment",
      "sat_order",
      "sat_services",
      "sat_safety",
      "sat_overall",
      "sat_overall_5",
      "age_band",
      "residence_years",
      "suggestion",
    ]);
    expect(lines[0]).toEqual({ name: "aware", title: "您是否知道本县正在创建全国文明城市？", text: "知道" });
    expect(lines[1].text).toBe("报纸、其他：楼道里的海报");
    expect(lines[10].text).toBe("");
    expect(lines[12].text).toBe("希望多装几盏路灯");
  });

  it("shows a rating's number, yes/no labels and a dropdown's choice text", () => {
    const definition = {
      elements: [
        { type: "rating", name: "score" },
        { type: "boolean", name: "agree" },
        {
          type: "dropdown",
          name: "floor",
          choices: [
            { value: 1, text: "一楼" },
            { value: 2, text: "二楼" },
          ],
        },
      ],
    };
    const texts = answerDescriber(definition)({ score: 4, agree: false, floor: 2 }).map((l) => l.text);
    expect(texts).toEqual(["4", "否", "二楼"]);
  });

  it("copes with a missing definition or answers", () => {
    expect(describeAnswers(undefined, { a: 1 })).toEqual([]);
    expect(describeAnswers(household, null).every((l) => l.text === "")).toBe(true);
  });
});

describe("describeAnswers for ratings", () => {
  it("reads rate values with texts as their texts and plain scales as numbers", () => {
    const definition = {
      elements: [
        {
          type: "rating",
          name: "a",
          title: "A",
          rateValues: [
            { value: 1, text: "很差" },
            { value: 2, text: "很好" },
          ],
        },
        { type: "rating", name: "b", title: "B", rateMax: 5 },
      ],
    };
    expect(describeAnswers(definition, { a: 2, b: 4 }).map((l) => l.text)).toEqual(["很好", "4"]);
  });
});
