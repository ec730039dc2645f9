// Importing answers from a spreadsheet into a campaign. The file is read once and kept in
// response_uploads while the office maps it; every preview is the real plan (the same code
// confirming runs), and confirming stores all rows in one transaction or none. Each row's
// client key comes from the file's hash and line, so importing the same file again adds nothing.
import { createHash } from "node:crypto";
import { sql } from "~/db.server";
import { inScope } from "~/models/places.server";
import type { Level } from "~/domain/places";
import type { ImportIssue } from "~/domain/register-import";
import {
  completeMapping,
  distinctAnswers,
  mappingTargets,
  mapRows,
  PLACE_ROLES,
  placeResolver,
  suggestMapping,
  type DistinctAnswers,
  type MappedRow,
  type PlaceNode,
  type PlaceRole,
  type ResponseMapping,
  type Target,
  checkRowAnswers,
  withoutRequired,
} from "~/domain/response-mapping";
import { recordAudit } from "~/models/audit.server";
import { campaignInScope, linksOf, type Campaign } from "~/models/campaigns.server";
import type { CurrentUser } from "~/models/users.server";
import { buildRenderSurvey } from "~/survey/render";
import { describeAnswers, validateAnswers, type AnswerLine } from "~/survey/validate.server";
import { readTable, TableReadError, type Table } from "~/utils/tabular.server";

type Importer = Pick<CurrentUser, "id" | "countyId" | "scopePlaceId" | "scopeGridId">;

const MAX_IMPORT_ROWS = 50_000;
const PREVIEW_ROWS = 10;
const INSERT_CHUNK = 1000;
const UPLOAD_HOURS = 24;
const YIELD_EVERY = 10;

const issue = (key: string, params: ImportIssue["params"] = {}): ImportIssue => ({ line: null, column: null, key, params });

/** Reads the file and keeps it for mapping; the file problems come back as issues. */
export async function stageResponseUpload(
  user: Importer,
  input: { campaignId: number; filename: string; data: Uint8Array },
): Promise<{ ok: true; uploadId: number } | { ok: false; issues: ImportIssue[] }> {
  const campaign = await campaignInScope(user, input.campaignId);
  if (!campaign) return { ok: false, issues: [issue("responses.import.noCampaign")] };
  let table: Table;
  try {
    table = await readTable(input.data, input.filename, { maxRows: MAX_IMPORT_ROWS });
  } catch (error) {
    if (error instanceof TableReadError) return { ok: false, issues: [issue(error.key, error.params)] };
    throw error;
  }
  if (table.rows.length === 0) return { ok: false, issues: [issue("responses.import.noRows")] };
  const sha256 = createHash("sha256").update(input.data).digest("hex");
  const uploadId = await sql.begin(async (tx) => {
    await tx`delete from response_uploads where county_id = ${user.countyId} and user_id = ${user.id} and created_at < now() - make_interval(hours => ${UPLOAD_HOURS})`;
    const [row] = await tx<{ id: number }[]>`
      insert into response_uploads (county_id, campaign_id, user_id, filename, sha256, headers, rows)
      values (${user.countyId}, ${campaign.id}, ${user.id}, ${input.filename}, ${sha256},
              ${tx.json(table.headers)}, ${tx.json(table.rows as never)})
      returning id`;
    return row.id;
  });
  return { ok: true, uploadId };
}

type Upload = { id: number; filename: string; sha256: string; campaign: Campaign; table: Table };

async function loadUpload(user: Importer, uploadId: number): Promise<Upload | null> {
  const [row] = await sql<{ id: number; filename: string; sha256: string; campaignId: number; headers: string[]; rows: Table["rows"] }[]>`
    select id, filename, sha256, campaign_id as "campaignId", headers, rows
    from response_uploads where id = ${uploadId} and user_id = ${user.id} and county_id = ${user.countyId}`;
  if (!row) return null;
  const campaign = await campaignInScope(user, row.campaignId);
  if (!campaign) return null;
  return { id: row.id, filename: row.filename, sha256: row.sha256, campaign, table: { headers: row.headers, rows: row.rows } };
}

