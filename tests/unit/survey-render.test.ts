import { Model, type Question } from "survey-core";
import { describe, expect, it } from "vitest";
import { evaluateCondition } from "~/survey/condition";
import { answersFromForm, buildRenderSurvey, conditionValues, isAnswered, localText } from "~/survey/render";
import { validateAnswers } from "~/survey/validate.server";

const DEF = {
  title: { default: "Survey", "zh-cn": "满意度调查" },
  pages: [
    {
      elements: [
        { type: "html", name: "intro", html: "<b>您好</b>" },
        { type: "radiogroup", name: "know", title: "知道吗？", isRequired: true, choices: ["知道", "不知道"], showOtherItem: true },
        {
          type: "panel",
          name: "p",
          visibleIf: "{know} = '知道'",
          elements: [
            { type: "checkbox", name: "ch", title: "渠道", visibleIf: "{know} notempty", choices: [{ value: "tv", text: "电视" }, "微信"] },
          ],
        },
        { type: "rating", name: "score", title: "打分", rateMin: 1, rateMax: 5, minRateDescription: "很差", maxRateDescription: "很好" },
        { type: "boolean", name: "agree", title: "同意" },
        { type: "matrix", name: "m", title: "各项", rows: ["环境", "秩序"], columns: ["满意", "不满意"] },
        { type: "comment", name: "advice", title: "建议" },
        { type: "signaturepad", name: "sig" },
      ],
    },
  ],
};

describe("buildRenderSurvey", () => {
  const survey = buildRenderSurvey(DEF);

  it("takes the Chinese text of localisable strings", () => {
    expect(survey.title).toBe("满意度调查");
    expect(localText({ default: "x" })).toBe("x");
  });

  it("flattens panels, combining their conditions", () => {
    const names = survey.elements.map((e) => e.name);
    expect(names).toEqual(["intro", "know", "ch", "score", "agree", "m", "advice"]);
    const ch = survey.elements.find((e) => e.name === "ch")!;
    expect(ch.visibleIf).toBe("({know} = '知道') and ({know} notempty)");
  });

  it("keeps titled pages and panels as sections above their questions", () => {
    const def = {
      pages: [
        { name: "p1", title: "知晓情况", elements: [{ type: "radiogroup", name: "a", choices: ["x"] }] },
        {
          name: "p2",
          elements: [
            { type: "radiogroup", name: "b", choices: ["x"] },
            { type: "panel", name: "env", title: "环境", description: "近一个月的感受", elements: [{ type: "comment", name: "c" }] },
            { type: "panel", name: "plain", elements: [{ type: "comment", name: "d" }] },
          ],
        },
      ],
    };
    const built = buildRenderSurvey(def);
    expect(built.sections).toEqual([
      { title: "知晓情况", description: null, level: 1, parent: null },
      { title: "环境", description: "近一个月的感受", level: 2, parent: null },
    ]);
    expect(built.elements.map((e) => [e.name, e.section])).toEqual([
      ["a", 0],
      ["b", null],
      ["c", 1],
      ["d", null],
    ]);
  });

  it("expands ratings and booleans into choices and reports types it cannot draw", () => {
    const score = survey.elements.find((e) => e.name === "score");
    expect(score && "choices" in score && score.choices.map((c) => c.value)).toEqual([1, 2, 3, 4, 5]);
    const agree = survey.elements.find((e) => e.name === "agree");
    expect(agree && "choices" in agree && agree.choices.map((c) => c.text)).toEqual(["是", "否"]);
    expect(survey.unsupported).toEqual(["signaturepad"]);
  });
});

describe("answersFromForm", () => {
  const survey = buildRenderSurvey(DEF);
  const form = (pairs: [string, string][]) => new URLSearchParams(pairs);

  it("types values as the definition says and keeps only offered choices", () => {
    const answers = answersFromForm(
      survey,
      form([
        ["know", "知道"],
        ["ch", "tv"],
        ["ch", "微信"],
        ["ch", "made-up"],
        ["score", "4"],
        ["agree", "false"],
        ["m::环境", "满意"],
        ["advice", "  多种树  "],
        ["unknown", "x"],
      ]),
    );
    expect(answers).toEqual({ know: "知道", ch: ["tv", "微信"], score: 4, agree: false, m: { 环境: "满意" }, advice: "多种树" });
  });

  it("keeps the other-text only when 'other' is chosen and the question offers it", () => {
    expect(
      answersFromForm(
        survey,
        form([
          ["know", "other"],
          ["know-Comment", "听说过"],
        ]),
      ),
    ).toEqual({ know: "other", "know-Comment": "听说过" });
    expect(answersFromForm(survey, form([["score", "9"]]))).toEqual({});
  });

  it("counts a matrix as answered only when every row is", () => {
    const m = survey.elements.find((e) => e.name === "m");
    if (!m || m.type !== "matrix") throw new Error("no matrix");
    expect(isAnswered(m, { m: { 环境: "满意" } })).toBe(false);
    expect(isAnswered(m, { m: { 环境: "满意", 秩序: "不满意" } })).toBe(true);
  });
});

describe("conditionValues", () => {
  // The phone holds what the inputs hold (text as typed, a number field's digits as text); the
  // server decides on the answers it stores (trimmed text, numbers). Conditions must see the latter.
  const def = {
    elements: [
      { type: "text", name: "age", inputType: "number" },
      { type: "text", name: "name" },
      { type: "comment", name: "more", visibleIf: "{age.length} > 0 or {name.length} > 3 or {name} empty" },
    ],
  };
  const survey = buildRenderSurvey(def);

  it("shows a question on the phone exactly when the server keeps its answer", () => {
    const cases: Record<string, string>[] = [{ age: "12" }, { name: "ab  " }, { name: "   " }, { age: "7", name: " abcd " }, {}];
    for (const typed of cases) {
      const form = new URLSearchParams({ ...typed, more: "想说的话" });
      const server = validateAnswers(def, answersFromForm(survey, form));
      const kept = server.ok && "more" in server.answers;
      expect(
        evaluateCondition("{age.length} > 0 or {name.length} > 3 or {name} empty", conditionValues(survey, { ...typed, more: "想说的话" })),
        JSON.stringify(typed),
      ).toBe(kept);
    }
  });
});

describe("length limits", () => {
  it("are the ones survey-core enforces on the server: own maxLength, else the survey's maxTextLength, 0 for none", () => {
    for (const maxTextLength of [undefined, 0, 200]) {
      const def = {
        ...(maxTextLength === undefined ? {} : { maxTextLength }),
        elements: [
          { type: "comment", name: "plain" },
          { type: "comment", name: "own", maxLength: 500 },
          { type: "comment", name: "unlimited", maxLength: 0 },
          { type: "text", name: "line", maxLength: 20 },
          { type: "text", name: "phone", inputType: "tel" },
          { type: "text", name: "age", inputType: "number", maxLength: 3 },
        ],
      };
      const survey = new Model(def);
      const server = Object.fromEntries(
        survey.getAllQuestions().map((q: Question) => [q.name, (q as Question & { getMaxLength(): number | null }).getMaxLength()]),
      );
      const phone = Object.fromEntries(buildRenderSurvey(def).elements.map((e) => [e.name, "maxLength" in e ? e.maxLength : null]));
      expect({ maxTextLength, phone }).toEqual({ maxTextLength, phone: server });
    }
  });
});
