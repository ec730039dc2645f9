// Mapping a spreadsheet of answers (paper questionnaires typed into Excel, exports of other survey
// tools such as 问卷星) onto a survey version: which column answers which question, which answer
// text is which choice, where each response was collected. Pure: the import model reads the file
// and the register, and stores the rows only when there is no issue.
import type { Level } from "~/domain/places";
import type { ImportIssue } from "~/domain/register-import";
import { normalizeText as normalizeTyped } from "~/domain/text";
import { evaluateCondition } from "~/survey/condition";
import { isAnswered, matrixField, OTHER_VALUE, otherField, type Choice, type RenderQuestion, type RenderSurvey } from "~/survey/render";
import type { Table } from "~/utils/tabular.server";
import { MAX_ID, wholeNumber } from "~/utils/input";

export type AnswerValue = Choice["value"];

/** What a file column can answer: a question, or one row of a matrix question. */
export type Target = {
  /** The question's name, or `name::row` for a matrix row. */
  id: string;
  question: string;
  row: AnswerValue | null;
  title: string;
  kind: "single" | "multi" | "text";
  /** For single and multi: the offered choices, with "other" when the question has one. */
  choices: Choice[];
};

export const PLACE_ROLES = ["street", "community", "compound", "building"] as const;
export type PlaceRole = (typeof PLACE_ROLES)[number];

/** What a column holds: nothing we keep (""), an answer (`q:<target id>`), a place name, or timing. */
export type ColumnRole = "" | PlaceRole | "finishedAt" | "duration" | `q:${string}`;

export type PlaceMode = { mode: "columns" } | { mode: "fixed"; placeId: number | null };

export type ResponseMapping = {
  /** One role per file column. */
  columns: ColumnRole[];
  place: PlaceMode;
  /** Target id → normalised answer text → encoded choice (see encodeValue); "" is not chosen yet. */
  values: Record<string, Record<string, string>>;
};

/** A file row as it would be stored. */
export type MappedRow = {
  line: number;
  answers: Record<string, unknown>;
  places: Partial<Record<PlaceRole, string>>;
  finishedAt: Date | null;
  durationSeconds: number | null;
};

/** Beyond this many different answers a column is free text, not a choice question. */
const MAX_DISTINCT_ANSWERS = 200;
const SIMILARITY_THRESHOLD = 0.6;
const MAX_COLUMNS = 1000;
const SKIP_TEXTS = new Set(["(跳过)", "(空)", "-", "—", "/", "n/a"]);
const YES = new Set(["是", "对", "有", "1", "true", "yes", "y", "√"]);
const NO = new Set(["否", "不是", "错", "没有", "无", "0", "false", "no", "n", "×"]);
// 问卷星 joins the options of a multiple-choice answer with ┋; people typing use 、 or commas.
const MULTI_SEPARATORS = /[┋|｜,，、;；\n]+/;

const ROLE_HEADERS: Record<Exclude<ColumnRole, "" | `q:${string}`>, string[]> = {
  street: ["街道", "街道(镇)", "镇", "乡镇", "街道/镇", "street"],
  community: ["社区", "社区(村)", "村", "社区/村", "community"],
  compound: ["小区", "小区名称", "compound"],
  building: ["楼栋", "楼号", "楼栋号", "栋", "building"],
  finishedAt: ["提交时间", "提交答卷时间", "答题时间", "填写时间", "调查时间", "时间", "submitted", "time"],
  duration: ["用时", "所用时间", "答题用时", "用时(秒)", "duration"],
};

/** A results file's texts are matched, not stored: full-width punctuation folds too (Ｘ１（可选） is X1(可选)). */
export const normalizeText = (value: string): string => normalizeTyped(value, { punctuation: true });

/** Looser form for comparing texts: case and spaces do not matter. */
function comparable(value: string): string {
  return normalizeText(value).toLowerCase().replace(/ /g, "");
}