export async function cancelResponseUpload(user: Importer, uploadId: number) {
  await sql`delete from response_uploads where county_id = ${user.countyId} and id = ${uploadId} and user_id = ${user.id}`;
}

/** The key that makes a re-import of the same file store nothing new. */
const importClientKey = (sha256: string, line: number) => `imp-${sha256.slice(0, 40)}-${line}`;

type PlannedRow = MappedRow & { placeId: number; complete: boolean; clientKey: string };

export type PreviewRow = { line: number; place: string; finishedAt: Date | null; complete: boolean; answers: AnswerLine[] };

export type ImportPlan = {
  uploadId: number;
  filename: string;
  campaign: Pick<Campaign, "id" | "name" | "surveyTitle" | "version">;
  headers: string[];
  /** The first data row, to recognise the columns by. */
  examples: string[];
  targets: Target[];
  /** Compounds and buildings of the campaign inside the importer's scope (for "all rows at one place"). */
  places: { id: number; label: string }[];
  mapping: ResponseMapping;
  distinct: DistinctAnswers[];
  issues: ImportIssue[];
  preview: PreviewRow[];
  counts: { rows: number; complete: number; partial: number; alreadyImported: number };
};

type PlaceInfo = PlaceNode & { inScope: boolean; inCampaign: boolean; label: string };

async function placesFor(user: Importer, campaignId: number): Promise<Map<number, PlaceInfo>> {
  const scope = inScope(user, "p.path");
  const rows = await sql<(PlaceNode & { inScope: boolean; inCampaign: boolean })[]>`
    select p.id, p.parent_id as "parentId", p.level, p.name, ${scope} as "inScope",
      p.path && (select array_agg(place_id) from campaign_targets where campaign_id = ${campaignId}) as "inCampaign"
    from places p
    where p.county_id = ${user.countyId} and p.level in ('street','community','compound','building')`;
  const byId = new Map(rows.map((p) => [p.id, p]));
  const label = (p: PlaceNode): string => {
    const parent = p.parentId === null ? undefined : byId.get(p.parentId);
    return parent ? `${label(parent)} ${p.name}` : p.name;
  };
  return new Map(rows.map((p) => [p.id, { ...p, label: label(p) }]));
}

const PLACE_LEVELS: Level[] = ["compound", "building"];

function placeText(names: Partial<Record<PlaceRole, string>>): string {
  return PLACE_ROLES.flatMap((level) => names[level] ?? []).join(" ");
}

/** survey-core's verdict on each distinct set of answers, once: rows of a short questionnaire
 *  repeat, and each check costs milliseconds. */
function authoritativeCheck(definition: Record<string, unknown>) {
  const relaxed = withoutRequired(definition);
  const verdicts = new Map<
    string,
    { ok: true; answers: Record<string, unknown>; complete: boolean } | { ok: false; errors: Record<string, string[]> }
  >();
  return (answers: Record<string, unknown>) => {
    const key = JSON.stringify(answers);
    let verdict = verdicts.get(key);
    if (!verdict) {
      const strict = validateAnswers(definition, answers);
      if (strict.ok) verdict = { ok: true, answers: strict.answers, complete: true };
      else {
        // A required question left blank makes the response partial; any other error is a problem.
        const loose = validateAnswers(relaxed, answers);
        verdict = loose.ok ? { ok: true, answers: loose.answers, complete: false } : loose;
      }
      verdicts.set(key, verdict);
    }
    return verdict;
  };
}

/** The rows of the upload as they would be stored, and every problem. A preview checks answers
 *  with the same pure rules as the resident page; confirming also asks survey-core. */
