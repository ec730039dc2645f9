// Measure tags on SurveyJS questions: the definition says which questions feed which rate and
// which answers count, so rates never depend on hard-coded question names. The same property
// names are registered with SurveyJS's serializer in app/survey/properties.ts.
//
//   { "type": "radiogroup", "name": "env", "measure": "satisfaction",
//     "positiveAnswers": ["满意", "基本满意"], "excludedAnswers": ["不清楚"],
//     "answerScores": { "满意": 100, "基本满意": 60, "不满意": 0 }, "weight": 2 }

export const MEASURES = ["satisfaction", "awareness", "support", "participation"] as const;
export type MeasureName = (typeof MEASURES)[number];

export type AnswerValue = string | number | boolean;

export type TaggedQuestion = {
  name: string;
  title: string;
  measure: MeasureName;
  /** Answers that count as positive (满意 + 基本满意, the right quiz answer, 支持 …). */
  positiveAnswers: AnswerValue[];
  /** Answers left out of the denominator (不清楚, 说不好 …). No answer is always left out. */
  excludedAnswers: AnswerValue[];
  /** Points per answer for the 100-point score; empty when the question has none. */
  answerScores: Record<string, number>;
  /** Weight of the question in the score (default 1). */
  weight: number;
};

type Element = Record<string, unknown> & { elements?: Element[]; templateElements?: Element[] };

function* walk(elements: unknown): Generator<Element> {
  if (!Array.isArray(elements)) return;
  for (const element of elements) {
    if (!element || typeof element !== "object") continue;
    const e = element as Element;
    yield e;
    yield* walk(e.elements);
    yield* walk(e.templateElements);
  }
}

/** Every question object of a SurveyJS definition, in page order (panels included). */
export function* questionsOf(definition: unknown): Generator<Element> {
  const pages = (definition as { pages?: unknown })?.pages;
  const top = (definition as { elements?: unknown })?.elements;
  if (Array.isArray(pages)) for (const page of pages) yield* walk((page as Element)?.elements);
  yield* walk(top);
}

function titleText(title: unknown, name: string): string {
  if (typeof title === "string") return title;
  if (title && typeof title === "object") {
    const t = title as Record<string, unknown>;
    const text = t["zh-cn"] ?? t.default ?? Object.values(t)[0];
    if (typeof text === "string") return text;
  }
  return name;
}

const isAnswer = (v: unknown): v is AnswerValue => ["string", "number", "boolean"].includes(typeof v);

export function isMeasure(value: unknown): value is MeasureName {
  return typeof value === "string" && (MEASURES as readonly string[]).includes(value);
}

/** The questions of a definition that feed a measure, with their tags. */
export function taggedQuestions(definition: unknown): TaggedQuestion[] {
  const tagged: TaggedQuestion[] = [];
  for (const q of questionsOf(definition)) {
    if (!isMeasure(q.measure) || typeof q.name !== "string") continue;
    const scores = q.answerScores && typeof q.answerScores === "object" ? (q.answerScores as Record<string, unknown>) : {};
    tagged.push({
      name: q.name,
      title: titleText(q.title, q.name),
      measure: q.measure,
      positiveAnswers: Array.isArray(q.positiveAnswers) ? q.positiveAnswers.filter(isAnswer) : [],
      excludedAnswers: Array.isArray(q.excludedAnswers) ? q.excludedAnswers.filter(isAnswer) : [],
      answerScores: Object.fromEntries(Object.entries(scores).filter((e): e is [string, number] => typeof e[1] === "number")),
      weight: typeof q.weight === "number" && q.weight > 0 ? q.weight : 1,
    });
  }
  return tagged;
}
