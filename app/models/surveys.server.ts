// Surveys (editable drafts) and their published, immutable versions.
import { sql } from "~/db.server";

export const SURVEY_KINDS = ["household", "quiz", "callback", "visit", "other"] as const;
export type SurveyKind = (typeof SURVEY_KINDS)[number];

export type SurveySummary = {
  id: number;
  title: string;
  kind: SurveyKind;
  updatedAt: Date;
  latestVersion: number | null;
  latestVersionId: number | null;
  /** The draft differs from the latest published version (or nothing is published yet). */
  unpublishedChanges: boolean;
};

export async function listSurveys(countyId: number) {
  return sql<SurveySummary[]>`
    select s.id, s.title, s.kind, s.updated_at as "updatedAt",
           v.version as "latestVersion", v.id as "latestVersionId",
           (v.id is null or v.definition <> s.draft) as "unpublishedChanges"
    from surveys s
    left join lateral (select id, version, definition from survey_versions where survey_id = s.id order by version desc limit 1) v on true
    where s.county_id = ${countyId}
    order by s.updated_at desc, s.id desc`;
}

export type Survey = SurveySummary & { draft: Record<string, unknown> };

export async function getSurvey(countyId: number, surveyId: number): Promise<Survey | null> {
  const [survey] = await sql<Survey[]>`
    select s.id, s.title, s.kind, s.updated_at as "updatedAt", s.draft,
           v.version as "latestVersion", v.id as "latestVersionId",
           (v.id is null or v.definition <> s.draft) as "unpublishedChanges"
    from surveys s
    left join lateral (select id, version, definition from survey_versions where survey_id = s.id order by version desc limit 1) v on true
    where s.county_id = ${countyId} and s.id = ${surveyId}`;
  return survey ?? null;
}

export async function createSurvey(
  actor: { id: number | null; countyId: number },
  input: { title: string; kind: SurveyKind; draft: Record<string, unknown> },
): Promise<number> {
  const [row] = await sql<{ id: number }[]>`
    insert into surveys (county_id, title, kind, draft, created_by)
    values (${actor.countyId}, ${input.title}, ${input.kind}, ${sql.json(input.draft as never)}, ${actor.id})
    returning id`;
  return row.id;
}

export async function saveDraft(countyId: number, surveyId: number, input: { title: string; draft: Record<string, unknown> }) {
  const result = await sql`
    update surveys set title = ${input.title}, draft = ${sql.json(input.draft as never)}, updated_at = now()
    where id = ${surveyId} and county_id = ${countyId}`;
  return result.count === 1;
}

export type SurveyVersion = {
  id: number;
  surveyId: number;
  version: number;
  title: string;
  kind: SurveyKind;
  definition: Record<string, unknown>;
  publishedAt: Date;
};

/** Freezes the current draft as the next version. Returns the existing latest version when the
 *  draft has not changed since, so publishing twice does not make empty versions. With `edit`,
 *  the draft is saved first in the same transaction (the editor's "publish" saves what is on screen). */
export async function publishSurvey(
  actor: { id: number | null; countyId: number },
  surveyId: number,
  edit?: { title: string; draft: Record<string, unknown> },
) {
  return sql.begin(async (tx) => {
    const [survey] = edit
      ? await tx<{ title: string; draft: Record<string, unknown> }[]>`
          update surveys set title = ${edit.title}, draft = ${tx.json(edit.draft as never)}, updated_at = now()
          where id = ${surveyId} and county_id = ${actor.countyId}
          returning title, draft`
      : await tx<{ title: string; draft: Record<string, unknown> }[]>`
          select title, draft from surveys where id = ${surveyId} and county_id = ${actor.countyId} for update`;
    if (!survey) return null;
    const [latest] = await tx<{ id: number; version: number; same: boolean }[]>`
      select id, version, definition = ${tx.json(survey.draft as never)} as same from survey_versions
      where county_id = ${actor.countyId} and survey_id = ${surveyId} order by version desc limit 1`;
    if (latest?.same) return { id: latest.id, version: latest.version, created: false };
    const [created] = await tx<{ id: number; version: number }[]>`
      insert into survey_versions (county_id, survey_id, version, title, definition, published_by)
      values (${actor.countyId}, ${surveyId}, ${(latest?.version ?? 0) + 1}, ${survey.title},
              ${tx.json(survey.draft as never)}, ${actor.id})
      returning id, version`;
    return { ...created, created: true };
  });
}

