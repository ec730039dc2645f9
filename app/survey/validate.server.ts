// Server-side checks of submitted answers with survey-core (the same rules the office preview
// shows), and answer texts for response pages and exports.
import { Model, settings, type Question } from "survey-core";
import { translate } from "~/i18n";
import "./properties";
import { choiceValues } from "./definition";

/** The key of `errors` for problems that belong to no question. */
export const FORM_ERRORS = "_form";

export type AnswerCheck =
  | { ok: true; answers: Record<string, unknown> }
  | { ok: false; errors: Record<string, string[]> };

export type AnswerLine = { name: string; title: string; text: string };

type Json = Record<string, unknown>;

const isRecord = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const zh = (key: string, params?: Record<string, string | number>) => translate("zh", key, params);

// Building a survey-core model takes ~30 ms; setting answers on a built one ~3 ms. An import
// validates thousands of rows of one definition, so recently used models are kept and reused
// (every use replaces all of the model's data first).
const models = new Map<string, Model>();
const MODELS_KEPT = 8;

function surveyOf(definition: unknown): Model {
  const key = JSON.stringify(isRecord(definition) ? definition : {});
  let survey = models.get(key);
  if (survey) {
    models.delete(key);
  } else {
    survey = new Model(JSON.parse(key));
    survey.locale = "zh-cn";
  }
  models.set(key, survey);
  if (models.size > MODELS_KEPT) models.delete(models.keys().next().value!);
  return survey;
}

/** Questions that take an answer (not html, image or expression), in page order. */
const answerable = (survey: Model): Question[] => survey.getAllQuestions().filter((q) => q.hasInput);

const commentKey = (q: Question) => q.getValueName() + settings.commentSuffix;
const takesComment = (q: Question) => q.hasComment || (q as Question & { hasOther?: boolean }).hasOther === true;

type Scalar = string | number | boolean;
const isScalar = (v: unknown): v is Scalar => ["string", "number", "boolean"].includes(typeof v);
const isBlank = (v: unknown) => v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0);

type Normalized = { value: unknown } | { error: string };

/** The over-length message, the same on the phone (counted as JavaScript counts a string's length). */
const tooLongText = (length: number, max: number) => zh("surveyDef.answers.tooLong", { max, length, over: length - max });

/** The offered value equal to `raw`, also when a form or spreadsheet sent "4" for 4 or "true". */
function pick(offered: unknown[], raw: unknown): Normalized {
  if (!isScalar(raw)) return { error: zh("surveyDef.answers.wrongType") };
  const exact = offered.find((v) => v === raw) ?? offered.find((v) => isScalar(v) && String(v) === String(raw));
  return exact === undefined ? { error: zh("surveyDef.answers.notAChoice", { value: String(raw) }) } : { value: exact };
}

function pickAll(offered: unknown[], raw: unknown): Normalized {
  const values: unknown[] = [];
  for (const item of Array.isArray(raw) ? raw : [raw]) {
    const picked = pick(offered, item);
    if ("error" in picked) return picked;
    values.push(picked.value);
  }
  return { value: values };
}

const MULTIPLE = ["checkbox", "tagbox", "ranking"];
const SINGLE = ["radiogroup", "dropdown", "buttongroup", "imagepicker"];

/** Brings a submitted value to the type the question stores, or says why it cannot be one. */
function normalize(question: Question, raw: unknown): Normalized {
  const q = question as Question & Json;
  const type = question.getType();
  const dynamicChoices = Boolean(q.choicesFromQuestion) || Boolean((q.choicesByUrl as { url?: string } | undefined)?.url);
  if ((SINGLE.includes(type) || MULTIPLE.includes(type)) && !dynamicChoices) {
    const multiple = MULTIPLE.includes(type) || q.multiSelect === true;
    return multiple ? pickAll(choiceValues(question), raw) : pick(choiceValues(question), raw);
  }
  if (type === "rating") return pick((q.visibleRateValues as { value: unknown }[]).map((i) => i.value), raw);
  if (type === "boolean") return pick([(q.getValueTrue as () => unknown)(), (q.getValueFalse as () => unknown)()], raw);
  if (type === "text" && (q.inputType === "number" || q.inputType === "range")) {
    const number = typeof raw === "string" && raw.trim() !== "" ? Number(raw) : raw;
    return typeof number === "number" && Number.isFinite(number) ? { value: number } : { error: zh("surveyDef.answers.wrongType") };
  }
  if (type === "text" || type === "comment") {
    if (typeof raw !== "string" && typeof raw !== "number") return { error: zh("surveyDef.answers.wrongType") };
    const text = String(raw);
    const max = (q.getMaxLength as () => number | null)();
    if (typeof max === "number" && max > 0 && text.length > max) return { error: tooLongText(text.length, max) };
    return { value: text };
  }
  return { value: raw };
}

/**
 * Checks a resident's (or an import row's) answers against a definition. Keys that are not a
 * question's value name or an allowed "<name>-Comment" are dropped, and so are answers to
 * questions that the other answers hide. A value of the wrong type (a number for a radiogroup,
 * a word for a rating) is an error, not silently dropped. Error texts are Chinese, keyed by
 * question name.
 */