async function plan(user: Importer, upload: Upload, requested: ResponseMapping | null, authoritative: boolean) {
  const { campaign, table } = upload;
  const [version] = await sql<{ definition: Record<string, unknown> }[]>`
    select definition from survey_versions where county_id = ${user.countyId} and id = ${campaign.surveyVersionId}`;
  const survey = buildRenderSurvey(version.definition);
  const targets = mappingTargets(survey);
  const mapping = requested ? completeMapping(requested, table, targets) : suggestMapping(table, targets);
  const { rows, issues } = mapRows(table, mapping, targets);
  const places = await placesFor(user, campaign.id);

  const placeIds: (number | null)[] = rows.map(() => null);
  if (mapping.place.mode === "fixed") {
    const fixed = mapping.place.placeId === null ? undefined : places.get(mapping.place.placeId);
    if (fixed && PLACE_LEVELS.includes(fixed.level) && fixed.inScope && fixed.inCampaign) placeIds.fill(fixed.id);
    else if (mapping.place.placeId !== null) issues.push(issue("responses.import.noFixedPlace"));
  } else if (mapping.columns.some((r) => r === "compound" || r === "building")) {
    const resolve = placeResolver([...places.values()]);
    rows.forEach((row, i) => {
      const place = placeText(row.places);
      const found = resolve(row.places);
      const at = { line: row.line, column: null };
      if (!found.ok) issues.push({ ...at, key: `responses.import.place.${found.reason}`, params: { place } });
      else if (!places.get(found.placeId)!.inScope) issues.push({ ...at, key: "responses.import.outOfScope", params: { place } });
      else if (!places.get(found.placeId)!.inCampaign) issues.push({ ...at, key: "responses.import.outOfCampaign", params: { place } });
      else placeIds[i] = found.placeId;
    });
  }

  const columnOf = (question: string) => {
    const i = mapping.columns.findIndex((role) => targets.some((t) => role === `q:${t.id}` && t.question === question));
    return i >= 0 ? table.headers[i] : question;
  };
  const problem = (line: number, question: string, key: string, params: ImportIssue["params"]) => {
    const column = columnOf(question);
    issues.push({ line, column, key, params: { ...params, column } });
  };
  const check = authoritative ? authoritativeCheck(version.definition) : null;
  const planned: PlannedRow[] = [];
  for (const [i, row] of rows.entries()) {
    // survey-core is synchronous: let other requests through now and then.
    if (check && i % YIELD_EVERY === YIELD_EVERY - 1) await new Promise((resolve) => setImmediate(resolve));
    const pure = checkRowAnswers(survey, row.answers);
    for (const p of pure.problems) problem(row.line, p.question, p.key, p.params);
    if (pure.problems.length > 0) continue;
    let { answers, complete } = pure;
    // Once anything is wrong nothing will be stored; the slow check would add nothing.
    if (check && issues.length === 0) {
      const verdict = check(answers);
      if (!verdict.ok) {
        for (const [question, messages] of Object.entries(verdict.errors))
          problem(row.line, question, "responses.import.invalidAnswer", { message: messages.join(" ") });
        continue;
      }
      ({ answers, complete } = verdict);
    }
    const placeId = placeIds[i];
    if (placeId !== null) planned.push({ ...row, answers, placeId, complete, clientKey: importClientKey(upload.sha256, row.line) });
  }

  const keys = planned.map((r) => r.clientKey);
  const existing = new Set(
    (
      await sql<{ clientKey: string }[]>`
      select client_key as "clientKey" from responses where county_id = ${user.countyId} and campaign_id = ${campaign.id} and client_key = any(${keys}::text[])`
    ).map((r) => r.clientKey),
  );
  return { version, targets, mapping, issues, planned, existing, places };
}