export async function listVersions(countyId: number, surveyId: number) {
  return sql<{ id: number; version: number; title: string; publishedAt: Date }[]>`
    select id, version, title, published_at as "publishedAt" from survey_versions
    where survey_id = ${surveyId} and county_id = ${countyId} order by version desc`;
}

/** The newest published version of each of the county's questionnaires (what a round can show after "reached"), quizzes first. */
export async function latestVersions(countyId: number) {
  const rows = await sql<{ id: number; title: string; version: number; kind: SurveyKind }[]>`
    select distinct on (v.survey_id) v.id, v.title, v.version, s.kind
    from survey_versions v join surveys s on s.id = v.survey_id
    where v.county_id = ${countyId}
    order by v.survey_id, v.version desc`;
  return rows.sort((a, b) => Number(b.kind === "quiz") - Number(a.kind === "quiz") || a.id - b.id);
}

export async function getSurveyVersion(countyId: number, surveyId: number, version: number): Promise<SurveyVersion | null> {
  const [row] = await sql<SurveyVersion[]>`
    select v.id, v.survey_id as "surveyId", v.version, v.title, s.kind, v.definition, v.published_at as "publishedAt"
    from survey_versions v join surveys s on s.id = v.survey_id
    where v.survey_id = ${surveyId} and v.version = ${version} and v.county_id = ${countyId}`;
  return row ?? null;
}

// jsonb keeps keys sorted by length, which would put a survey's title after all its pages and a
// question's name before its type; the editor and exports show them in the order people write them.
const LEADING_KEYS = ["type", "name", "title", "description"];
const TRAILING_KEYS = ["choices", "rows", "columns", "templateElements", "elements", "pages"];

function keyRank(key: string) {
  const lead = LEADING_KEYS.indexOf(key);
  if (lead >= 0) return lead - LEADING_KEYS.length;
  return TRAILING_KEYS.indexOf(key) + 1;
}

function readableOrder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(readableOrder);
  if (!value || typeof value !== "object") return value;
  const entries = Object.entries(value).sort((a, b) => keyRank(a[0]) - keyRank(b[0]));
  return Object.fromEntries(entries.map(([key, v]) => [key, readableOrder(v)]));
}

const INLINE_ARRAY_CHARS = 100;

/** JSON with two-space indent, but a short list of plain values (choices) stays on one line. */
function formatJson(value: unknown, indent: string): string {
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    if (value.every((v) => v === null || typeof v !== "object")) {
      const inline = `[${value.map((v) => JSON.stringify(v)).join(", ")}]`;
      if (inline.length <= INLINE_ARRAY_CHARS) return inline;
    }
    return `[\n${value.map((v) => inner + formatJson(v, inner)).join(",\n")}\n${indent}]`;
  }
  if (value && typeof value === "object") {
    const entries = Object.entries(value);
    if (entries.length === 0) return "{}";
    return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${formatJson(v, inner)}`).join(",\n")}\n${indent}}`;
  }
  return JSON.stringify(value);
}

/** A stored definition as the editor shows it and exports write it. */
export function definitionText(definition: unknown): string {
  return `${formatJson(readableOrder(definition), "")}\n`;
}

/** The survey-level title of a definition (plain or localized), for naming an imported survey. */
export function definitionTitle(definition: Record<string, unknown>): string | null {
  const title = definition.title;
  if (typeof title === "string") return title.trim() || null;
  if (title && typeof title === "object") {
    const texts = title as Record<string, unknown>;
    const text = texts["zh-cn"] ?? texts.default ?? Object.values(texts)[0];
    if (typeof text === "string") return text.trim() || null;
  }
  return null;
}