export function validateAnswers(definition: unknown, answers: unknown): AnswerCheck {
  if (!isRecord(answers)) return { ok: false, errors: { [FORM_ERRORS]: [zh("surveyDef.answers.notObject")] } };
  const survey = surveyOf(definition);
  const questions = answerable(survey);
  const kept: Json = {};
  const errors: Record<string, string[]> = {};

  for (const q of questions) {
    const key = q.getValueName();
    if (Object.hasOwn(answers, key) && !isBlank(answers[key])) {
      const normalized = normalize(q, answers[key]);
      if ("error" in normalized) errors[q.name] = [normalized.error];
      else kept[key] = normalized.value;
    }
    const comment = answers[commentKey(q)];
    if (takesComment(q) && Object.hasOwn(answers, commentKey(q)) && !isBlank(comment)) {
      if (typeof comment === "string" || typeof comment === "number") kept[commentKey(q)] = String(comment);
      else errors[q.name] = [...(errors[q.name] ?? []), zh("surveyDef.answers.wrongType")];
    }
  }

  // Dropping a hidden answer can hide further questions, so repeat until nothing changes.
  survey.data = kept;
  const hidden = (q: Question) => !q.isVisible || !q.isParentVisible;
  for (let changed = true; changed; ) {
    changed = false;
    for (const q of questions.filter(hidden)) {
      delete errors[q.name];
      for (const key of [q.getValueName(), commentKey(q)]) {
        if (key in kept) {
          delete kept[key];
          changed = true;
        }
      }
    }
    if (changed) survey.data = kept;
  }

  survey.validate(true, false);
  for (const q of questions) {
    if (hidden(q) || q.errors.length === 0 || errors[q.name]) continue;
    // "Required" reads as the phone's own check says it (one text with and without JavaScript).
    errors[q.name] = q.errors.map((e) => (e.getErrorType() === "required" ? zh("resident.required") : e.getText()));
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, answers: kept };
}

// ---- answer texts ----

type Describe = (answers: Json) => AnswerLine[];

function textMap(items: unknown): Map<string, string> {
  const list = Array.isArray(items) ? (items as { value: unknown; text: string }[]) : [];
  return new Map(list.map((item) => [String(item.value), item.text]));
}

function describer(q: Question): (answers: Json) => string {
  const question = q as Question & Json;
  const type = q.getType();
  const key = q.getValueName();
  const comment = (answers: Json) => {
    const text = answers[commentKey(q)];
    return typeof text === "string" || typeof text === "number" ? String(text) : "";
  };
  const scalarText = (value: unknown) => (typeof value === "object" && value !== null ? JSON.stringify(value) : String(value));

  if (type === "rating") {
    // Rate values may carry texts (非常满意 …); plain 1–5 scales read as their numbers.
    const labels = textMap(question.rateValues);
    return (answers) => (isBlank(answers[key]) ? "" : (labels.get(String(answers[key])) ?? scalarText(answers[key])));
  }
  if (type === "boolean") {
    const yes = (question.getValueTrue as () => unknown)();
    const labels = { yes: String(question.labelTrue), no: String(question.labelFalse) };
    return (answers) => (isBlank(answers[key]) ? "" : String(answers[key]) === String(yes) ? labels.yes : labels.no);
  }
  if (SINGLE.includes(type) || MULTIPLE.includes(type)) {
    const items = textMap(question.choices);
    const otherItem = question.otherItem as { value: unknown; text: string } | undefined;
    for (const special of ["otherItem", "noneItem", "refuseItem", "dontKnowItem"]) {
      const item = question[special] as { value: unknown; text: string } | undefined;
      if (item) items.set(String(item.value), item.text);
    }
    return (answers) => {
      const value = answers[key];
      if (isBlank(value)) return "";
      const one = (v: unknown) => {
        const text = items.get(String(v)) ?? scalarText(v);
        const other = otherItem && String(v) === String(otherItem.value) ? comment(answers) : "";
        return other ? `${text}：${other}` : text;
      };
      return Array.isArray(value) ? value.map(one).join("、") : one(value);
    };
  }
  if (type === "matrix") {
    const rows = textMap(question.rows);
    const columns = textMap(question.columns);
    return (answers) => {
      const value = answers[key];
      if (!isRecord(value)) return isBlank(value) ? "" : scalarText(value);
      return Object.entries(value)
        .map(([row, column]) => `${rows.get(row) ?? row}：${columns.get(String(column)) ?? scalarText(column)}`)
        .join("；");
    };
  }
  return (answers) => {
    const value = answers[key];
    if (isBlank(value)) return "";
    const extra = q.hasComment ? comment(answers) : "";
    return extra ? `${scalarText(value)}（${extra}）` : scalarText(value);
  };
}

/** Builds the describer of one definition once; exports call it for every response. */
export function answerDescriber(definition: unknown): Describe {
  const lines = answerable(surveyOf(definition)).map((q) => ({ name: q.name, title: q.title, text: describer(q) }));
  return (answers) => lines.map(({ name, title, text }) => ({ name, title, text: text(answers) }));
}

const describers = new WeakMap<object, Describe>();

/**
 * Every answerable question of the definition in page order with the answer as people read it:
 * choice texts (a checkbox's joined by "、", "其他" with what was written), a rating's number,
 * a comment's text; "" when unanswered. Describers are cached per definition object.
 */
export function describeAnswers(definition: unknown, answers: unknown): AnswerLine[] {
  const values = isRecord(answers) ? answers : {};
  if (!isRecord(definition)) return answerDescriber(definition)(values);
  let describe = describers.get(definition);
  if (!describe) {
    describe = answerDescriber(definition);
    describers.set(definition, describe);
  }
  return describe(values);
}