export function mappingTargets(survey: RenderSurvey): Target[] {
  const targets: Target[] = [];
  for (const q of survey.elements) {
    switch (q.type) {
      case "html":
        break;
      case "radiogroup":
      case "dropdown":
      case "checkbox": {
        const choices = q.other ? [...q.choices, { value: OTHER_VALUE, text: q.other }] : q.choices;
        targets.push({
          id: q.name,
          question: q.name,
          row: null,
          title: q.title,
          kind: q.type === "checkbox" ? "multi" : "single",
          choices,
        });
        break;
      }
      case "rating":
      case "boolean":
        targets.push({ id: q.name, question: q.name, row: null, title: q.title, kind: "single", choices: q.choices });
        break;
      case "text":
      case "comment":
        targets.push({ id: q.name, question: q.name, row: null, title: q.title, kind: "text", choices: [] });
        break;
      case "matrix":
        for (const row of q.rows)
          targets.push({
            id: matrixField(q.name, row.value),
            question: q.name,
            row: row.value,
            title: `${q.title} - ${row.text}`,
            kind: "single",
            choices: q.columns,
          });
        break;
    }
  }
  return targets;
}

const targetRole = (target: Target): ColumnRole => `q:${target.id}`;

function roleTarget(role: ColumnRole, targets: Target[]): Target | undefined {
  return role.startsWith("q:") ? targets.find((t) => t.id === role.slice(2)) : undefined;
}

/** A header without the numbering and marks survey tools put around a question's title. */
function headerKey(header: string): string {
  return comparable(header)
    .replace(/^(第\d+题|q\d+[.、:)]|\d+[.、:)])/, "")
    .replace(/[*]/g, "")
    .replace(/[?？:：。.]+$/, "");
}

function bigrams(text: string): string[] {
  const grams: string[] = [];
  for (let i = 0; i < text.length - 1; i++) grams.push(text.slice(i, i + 2));
  return grams;
}

/** Dice coefficient of character bigrams: 1 for the same text, 0 for nothing in common. */
export function similarity(a: string, b: string): number {
  const x = bigrams(a);
  const y = bigrams(b);
  if (x.length === 0 || y.length === 0) return a === b ? 1 : 0;
  const counts = new Map<string, number>();
  for (const g of y) counts.set(g, (counts.get(g) ?? 0) + 1);
  let shared = 0;
  for (const g of x) {
    const n = counts.get(g) ?? 0;
    if (n > 0) {
      shared++;
      counts.set(g, n - 1);
    }
  }
  return (2 * shared) / (x.length + y.length);
}

/** A role for each header: by the place and time words, a question's name, its exact title, then
 *  the most similar title. Each role is given to one column at most. */
export function suggestColumns(headers: string[], targets: Target[]): ColumnRole[] {
  const roles: ColumnRole[] = headers.map(() => "");
  const used = new Set<ColumnRole>();
  const give = (i: number, role: ColumnRole) => {
    roles[i] = role;
    used.add(role);
  };
  headers.forEach((header, i) => {
    const raw = comparable(header);
    const key = headerKey(header);
    for (const [role, words] of Object.entries(ROLE_HEADERS) as [ColumnRole, string[]][])
      if (!used.has(role) && words.some((w) => comparable(w) === raw)) return give(i, role);
    const exact =
      targets.find((t) => !used.has(targetRole(t)) && t.row === null && t.question.toLowerCase() === raw) ??
      targets.find((t) => !used.has(targetRole(t)) && t.id.toLowerCase() === raw) ??
      targets.find((t) => !used.has(targetRole(t)) && headerKey(t.title) === key);
    if (exact) give(i, targetRole(exact));
  });
  const pairs: { i: number; target: Target; score: number }[] = [];
  headers.forEach((header, i) => {
    if (roles[i] !== "") return;
    const key = headerKey(header);
    // A short column name such as 环境卫生 inside exactly one title names that question.
    const containing = targets.filter((t) => key.length >= 3 && headerKey(t.title).includes(key));
    for (const target of targets) {
      if (used.has(targetRole(target))) continue;
      const title = headerKey(target.title);
      const contained = containing.length === 1 && containing[0] === target ? 0.6 + (0.4 * key.length) / title.length : 0;
      const score = Math.max(similarity(key, title), contained);
      if (score >= SIMILARITY_THRESHOLD) pairs.push({ i, target, score });
    }
  });
  pairs.sort((a, b) => b.score - a.score);
  for (const { i, target } of pairs) if (roles[i] === "" && !used.has(targetRole(target))) give(i, targetRole(target));
  return roles;
}

/** How a choice is written in a form field and in a stored mapping: "null" means "no answer". */
export function encodeValue(value: AnswerValue | null): string {
  return JSON.stringify(value);
}

/** The choice an encoded value names, null for "no answer", undefined when unmapped or not offered. */
export function decodeValue(target: Target, encoded: string | undefined): AnswerValue | null | undefined {
  if (!encoded) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(encoded);
  } catch {
    return undefined;
  }
  if (value === null) return null;
  return target.choices.find((c) => c.value === value)?.value;
}

