// A SurveyJS definition reduced to what the resident page draws: plain, serialisable, and free
// of survey-core, whose ~300 KB gzip must not ship to residents' phones. survey-core stays the
// authority on the server (validation); this module only covers the question types our
// questionnaires use. It also turns a submitted form back into SurveyJS answers.

export type Choice = { value: string | number | boolean; text: string };

type Base = {
  name: string;
  title: string;
  description: string | null;
  isRequired: boolean;
  visibleIf: string | null;
  /** Index into RenderSurvey.sections of the innermost titled page or panel holding it, or null. */
  section: number | null;
};

export type RenderQuestion =
  | (Base & { type: "radiogroup" | "dropdown"; choices: Choice[]; other: string | null })
  | (Base & { type: "checkbox"; choices: Choice[]; other: string | null })
  | (Base & { type: "rating"; choices: Choice[]; minText: string | null; maxText: string | null })
  | (Base & { type: "boolean"; choices: Choice[] })
  | (Base & { type: "text"; inputType: string; maxLength: number | null; placeholder: string | null })
  | (Base & { type: "comment"; maxLength: number | null; placeholder: string | null })
  | (Base & { type: "matrix"; rows: Choice[]; columns: Choice[] });

export type RenderElement = RenderQuestion | { type: "html"; name: string; html: string; visibleIf: string | null; section: number | null };

/** A page or panel with a title or description: drawn as a heading above its questions. */
export type RenderSection = { title: string; description: string | null; level: 1 | 2; parent: number | null };

export type RenderSurvey = {
  title: string;
  description: string | null;
  completedHtml: string | null;
  elements: RenderElement[];
  /** Titled pages (level 1) and panels (level 2), in order; elements point at theirs. */
  sections: RenderSection[];
  /** Types present in the definition that this renderer does not draw. */
  unsupported: string[];
};

type Json = Record<string, unknown>;
const LOCALE = "zh-cn";

/** A SurveyJS localisable string: plain, or { "zh-cn": …, default: … }. */
export function localText(value: unknown, fallback = ""): string {
  if (typeof value === "string") return value;
  if (value && typeof value === "object") {
    const v = value as Json;
    const text = v[LOCALE] ?? v.zh ?? v.default ?? Object.values(v).find((x) => typeof x === "string");
    if (typeof text === "string") return text;
  }
  return fallback;
}

function choicesOf(raw: unknown): Choice[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((c): Choice[] => {
    if (typeof c === "string" || typeof c === "number" || typeof c === "boolean") return [{ value: c, text: String(c) }];
    if (c && typeof c === "object" && "value" in c) {
      const value = (c as Json).value;
      if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
        return [{ value, text: localText((c as Json).text, String(value)) }];
    }
    return [];
  });
}

function ratingChoices(q: Json): Choice[] {
  const values = choicesOf(q.rateValues);
  if (values.length) return values;
  const min = typeof q.rateMin === "number" ? q.rateMin : 1;
  const max = typeof q.rateMax === "number" ? q.rateMax : 5;
  const step = typeof q.rateStep === "number" && q.rateStep > 0 ? q.rateStep : 1;
  const out: Choice[] = [];
  for (let v = min; v <= max && out.length < 100; v += step) out.push({ value: v, text: String(v) });
  return out;
}

const OTHER_TEXT = "其他（请注明）";

