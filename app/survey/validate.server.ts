// Server-side checks of submitted answers with survey-core (the same rules the office preview
// shows), and answer texts for response pages and exports.
import { Model, settings, type Question } from "survey-core";
import { translate } from "~/i18n";
import "./properties";
import { choiceValues } from "./definition";
import { evaluateCondition } from "./condition";

/** The key of `errors` for problems that belong to no question. */
export const FORM_ERRORS = "_form";

export type AnswerCheck = { ok: true; answers: Record<string, unknown> } | { ok: false; errors: Record<string, string[]> };

export type AnswerLine = { name: string; title: string; text: string };

type Json = Record<string, unknown>;

const isRecord = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

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

/** Brings a submitted value to the type the question stores, or says why it cannot be one.
 *  Everything it needs is read from the question once: `normalizerOf(q)(raw)`. */
function normalizerOf(question: Question): (raw: unknown) => Normalized {
  const q = question as Question & Json;
  const type = question.getType();
  const dynamicChoices = Boolean(q.choicesFromQuestion) || Boolean((q.choicesByUrl as { url?: string } | undefined)?.url);
  if ((SINGLE.includes(type) || MULTIPLE.includes(type)) && !dynamicChoices) {
    const multiple = MULTIPLE.includes(type) || q.multiSelect === true;
    const offered = choiceValues(question);
    return multiple ? (raw) => pickAll(offered, raw) : (raw) => pick(offered, raw);
  }
  if (type === "rating") {
    const offered = (q.visibleRateValues as { value: unknown }[]).map((i) => i.value);
    return (raw) => pick(offered, raw);
  }
  if (type === "boolean") {
    const offered = [(q.getValueTrue as () => unknown)(), (q.getValueFalse as () => unknown)()];
    return (raw) => pick(offered, raw);
  }
  if (type === "text" && (q.inputType === "number" || q.inputType === "range"))
    return (raw) => {
      const number = typeof raw === "string" && raw.trim() !== "" ? Number(raw) : raw;
      return typeof number === "number" && Number.isFinite(number) ? { value: number } : { error: zh("surveyDef.answers.wrongType") };
    };
  if (type === "text" || type === "comment") {
    const max = (q.getMaxLength as () => number | null)();
    return (raw) => {
      if (typeof raw !== "string" && typeof raw !== "number") return { error: zh("surveyDef.answers.wrongType") };
      const text = String(raw);
      if (typeof max === "number" && max > 0 && text.length > max) return { error: tooLongText(text.length, max) };
      return { value: text };
    };
  }
  return (raw) => ({ value: raw });
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
  const compiled = compiledCheck(definition);
  return compiled ? compiled(answers) : validateWithSurveyCore(definition, answers);
}

/** The reference: the same checks run by a survey-core model (kept for definitions the compiled
 *  check does not cover, and as the oracle of tests/unit/survey-compiled.test.ts). */