const NUMBER = /^([+-]?\d+(?:\.\d+)?)\s*(分|星|points?)?$/;

/** The choice an answer text most likely means; null for a "skipped" mark; undefined when unsure. */
export function suggestValue(target: Target, text: string): AnswerValue | null | undefined {
  const key = comparable(text);
  if (SKIP_TEXTS.has(key)) return null;
  const byValue = target.choices.find((c) => comparable(String(c.value)) === key);
  if (byValue) return byValue.value;
  const byText = target.choices.find((c) => comparable(c.text) === key);
  if (byText) return byText.value;
  const number = NUMBER.exec(key);
  if (number) {
    const n = Number(number[1]);
    const byNumber = target.choices.find(
      (c) => c.value === n || (typeof c.value === "string" && Number(c.value) === n && c.value.trim() !== ""),
    );
    if (byNumber) return byNumber.value;
  }
  if (target.choices.some((c) => typeof c.value === "boolean")) {
    if (YES.has(key)) return target.choices.find((c) => c.value === true)?.value;
    if (NO.has(key)) return target.choices.find((c) => c.value === false)?.value;
  }
  const offered = target.choices.filter((c) => c.value !== OTHER_VALUE);
  // Option numbers (1 = the first option), as survey tools export "by option number", but only
  // where the options are not numbers themselves.
  if (/^\d+$/.test(key) && offered.every((c) => typeof c.value === "string" && !NUMBER.test(comparable(c.value)))) {
    const k = Number(key);
    if (k >= 1 && k <= offered.length) return offered[k - 1].value;
  }
  if (/^其[他它]/.test(key) && target.choices.some((c) => c.value === OTHER_VALUE)) return OTHER_VALUE;
  return undefined;
}

/** The answer texts of a cell; a multiple-choice cell is split, except inside an option's own
 *  text (电视、广播) or the written-in text of 问卷星's 其他〖…〗. */
function answerParts(target: Target, cell: string): string[] {
  const text = normalizeText(cell);
  if (text === "") return [];
  if (target.kind !== "multi") return [text];
  const kept: string[] = [];
  const keep = (part: string) => `\u0000${kept.push(part) - 1}\u0000`;
  let guarded = text.replace(/〖[^〗]*〗/g, keep);
  const options = target.choices.map((c) => normalizeText(c.text)).filter((t) => /[┋|｜,，、;；]/.test(t));
  for (const option of options.sort((a, b) => b.length - a.length)) guarded = guarded.split(option).join(keep(option));
  return (
    guarded
      .split(MULTI_SEPARATORS)
      // eslint-disable-next-line no-control-regex -- NUL brackets the placeholders of kept separators
      .map((part) => part.replace(/\u0000(\d+)\u0000/g, (_, i: string) => kept[Number(i)]).trim())
      .filter((part) => part !== "")
  );
}

export type DistinctAnswers = {
  target: Target;
  column: string;
  texts: { text: string; count: number }[];
};

/** The different answer texts of each column mapped to a choice question, in the file's columns order. */
export function distinctAnswers(table: Table, mapping: ResponseMapping, targets: Target[]): DistinctAnswers[] {
  const out: DistinctAnswers[] = [];
  mapping.columns.forEach((role, i) => {
    const target = roleTarget(role, targets);
    if (!target || target.kind === "text") return;
    const counts = new Map<string, number>();
    for (const row of table.rows) for (const part of answerParts(target, row.cells[i] ?? "")) counts.set(part, (counts.get(part) ?? 0) + 1);
    const texts = [...counts].map(([text, count]) => ({ text, count }));
    texts.sort((a, b) => a.text.localeCompare(b.text, "zh-Hans-CN", { numeric: true }));
    out.push({ target, column: table.headers[i], texts });
  });
  return out;
}

/** The mapping with a suggestion for every answer text it does not cover yet (a column just
 *  mapped), and without the texts of columns no longer mapped. */
