// The shipped questionnaire templates: valid for survey-core and our checks, and tagged so that
// the rates come out of the questions the campaign plans name.
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { checkDefinition, checkDefinitionText } from "~/survey/definition";
import { questionsOf, taggedQuestions } from "~/survey/tags";
import { loadTemplate, templateList } from "~/survey/templates.server";

const SURVEYS = path.resolve(__dirname, "../../surveys");

beforeAll(() => {
  vi.spyOn(console, "warn").mockImplementation(() => {});
});
afterAll(() => {
  vi.restoreAllMocks();
});

const byMeasure = (file: string) => {
  const groups: Record<string, string[]> = {};
  for (const q of taggedQuestions(loadTemplate(file))) (groups[q.measure] ??= []).push(q.name);
  return groups;
};

describe("templateList", () => {
  it("offers the five templates in a fixed order, with their titles and kinds", () => {
    expect(templateList()).toEqual([
      { file: "household-satisfaction.json", title: "创建全国文明城市群众满意度入户调查问卷", kind: "household" },
      { file: "awareness-quiz.json", title: "创建文明城市应知应会测试", kind: "quiz" },
      { file: "hotline-callback.json", title: "12345热线办结事项回访", kind: "callback" },
      { file: "door-visit.json", title: "入户宣传走访记录", kind: "visit" },
      { file: "visit-quiz.json", title: "入户宣传小测验", kind: "quiz" },
    ]);
  });

  it("reads only plain file names of the surveys folder", () => {
    expect(() => loadTemplate("../package.json")).toThrow();
    expect(() => loadTemplate("/etc/passwd")).toThrow();
  });
});

describe.each(templateList().map((t) => t.file))("%s", (file) => {
  const text = readFileSync(path.join(SURVEYS, file), "utf8");
  const definition = loadTemplate(file);

  it("passes every definition check", () => {
    expect(checkDefinitionText(text)).toEqual({ ok: true, definition });
    expect(checkDefinition(definition).ok).toBe(true);
  });

  it("has a title, a description and short pages (at most four questions)", () => {
    expect(typeof definition.title).toBe("string");
    expect(typeof definition.description).toBe("string");
    const pages = definition.pages as { elements: unknown[] }[];
    expect(pages.length).toBeGreaterThan(0);
    for (const page of pages) expect(page.elements.length).toBeLessThanOrEqual(4);
  });

  it("writes titles as plain strings and choice values as the Chinese text residents see", () => {
    for (const q of questionsOf(definition)) {
      expect(typeof q.title, String(q.name)).toBe("string");
      for (const choice of (q.choices as unknown[] | undefined) ?? []) {
        expect(typeof choice).toBe("string");
        expect(choice).toMatch(/[\u4e00-\u9fff0-9]/);
      }
    }
  });

  it("makes every question that feeds a rate required", () => {
    const required = new Map([...questionsOf(definition)].map((q) => [q.name, q.isRequired === true]));
    for (const q of taggedQuestions(definition)) expect(required.get(q.name), q.name).toBe(true);
  });
});

describe("the household questionnaire", () => {
  const definition = loadTemplate("household-satisfaction.json");
  const tagged = new Map(taggedQuestions(definition).map((q) => [q.name, q]));

  it("feeds awareness, support, participation and six satisfaction questions", () => {
    expect(byMeasure("household-satisfaction.json")).toEqual({
      awareness: ["aware"],
      support: ["support"],
      participation: ["participation"],
      satisfaction: ["sat_environment", "sat_order", "sat_services", "sat_safety", "sat_overall", "sat_overall_5"],
    });
  });

  it("counts 满意 + 基本满意 on the three-level scale and leaves 不清楚 out", () => {
    expect(tagged.get("sat_environment")).toMatchObject({
      title: "您对本县的环境卫生（街道、小区、农贸市场、公共场所的清洁）是否满意？",
      positiveAnswers: ["满意", "基本满意"],
      excludedAnswers: ["不清楚"],
      answerScores: { 满意: 100, 基本满意: 60, 不满意: 0 },
      weight: 1,
    });
    expect(tagged.get("sat_overall")).toMatchObject({ excludedAnswers: [], weight: 2 });
  });

  it("counts the top two boxes of the five-level scale", () => {
    expect(tagged.get("sat_overall_5")).toMatchObject({
      positiveAnswers: ["非常满意", "满意"],
      answerScores: { 非常满意: 100, 满意: 80, 一般: 60, 不满意: 40, 非常不满意: 0 },
    });
  });

  it("asks for the channel only of residents who know the campaign, and not the personal facts", () => {
    const channels = [...questionsOf(definition)].find((q) => q.name === "channels");
    expect(channels).toMatchObject({ type: "checkbox", visibleIf: "{aware} = '知道'" });
    expect(tagged.has("age_band")).toBe(false);
    expect(tagged.has("residence_years")).toBe(false);
    expect(tagged.has("suggestion")).toBe(false);
  });
});

describe("the other templates", () => {
  it("marks one right answer per quiz question", () => {
    const quiz = taggedQuestions(loadTemplate("awareness-quiz.json"));
    expect(quiz.map((q) => [q.name, q.measure, q.positiveAnswers])).toEqual([
      ["quiz_full_name", "awareness", ["创建全国文明城市"]],
      ["quiz_core_values", "awareness", ["24个字"]],
      ["quiz_personal_values", "awareness", ["爱国、敬业、诚信、友善"]],
      ["quiz_purpose", "awareness", ["为民、利民、惠民"]],
      ["quiz_title", "awareness", ["综合性荣誉称号"]],
      ["quiz_hotline", "awareness", ["12345"]],
    ]);
  });

  it("rates the hotline callback's satisfaction only (the rerating is kept beside it)", () => {
    expect(byMeasure("hotline-callback.json")).toEqual({ satisfaction: ["satisfaction"] });
  });

  it("asks the door-to-door quiz's awareness and support with their right answers", () => {
    expect(byMeasure("visit-quiz.json")).toEqual({
      awareness: ["heard_of_campaign", "core_values_words", "hotline_number"],
      support: ["inspection_visit"],
    });
  });

  it("has no rate on the door-visit form", () => {
    expect(byMeasure("door-visit.json")).toEqual({});
  });
});