export function validateWithSurveyCore(definition: unknown, answers: unknown): AnswerCheck {
  if (!isRecord(answers)) return { ok: false, errors: { [FORM_ERRORS]: [zh("surveyDef.answers.notObject")] } };
  const survey = surveyOf(definition);
  const questions = answerable(survey);
  const kept: Json = {};
  const errors: Record<string, string[]> = {};

  for (const q of questions) {
    const key = q.getValueName();
    if (Object.hasOwn(answers, key) && !isBlank(answers[key])) {
      const normalized = normalizerOf(q)(answers[key]);
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
  for (let changed = true; changed;) {
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

// ---- the compiled check ----
//
// A survey-core model costs ~3 ms per submission to fill and validate, the largest part of a
// submission's CPU time (docs/decisions/006-write-path.md). For definitions made only of what
// the resident page draws (the allow-list below), the same checks are compiled once per
// definition into plain functions: the value normalizers read from the model, visibility from
// `visibleIf` with the phone's own evaluator (app/survey/condition.ts, tested against
// survey-core's ConditionRunner), "required" and "other needs its text" as survey-core applies
// them. Anything else falls back to survey-core. tests/unit/survey-compiled.test.ts checks that
// both agree on every shipped template and on generated answer sets.

type Compiled = (answers: Json) => AnswerCheck;

const DISPLAY = ["title", "description", "name"];
const QUESTION_KEYS = [
  ...DISPLAY,
  "type",
  "isRequired",
  "visibleIf",
  "visible",
  "measure",
  "positiveAnswers",
  "excludedAnswers",
  "answerScores",
  "weight",
  "placeholder",
];
const ALLOWED: Record<string, string[]> = {
  survey: [...DISPLAY, "pages", "completedHtml", "maxTextLength", "showQuestionNumbers", "showProgressBar", "progressBarType", "locale"],
  page: [...DISPLAY, "elements", "visibleIf"],
  panel: [...DISPLAY, "type", "elements", "visibleIf", "visible", "state"],
  html: ["type", "name", "html", "visibleIf", "visible"],
  radiogroup: [...QUESTION_KEYS, "choices", "showOtherItem", "hasOther", "otherText", "otherPlaceholder", "colCount"],
  dropdown: [...QUESTION_KEYS, "choices", "showOtherItem", "hasOther", "otherText", "otherPlaceholder"],
  checkbox: [...QUESTION_KEYS, "choices", "showOtherItem", "hasOther", "otherText", "otherPlaceholder", "colCount"],
  rating: [...QUESTION_KEYS, "rateValues", "rateMin", "rateMax", "rateStep", "minRateDescription", "maxRateDescription"],
  boolean: [...QUESTION_KEYS, "labelTrue", "labelFalse"],
  text: [...QUESTION_KEYS, "inputType", "maxLength"],
  comment: [...QUESTION_KEYS, "maxLength", "rows", "autoGrow"],
};
const TEXT_INPUTS = [undefined, "text", "number", "tel"];
const isText = (v: unknown) => typeof v === "string" || (isRecord(v) && Object.values(v).every((x) => typeof x === "string"));

/** Whether every object of the definition uses only what the compiled check models. */
function compilable(definition: Json): boolean {
  const keysOk = (obj: Json, kind: string) => {
    const allowed = ALLOWED[kind];
    if (!allowed) return false;
    for (const [key, value] of Object.entries(obj)) {
      if (!allowed.includes(key)) return false;
      if (
        [
          "title",
          "description",
          "html",
          "otherText",
          "placeholder",
          "otherPlaceholder",
          "labelTrue",
          "labelFalse",
          "completedHtml",
          "minRateDescription",
          "maxRateDescription",
        ].includes(key) &&
        !isText(value)
      )
        return false;
      if ((key === "isRequired" || key === "visible" || key === "showOtherItem" || key === "hasOther") && typeof value !== "boolean")
        return false;
      if (key === "visibleIf" && typeof value !== "string") return false;
    }
    return true;
  };
  const choicesOk = (list: unknown) =>
    list === undefined ||
    (Array.isArray(list) &&
      list.every(
        (c) =>
          isScalar(c) ||
          (isRecord(c) && isScalar(c.value) && Object.keys(c).every((k) => k === "value" || (k === "text" && isText(c.text)))),
      ));
  const elementsOk = (list: unknown): boolean =>
    Array.isArray(list) &&
    list.every((e) => {
      if (!isRecord(e) || typeof e.type !== "string" || !keysOk(e, e.type)) return false;
      if (e.type === "panel") return elementsOk(e.elements ?? []);
      if (e.type === "html") return true;
      if (typeof e.name !== "string" || !e.name) return false;
      if (e.type === "text" && !TEXT_INPUTS.includes(e.inputType as string | undefined)) return false;
      return choicesOk(e.choices) && choicesOk(e.rateValues);
    });
  return (
    keysOk(definition, "survey") &&
    Array.isArray(definition.pages) &&
    definition.pages.every((p) => isRecord(p) && keysOk(p, "page") && elementsOk(p.elements ?? []))
  );
}

/** The text survey-core gives a question whose "other" is chosen without its text (the allow-list
 *  admits no own `otherErrorText`, so it is the locale's). */
let otherError: string | null = null;
function otherErrorText(): string {
  if (otherError === null) {
    const survey = new Model({ elements: [{ type: "radiogroup", name: "q", choices: [1], showOtherItem: true }] });
    survey.locale = "zh-cn";
    survey.data = { q: "other" };
    const q = survey.getQuestionByName("q");
    q.validate(true);
    otherError = q.errors.find((e) => e.getErrorType() !== "required")?.getText() ?? "";
  }
  return otherError;
}

function compile(definition: Json): Compiled | null {
  if (!compilable(definition)) return null;
  const survey = new Model(structuredClone(definition));
  survey.locale = "zh-cn";
  // Visibility as the definition states it (the model's own `visible` already reflects the
  // conditions run on empty data): every visibleIf from the page down, and `visible: false`.
  const visibility = new Map<string, { conditions: string[]; alwaysHidden: boolean }>();
  const walk = (elements: unknown, conditions: string[], alwaysHidden: boolean) => {
    for (const e of Array.isArray(elements) ? (elements as Json[]) : []) {
      const own = typeof e.visibleIf === "string" && e.visibleIf.trim() ? [...conditions, e.visibleIf] : conditions;
      const hidden = alwaysHidden || e.visible === false;
      if (e.type === "panel") walk(e.elements, own, hidden);
      else if (typeof e.name === "string") visibility.set(e.name, { conditions: own, alwaysHidden: hidden });
    }
  };
  for (const page of definition.pages as Json[])
    walk(page.elements, typeof page.visibleIf === "string" && page.visibleIf.trim() ? [page.visibleIf] : [], false);
  const questions = answerable(survey).map((q) => {
    const { conditions, alwaysHidden } = visibility.get(q.name) ?? { conditions: [], alwaysHidden: false };
    const type = q.getType();
    const other =
      (q as Question & { showOtherItem?: boolean }).showOtherItem === true
        ? (q as unknown as { otherItem: { value: unknown } }).otherItem.value
        : undefined;
    const multiple = MULTIPLE.includes(type);
    return {
      name: q.name,
      key: q.getValueName(),
      comment: commentKey(q),
      takesComment: takesComment(q),
      normalize: normalizerOf(q),
      required: q.isRequired,
      conditions,
      alwaysHidden,
      other,
      multiple,
      otherError: other === undefined ? "" : otherErrorText(),
    };
  });
  const required = zh("resident.required");
  const wrongType = zh("surveyDef.answers.wrongType");
  return (answers) => {
    const kept: Json = {};
    const errors: Record<string, string[]> = {};
    for (const q of questions) {
      if (Object.hasOwn(answers, q.key) && !isBlank(answers[q.key])) {
        const normalized = q.normalize(answers[q.key]);
        if ("error" in normalized) errors[q.name] = [normalized.error];
        else kept[q.key] = normalized.value;
      }
      const comment = answers[q.comment];
      if (q.takesComment && Object.hasOwn(answers, q.comment) && !isBlank(comment)) {
        if (typeof comment === "string" || typeof comment === "number") kept[q.comment] = String(comment);
        else errors[q.name] = [...(errors[q.name] ?? []), wrongType];
      }
    }
    const hidden = (q: (typeof questions)[number]) => q.alwaysHidden || q.conditions.some((c) => !evaluateCondition(c, kept));
    for (let changed = true; changed;) {
      changed = false;
      for (const q of questions.filter(hidden)) {
        delete errors[q.name];
        for (const key of [q.key, q.comment]) {
          if (key in kept) {
            delete kept[key];
            changed = true;
          }
        }
      }
    }
    for (const q of questions) {
      if (errors[q.name] || hidden(q)) continue;
      const value = kept[q.key];
      if (value === undefined || (typeof value === "string" && value.trim() === "")) {
        if (q.required) errors[q.name] = [required];
      } else if (
        q.other !== undefined &&
        (q.multiple ? Array.isArray(value) && value.includes(q.other) : value === q.other) &&
        !kept[q.comment]
      ) {
        errors[q.name] = [q.otherError];
      }
    }
    return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, answers: kept };
  };
}

// Compiled once per definition object (the submit path keeps one per survey version), else
// per JSON text; null (survey-core) is remembered too.
const compiledByObject = new WeakMap<object, Compiled | null>();
const compiledByText = new Map<string, Compiled | null>();

function compiledCheck(definition: unknown): Compiled | null {
  if (!isRecord(definition)) return null;
  if (compiledByObject.has(definition)) return compiledByObject.get(definition)!;
  const text = JSON.stringify(definition);
  let compiled = compiledByText.get(text);
  if (compiled === undefined) {
    compiled = compile(definition);
    compiledByText.set(text, compiled);
    if (compiledByText.size > MODELS_KEPT) compiledByText.delete(compiledByText.keys().next().value!);
  }
  compiledByObject.set(definition, compiled);
  return compiled;
}

/** Whether `validateAnswers` runs the compiled check for this definition (else survey-core). */
export const isCompiled = (definition: unknown) => compiledCheck(definition) !== null;

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