export function completeMapping(requested: ResponseMapping, table: Table, targets: Target[]): ResponseMapping {
  const columns = table.headers.map((_, i): ColumnRole => {
    const role = requested.columns[i] ?? "";
    return role.startsWith("q:") && !roleTarget(role, targets) ? "" : role;
  });
  const mapping = { ...requested, columns };
  const values: ResponseMapping["values"] = {};
  for (const { target, texts } of distinctAnswers(table, mapping, targets)) {
    if (texts.length > MAX_DISTINCT_ANSWERS) continue;
    const chosen = mapping.values[target.id] ?? {};
    values[target.id] = Object.fromEntries(
      texts.map(({ text }) => {
        if (text in chosen) return [text, chosen[text]];
        const suggested = suggestValue(target, text);
        return [text, suggested === undefined ? "" : encodeValue(suggested)];
      }),
    );
  }
  return { ...mapping, values };
}

/** The mapping the import page starts from. */
export function suggestMapping(table: Table, targets: Target[]): ResponseMapping {
  const columns = suggestColumns(table.headers, targets);
  const hasPlaceColumn = columns.some((role) => role === "compound" || role === "building");
  const place: PlaceMode = hasPlaceColumn ? { mode: "columns" } : { mode: "fixed", placeId: null };
  return completeMapping({ columns, place, values: {} }, table, targets);
}

/** Reads the mapping form: `col.<i>` roles, `placeMode`, `placeId`, and one `value:["target","text"]`
 *  per answer text. Columns the form does not name are ignored ("") until fitted to a file. */
export function mappingFromForm(form: Iterable<[string, FormDataEntryValue]>): ResponseMapping {
  const columns: ColumnRole[] = [];
  const values: ResponseMapping["values"] = {};
  let mode = "fixed";
  let placeId: number | null = null;
  for (const [name, raw] of form) {
    if (typeof raw !== "string") continue;
    if (name.startsWith("col.")) {
      const i = Number(name.slice(4));
      if (Number.isInteger(i) && i >= 0 && i < MAX_COLUMNS && isColumnRole(raw)) columns[i] = raw;
    } else if (name === "placeMode") mode = raw;
    else if (name === "placeId") placeId = wholeNumber(raw, 1, MAX_ID);
    else if (name.startsWith("value:")) {
      let key: unknown;
      try {
        key = JSON.parse(name.slice(6));
      } catch {
        continue;
      }
      if (!Array.isArray(key) || key.length !== 2 || typeof key[0] !== "string" || typeof key[1] !== "string") continue;
      (values[key[0]] ??= {})[key[1]] = raw;
    }
  }
  return {
    columns: Array.from(columns, (role) => role ?? ""),
    place: mode === "columns" ? { mode: "columns" } : { mode: "fixed", placeId },
    values,
  };
}

export const valueField = (target: string, text: string) => `value:${JSON.stringify([target, text])}`;

function isColumnRole(value: string): value is ColumnRole {
  return value === "" || value.startsWith("q:") || value in ROLE_HEADERS;
}

// China has one time zone and no daylight saving: a typed time is UTC+8.
const CHINA_OFFSET_MS = 8 * 3600_000;
const TIME = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T](\d{1,2})[:：时](\d{1,2})(?:[:：分](\d{1,2})秒?)?)?$/;

/** A time as typed in China ("2026-05-01 14:30", "2026/5/1 14:30:05", "2026年5月1日"), or null. */
export function parseChinaTime(text: string): Date | null {
  const m = TIME.exec(normalizeText(text).replace(/\s+/g, " "));
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1).map((v) => (v === undefined ? 0 : Number(v)));
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  const date = new Date(utc);
  if (date.getUTCDate() !== day) return null;
  return new Date(utc - CHINA_OFFSET_MS);
}

/** Seconds from "185", "185秒", "3分5秒", "3分钟", or null. */
export function parseDuration(text: string): number | null {
  const t = normalizeText(text).replace(/ /g, "");
  const plain = /^(\d+)(秒|s)?$/.exec(t);
  if (plain) return Number(plain[1]);
  const parts = /^(?:(\d+)(?:小时|时))?(?:(\d+)(?:分钟|分))?(?:(\d+)秒)?$/.exec(t);
  if (!parts || (!parts[1] && !parts[2] && !parts[3])) return null;
  return Number(parts[1] ?? 0) * 3600 + Number(parts[2] ?? 0) * 60 + Number(parts[3] ?? 0);
}

const MAX_LINES_LISTED = 10;

function issue(line: number | null, column: string | null, key: string, params: ImportIssue["params"] = {}): ImportIssue {
  return { line, column, key, params };
}

