// The compiled answer check (validateAnswers) against survey-core (validateWithSurveyCore) on
// every shipped template and on extra definitions covering every compiled question type, with
// generated answer sets: valid, missing, hidden, "other" with and without its text, wrong types,
// blanks, over-long texts, numbers sent as text.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { mulberry32 } from "~/domain/sampling";
import { buildRenderSurvey } from "~/survey/render";
import { isCompiled, validateAnswers, validateWithSurveyCore } from "~/survey/validate.server";

const templates = readdirSync("surveys")
  .filter((f) => f.endsWith(".json"))
  .map((f) => [f, JSON.parse(readFileSync(path.join("surveys", f), "utf8"))] as const);

const extra = {
  title: "every compiled type",
  maxTextLength: 12,
  pages: [
    {
      name: "p1",
      elements: [
        { type: "rating", name: "score", isRequired: true },
        { type: "rating", name: "stars", rateMin: 0, rateMax: 10, rateStep: 2 },
        {
          type: "rating",
          name: "words",
          rateValues: [
            { value: "好", text: "好" },
            { value: "差", text: "差" },
          ],
          visibleIf: "{score} >= 3",
        },
        { type: "boolean", name: "agree", isRequired: true },
        { type: "text", name: "age", inputType: "number", visibleIf: "{agree} = true" },
        { type: "text", name: "phone", inputType: "tel", maxLength: 11 },
        { type: "text", name: "note" },
        { type: "dropdown", name: "floor", choices: [1, 2, 3], showOtherItem: true, isRequired: true },
        {
          type: "checkbox",
          name: "pick",
          choices: ["a", "b", { value: "c", text: "C" }],
          showOtherItem: true,
          visibleIf: "{floor} notempty",
        },
        { type: "comment", name: "why", isRequired: true, visibleIf: "{pick} contains 'a'", maxLength: 5 },
        { type: "html", name: "intro", html: "<p>hi</p>" },
        {
          type: "panel",
          name: "panel",
          title: "面板",
          visibleIf: "{score} < 5",
          elements: [
            { type: "radiogroup", name: "inner", choices: ["x", "y"], isRequired: true },
            { type: "radiogroup", name: "deeper", choices: ["x", "y"], isRequired: true, visibleIf: "{inner} = 'x'" },
          ],
        },
        { type: "radiogroup", name: "gone", choices: ["x"], visible: false, isRequired: true },
      ],
    },
    { name: "p2", visibleIf: "{agree} = false", elements: [{ type: "radiogroup", name: "second", choices: ["x", "y"], isRequired: true }] },
  ],
};

/** Answer sets drawn from the render model, including wrong and blank values. */
function answerSets(definition: unknown, count: number, seed: number): Record<string, unknown>[] {
  const survey = buildRenderSurvey(definition);
  const rng = mulberry32(seed);
  const oneOf = <T>(xs: T[]): T => xs[Math.floor(rng() * xs.length)];
  const sets: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const answers: Record<string, unknown> = {};
    for (const q of survey.elements) {
      if (q.type === "html") continue;
      const roll = rng();
      if (roll < 0.15) continue;
      if (roll < 0.22) {
        answers[q.name] = oneOf(["", null, "   ", {}, [], true, 3.5, "nope", [1, 2], { a: 1 }]);
        continue;
      }
      if ("choices" in q && q.choices.length) {
        const values: unknown[] = q.choices.map((c) => c.value);
        if ("other" in q && q.other) values.push("other");
        const value = oneOf(values);
        const asText = rng() < 0.2 ? String(value) : value;
        answers[q.name] = q.type === "checkbox" ? [...new Set([asText, ...(rng() < 0.5 ? [oneOf(values)] : [])])] : asText;
        if ("other" in q && q.other && rng() < 0.6) answers[`${q.name}-Comment`] = oneOf(["楼道海报", "", "  ", 7, ["x"]]);
      } else if (q.type === "text" || q.type === "comment") {
        answers[q.name] = oneOf(["好", "  ", "很长很长很长很长很长很长的意见", "12", 42, "abc"]);
      }
    }
    if (rng() < 0.05) answers.unknown_key = "dropped";
    sets.push(answers);
  }
  return sets;
}

describe("compiled answer check agrees with survey-core", () => {
  for (const [name, definition] of [...templates, ["extra", extra] as const]) {
    it(`${name}: compiled, and the same outcome on 400 generated answer sets`, { timeout: 60_000 }, () => {
      expect(isCompiled(definition)).toBe(true);
      let accepted = 0;
      for (const answers of answerSets(definition, 400, name.length * 7919)) {
        const compiled = validateAnswers(definition, answers);
        expect(compiled, JSON.stringify(answers)).toEqual(validateWithSurveyCore(definition, answers));
        if (compiled.ok) accepted++;
      }
      // Both outcomes are exercised.
      expect(accepted).toBeGreaterThan(0);
      expect(accepted).toBeLessThan(400);
    });
  }

  it("falls back to survey-core for what it does not model", () => {
    const withValidator = { pages: [{ elements: [{ type: "text", name: "mail", inputType: "email" }] }] };
    const matrix = { pages: [{ elements: [{ type: "matrix", name: "m", rows: ["a"], columns: [1, 2] }] }] };
    const minChoices = { pages: [{ elements: [{ type: "checkbox", name: "c", choices: [1, 2], minSelectedChoices: 2 }] }] };
    for (const definition of [withValidator, matrix, minChoices]) expect(isCompiled(definition)).toBe(false);
    expect(validateAnswers(minChoices, { c: [1] })).toEqual(validateWithSurveyCore(minChoices, { c: [1] }));
    expect(validateAnswers(minChoices, { c: [1] }).ok).toBe(false);
  });
});