/** What importing the upload with this mapping (or the suggested one) would store, and its problems. */
export async function planResponseImport(user: Importer, uploadId: number, requested: ResponseMapping | null): Promise<ImportPlan | null> {
  const upload = await loadUpload(user, uploadId);
  if (!upload) return null;
  const { version, targets, mapping, issues, planned, existing, places } = await plan(user, upload, requested, false);
  const links = await linksOf(user, upload.campaign.id);
  return {
    uploadId: upload.id,
    filename: upload.filename,
    campaign: {
      id: upload.campaign.id,
      name: upload.campaign.name,
      surveyTitle: upload.campaign.surveyTitle,
      version: upload.campaign.version,
    },
    headers: upload.table.headers,
    examples: upload.table.rows[0]?.cells ?? [],
    targets,
    places: links.map((l) => ({ id: l.placeId, label: places.get(l.placeId)?.label ?? l.placeName })),
    mapping,
    distinct: distinctAnswers(upload.table, mapping, targets),
    issues,
    preview: planned.slice(0, PREVIEW_ROWS).map((r) => ({
      line: r.line,
      place: places.get(r.placeId)?.label ?? "",
      finishedAt: r.finishedAt,
      complete: r.complete,
      answers: describeAnswers(version.definition, r.answers).filter((a) => a.text !== ""),
    })),
    counts: {
      rows: upload.table.rows.length,
      complete: planned.filter((r) => r.complete).length,
      partial: planned.filter((r) => !r.complete).length,
      alreadyImported: existing.size,
    },
  };
}

export type ImportOutcome =
  { ok: true; importId: number; campaignId: number; inserted: number; alreadyImported: number } | { ok: false; issues: ImportIssue[] };

/** Stores every row of the upload, or nothing when any row has a problem. Null when the upload is gone. */
export async function confirmResponseImport(
  user: Importer,
  uploadId: number,
  requested: ResponseMapping,
  ip: string | null,
): Promise<ImportOutcome | null> {
  const upload = await loadUpload(user, uploadId);
  if (!upload) return null;
  const { mapping, issues, planned } = await plan(user, upload, requested, true);
  if (issues.length > 0) return { ok: false, issues };
  const { campaign } = upload;
  const result = await sql.begin(async (tx) => {
    // Two clicks on "confirm" arrive one after the other; the second finds the upload gone.
    const [claimed] = await tx`delete from response_uploads where county_id = ${user.countyId} and id = ${upload.id} returning id`;
    if (!claimed) return null;
    const [record] = await tx<{ id: number }[]>`
      insert into response_imports (county_id, campaign_id, user_id, filename, sha256, mapping, rows)
      values (${user.countyId}, ${campaign.id}, ${user.id}, ${upload.filename}, ${upload.sha256}, ${tx.json(mapping as never)}, 0)
      returning id`;
    const now = new Date();
    let inserted = 0;
    for (let i = 0; i < planned.length; i += INSERT_CHUNK) {
      const batch = planned.slice(i, i + INSERT_CHUNK).map((r) => {
        const finishedAt = r.finishedAt ?? now;
        return {
          county_id: user.countyId,
          campaign_id: campaign.id,
          survey_version_id: campaign.surveyVersionId,
          place_id: r.placeId,
          channel: "import",
          answers: tx.json(r.answers as never),
          client_key: r.clientKey,
          started_at: r.finishedAt && r.durationSeconds !== null ? new Date(finishedAt.getTime() - r.durationSeconds * 1000) : null,
          finished_at: finishedAt,
          duration_seconds: r.durationSeconds,
          import_id: record.id,
          complete: r.complete,
        };
      });
      const stored = await tx`insert into responses ${tx(batch)} on conflict (campaign_id, client_key) do nothing returning id`;
      inserted += stored.length;
    }
    await tx`update response_imports set rows = ${inserted} where county_id = ${user.countyId} and id = ${record.id}`;
    return { importId: record.id, campaignId: campaign.id, inserted, alreadyImported: planned.length - inserted };
  });
  if (!result) return null;
  await recordAudit(user, "response.import", {
    target: `campaign:${campaign.id}`,
    details: {
      importId: result.importId,
      filename: upload.filename,
      rows: planned.length,
      inserted: result.inserted,
      alreadyImported: result.alreadyImported,
    },
    ip,
  });
  return { ok: true, ...result };
}