/** Problems with the mapping itself, before any row is read. */
export function mappingIssues(table: Table, mapping: ResponseMapping, targets: Target[]): ImportIssue[] {
  const issues: ImportIssue[] = [];
  if (table.rows.length === 0) issues.push(issue(null, null, "responses.import.noRows"));
  const firstColumn = new Map<ColumnRole, string>();
  mapping.columns.forEach((role, i) => {
    if (role === "") return;
    const column = table.headers[i];
    const other = firstColumn.get(role);
    if (other !== undefined) issues.push(issue(null, column, "responses.import.sameRole", { column, other }));
    else firstColumn.set(role, column);
  });
  if (!mapping.columns.some((role) => roleTarget(role, targets))) issues.push(issue(null, null, "responses.import.noQuestions"));
  if (mapping.place.mode === "columns" && !mapping.columns.some((r) => r === "compound" || r === "building"))
    issues.push(issue(null, null, "responses.import.noPlaceColumn"));
  if (mapping.place.mode === "fixed" && mapping.place.placeId === null) issues.push(issue(null, null, "responses.import.noFixedPlace"));
  for (const { column, texts } of distinctAnswers(table, mapping, targets))
    if (texts.length > MAX_DISTINCT_ANSWERS)
      issues.push(issue(null, column, "responses.import.tooManyAnswers", { column, n: texts.length }));
  return issues;
}

/** The rows as they would be stored, with every problem found on the way (line and column). */
export function mapRows(table: Table, mapping: ResponseMapping, targets: Target[]): { rows: MappedRow[]; issues: ImportIssue[] } {
  const issues = mappingIssues(table, mapping, targets);
  const unmapped = new Map<string, { column: string; text: string; lines: number[] }>();
  const rows: MappedRow[] = [];
  for (const { line, cells } of table.rows) {
    const row: MappedRow = { line, answers: {}, places: {}, finishedAt: null, durationSeconds: null };
    const others = new Map<string, string[]>();
    let reported = false;
    mapping.columns.forEach((role, i) => {
      const cell = cells[i] ?? "";
      const column = table.headers[i];
      if (role === "") return;
      if ((PLACE_ROLES as readonly string[]).includes(role)) {
        const name = normalizeText(cell);
        if (name) row.places[role as PlaceRole] = name;
        return;
      }
      if (role === "finishedAt" || role === "duration") {
        if (cell.trim() === "") return;
        if (role === "finishedAt") {
          row.finishedAt = parseChinaTime(cell);
          if (!row.finishedAt) issues.push(issue(line, column, "responses.import.badTime", { column, value: cell }));
        } else {
          row.durationSeconds = parseDuration(cell);
          if (row.durationSeconds === null) issues.push(issue(line, column, "responses.import.badDuration", { column, value: cell }));
        }
        return;
      }
      const target = roleTarget(role, targets);
      if (!target) return;
      if (target.kind === "text") {
        if (cell.trim()) row.answers[target.question] = cell.trim();
        return;
      }
      const chosen: AnswerValue[] = [];
      for (const text of answerParts(target, cell)) {
        const value = decodeValue(target, mapping.values[target.id]?.[text]);
        if (value === undefined) {
          reported = true;
          const key = JSON.stringify([target.id, text]);
          const seen = unmapped.get(key) ?? { column, text, lines: [] };
          seen.lines.push(line);
          unmapped.set(key, seen);
        } else if (value !== null && !chosen.includes(value)) {
          chosen.push(value);
          if (value === OTHER_VALUE) others.set(target.question, [...(others.get(target.question) ?? []), text]);
        }
      }
      if (chosen.length === 0) return;
      if (target.row !== null) {
        const cellsOfMatrix = (row.answers[target.question] ??= {}) as Record<string, AnswerValue>;
        cellsOfMatrix[String(target.row)] = chosen[0];
      } else row.answers[target.question] = target.kind === "multi" ? chosen : chosen[0];
    });
    for (const [question, texts] of others) row.answers[otherField(question)] = texts.join("、");
    if (Object.keys(row.answers).length === 0 && !reported) issues.push(issue(line, null, "responses.import.emptyRow"));
    rows.push(row);
  }
  for (const { column, text, lines } of unmapped.values()) {
    const listed = lines.slice(0, MAX_LINES_LISTED).join("、") + (lines.length > MAX_LINES_LISTED ? "…" : "");
    issues.push(issue(lines[0], column, "responses.import.unmappedValue", { column, value: text, count: lines.length, lines: listed }));
  }
  return { rows, issues };
}

// ---------------------------------------------------------------- places

export type PlaceNode = { id: number; parentId: number | null; level: Level; name: string };