export function buildRenderSurvey(definition: unknown): RenderSurvey {
  const def = (definition ?? {}) as Json;
  // survey-core's getMaxLength: a question's own maxLength, -1 (unset) falls back to the
  // survey's maxTextLength, 0 means no limit; only text-like inputs and comments have one.
  const surveyMax = typeof def.maxTextLength === "number" ? def.maxTextLength : 0;
  const maxLengthOf = (q: Json, textInput: boolean): number | null => {
    if (!textInput) return null;
    const own = typeof q.maxLength === "number" ? q.maxLength : -1;
    const max = own < 0 ? surveyMax : own;
    return max > 0 ? max : null;
  };
  const elements: RenderElement[] = [];
  const sections: RenderSection[] = [];
  const unsupported = new Set<string>();

  /** The section of a page or panel: a new one when it has a title or description, else its parent's. */
  const sectionOf = (container: Json, level: 1 | 2, parent: number | null): number | null => {
    const title = localText(container.title);
    const description = localText(container.description) || null;
    if (!title && !description) return parent;
    sections.push({ title, description, level, parent });
    return sections.length - 1;
  };

  const visit = (raw: unknown, inheritedVisibleIf: string | null, section: number | null) => {
    if (!Array.isArray(raw)) return;
    for (const item of raw) {
      if (!item || typeof item !== "object") continue;
      const q = item as Json;
      const type = String(q.type ?? "");
      const own = typeof q.visibleIf === "string" && q.visibleIf.trim() ? q.visibleIf : null;
      const visibleIf = own && inheritedVisibleIf ? `(${inheritedVisibleIf}) and (${own})` : (own ?? inheritedVisibleIf);
      if (q.visible === false) continue;
      if (type === "panel") {
        visit(q.elements, visibleIf, sectionOf(q, 2, section));
        continue;
      }
      const name = typeof q.name === "string" ? q.name : "";
      if (type === "html") {
        elements.push({ type: "html", name, html: localText(q.html), visibleIf, section });
        continue;
      }
      if (type === "expression") continue;
      const base: Base = {
        name,
        title: localText(q.title, name),
        description: localText(q.description) || null,
        isRequired: q.isRequired === true,
        visibleIf,
        section,
      };
      const other = q.showOtherItem === true || q.hasOther === true ? localText(q.otherText, OTHER_TEXT) : null;
      switch (type) {
        case "radiogroup":
        case "dropdown":
          elements.push({ ...base, type, choices: choicesOf(q.choices), other });
          break;
        case "checkbox":
          elements.push({ ...base, type, choices: choicesOf(q.choices), other });
          break;
        case "rating":
          elements.push({
            ...base,
            type,
            choices: ratingChoices(q),
            minText: localText(q.minRateDescription) || null,
            maxText: localText(q.maxRateDescription) || null,
          });
          break;
        case "boolean":
          elements.push({
            ...base,
            type,
            choices: [
              { value: true, text: localText(q.labelTrue, "是") },
              { value: false, text: localText(q.labelFalse, "否") },
            ],
          });
          break;
        case "text": {
          const inputType = typeof q.inputType === "string" ? q.inputType : "text";
          elements.push({
            ...base,
            type,
            inputType,
            maxLength: maxLengthOf(q, ["text", "search", "tel", "url", "email", "password"].includes(inputType)),
            placeholder: localText(q.placeholder) || null,
          });
          break;
        }
        case "comment":
          elements.push({
            ...base,
            type,
            maxLength: maxLengthOf(q, true),
            placeholder: localText(q.placeholder) || null,
          });
          break;
        case "matrix":
          elements.push({ ...base, type, rows: choicesOf(q.rows), columns: choicesOf(q.columns) });
          break;
        default:
          unsupported.add(type || "(none)");
      }
    }
  };

  if (Array.isArray(def.pages))
    for (const page of def.pages) {
      const p = (page ?? {}) as Json;
      visit(p.elements, typeof p.visibleIf === "string" && p.visibleIf.trim() ? p.visibleIf : null, sectionOf(p, 1, null));
    }
  visit(def.elements, null, null);

  return {
    title: localText(def.title),
    description: localText(def.description) || null,
    completedHtml: localText(def.completedHtml) || null,
    elements,
    sections,
    unsupported: [...unsupported],
  };
}

/** Form field names: a question's own name; matrix cells `name::row`; other-text `name-Comment` (SurveyJS's key). */
export const matrixField = (question: string, row: Choice["value"]) => `${question}::${String(row)}`;
export const otherField = (question: string) => `${question}-Comment`;
export const OTHER_VALUE = "other";