export type PlaceMatch = { ok: true; placeId: number } | { ok: false; reason: "missing" | "notFound" | "ambiguous" };

/** "3", "3栋", "3幢", "3号" and "3号楼" name the same building. */
function placeKey(level: Level, name: string): string {
  const key = comparable(name);
  if (level !== "building") return key;
  const number = /^(\d+)(号楼|号|栋|幢|楼)?$/.exec(key);
  return number ? String(Number(number[1])) : key;
}

/** Finds a compound or building from the names in a row; the levels above only narrow it down. */
export function placeResolver(places: PlaceNode[]): (names: Partial<Record<PlaceRole, string>>) => PlaceMatch {
  const byId = new Map(places.map((p) => [p.id, p]));
  const byName = new Map<string, PlaceNode[]>();
  for (const p of places) {
    const key = `${p.level}/${placeKey(p.level, p.name)}`;
    byName.set(key, [...(byName.get(key) ?? []), p]);
  }
  const ancestorName = (place: PlaceNode, level: Level): string | null => {
    for (let p: PlaceNode | undefined = place; p; p = p.parentId === null ? undefined : byId.get(p.parentId))
      if (p.level === level) return placeKey(level, p.name);
    return null;
  };
  return (names) => {
    const deepest = names.building ? "building" : names.compound ? "compound" : null;
    if (!deepest) return { ok: false, reason: "missing" };
    const candidates = (byName.get(`${deepest}/${placeKey(deepest, names[deepest]!)}`) ?? []).filter((p) =>
      PLACE_ROLES.every((level) => {
        const name = names[level];
        return level === deepest || !name || ancestorName(p, level) === placeKey(level, name);
      }),
    );
    if (candidates.length === 0) return { ok: false, reason: "notFound" };
    if (candidates.length > 1) return { ok: false, reason: "ambiguous" };
    return { ok: true, placeId: candidates[0].id };
  };
}

// ---------------------------------------------------------------- completeness

const REQUIRED_KEYS = new Set(["isRequired", "requiredIf", "isAllRowRequired", "eachRowRequired"]);

/** The definition with every "must be answered" rule taken out: a row that passes it but not the
 *  original is partial (a paper questionnaire with a required question left blank), while a row
 *  that fails even this has an answer that is wrong in itself. */
export function withoutRequired(definition: unknown): unknown {
  if (Array.isArray(definition)) return definition.map(withoutRequired);
  if (!definition || typeof definition !== "object") return definition;
  return Object.fromEntries(
    Object.entries(definition)
      .filter(([key]) => !REQUIRED_KEYS.has(key))
      .map(([key, value]) => [key, withoutRequired(value)]),
  );
}

export type AnswerProblem = { question: string; key: string; params: ImportIssue["params"] };

/**
 * A mapped row as the resident page would have let it through, without survey-core (whose
 * per-row cost adds up over a preview of thousands of rows; confirming still runs it): answers
 * to questions that the other answers hide are dropped, numbers typed into number fields become
 * numbers, over-long texts are problems, and the row is complete when every visible required
 * question has an answer.
 */
export function checkRowAnswers(survey: RenderSurvey, given: Record<string, unknown>) {
  const answers = { ...given };
  const questions = survey.elements.filter((e): e is RenderQuestion => e.type !== "html");
  const visible = (q: RenderQuestion) => !q.visibleIf || evaluateCondition(q.visibleIf, answers);
  for (let changed = true; changed;) {
    changed = false;
    for (const q of questions)
      if (!visible(q))
        for (const key of [q.name, otherField(q.name)])
          if (key in answers) {
            delete answers[key];
            changed = true;
          }
  }
  const problems: AnswerProblem[] = [];
  for (const q of questions) {
    const value = answers[q.name];
    if ((q.type !== "text" && q.type !== "comment") || typeof value !== "string") continue;
    if (q.type === "text" && q.inputType === "number") {
      const number = Number(normalizeText(value));
      if (Number.isFinite(number)) answers[q.name] = number;
      else problems.push({ question: q.name, key: "responses.import.notNumber", params: { value } });
    } else if (q.maxLength !== null && q.maxLength > 0 && [...value].length > q.maxLength)
      problems.push({ question: q.name, key: "responses.import.tooLong", params: { max: q.maxLength } });
  }
  const complete = questions.every((q) => !q.isRequired || !visible(q) || isAnswered(q, answers));
  return { answers, complete, problems };
}