function pick(choices: Choice[], raw: string): Choice["value"] | undefined {
  return choices.find((c) => String(c.value) === raw)?.value;
}

/** Turns submitted form fields into SurveyJS answers, typed as the definition says (numbers stay
 *  numbers). Values that are not offered choices are dropped; the server validates the rest. */
export function answersFromForm(survey: RenderSurvey, form: { getAll(name: string): unknown[] }): Record<string, unknown> {
  const answers: Record<string, unknown> = {};
  const strings = (name: string) => form.getAll(name).filter((v): v is string => typeof v === "string");
  for (const q of survey.elements) {
    if (q.type === "html") continue;
    const raw = strings(q.name);
    switch (q.type) {
      case "radiogroup":
      case "dropdown":
      case "rating":
      case "boolean": {
        const value =
          raw[0] === OTHER_VALUE && "other" in q && q.other ? OTHER_VALUE : raw[0] !== undefined ? pick(q.choices, raw[0]) : undefined;
        if (value !== undefined) answers[q.name] = value;
        break;
      }
      case "checkbox": {
        const values = raw.map((r) => (r === OTHER_VALUE && q.other ? OTHER_VALUE : pick(q.choices, r))).filter((v) => v !== undefined);
        if (values.length) answers[q.name] = values;
        break;
      }
      case "text":
      case "comment": {
        const text = raw[0]?.trim();
        if (text) answers[q.name] = text;
        break;
      }
      case "matrix": {
        const cells: Record<string, unknown> = {};
        for (const row of q.rows) {
          const [cell] = strings(matrixField(q.name, row.value));
          const value = cell === undefined ? undefined : pick(q.columns, cell);
          if (value !== undefined) cells[String(row.value)] = value;
        }
        if (Object.keys(cells).length) answers[q.name] = cells;
        break;
      }
    }
    if ("other" in q && q.other) {
      const [text] = strings(otherField(q.name));
      if (text?.trim()) answers[otherField(q.name)] = text.trim();
    }
  }
  return answers;
}

/** The answers as the server will store them (text trimmed, blank text left out, a number
 *  field's text a number), for evaluating conditions on the phone: what the inputs hold as typed
 *  would make `{q.length}` or `{q} empty` come out differently from the server's check. */
export function conditionValues(survey: RenderSurvey, answers: Record<string, unknown>): Record<string, unknown> {
  const values = { ...answers };
  for (const q of survey.elements) {
    if (q.type !== "text" && q.type !== "comment") continue;
    const raw = values[q.name];
    if (typeof raw !== "string") continue;
    const text = raw.trim();
    const number = q.type === "text" && ["number", "range"].includes(q.inputType) && text !== "" ? Number(text) : NaN;
    if (!text) delete values[q.name];
    else values[q.name] = Number.isFinite(number) ? number : text;
  }
  return values;
}

/** Whether a question has an answer (for progress and the client-side required check). */
export function isAnswered(q: RenderQuestion, answers: Record<string, unknown>): boolean {
  const value = answers[q.name];
  if (value === undefined || value === null || value === "") return false;
  if (Array.isArray(value)) return value.length > 0;
  if (q.type === "matrix") return q.rows.every((r) => (value as Record<string, unknown>)[String(r.value)] !== undefined);
  return true;
}

/** The length limit a text answer exceeds ({ max, length, over }), counted as the server counts
 *  it (the trimmed text's length), or null. */
export function tooLong(q: RenderQuestion, value: unknown): { max: number; length: number; over: number } | null {
  if ((q.type !== "text" && q.type !== "comment") || !q.maxLength || q.maxLength <= 0) return null;
  const length = typeof value === "string" ? value.trim().length : 0;
  return length > q.maxLength ? { max: q.maxLength, length, over: length - q.maxLength } : null;
}
