// Responses: written once, never edited (a trigger enforces it); voiding keeps the row.
import { sql } from "~/db.server";
import type { ResponseFilters, ResponseStatus } from "~/domain/response-filters";
import { inScope } from "~/models/places.server";
import { coversScope, resolveLink, type ResidentLink } from "~/models/campaigns.server";
import { appEnv } from "~/utils/env.server";
import { countLink } from "~/models/link-counters.server";
import { describeAnswers, validateAnswers, type AnswerLine } from "~/survey/validate.server";
import type { Level } from "~/domain/places";
import { recordAudit } from "~/models/audit.server";
import type { CurrentUser, ScopedUser } from "~/models/users.server";

export type Submission = {
  code: string;
  /** Generated on the device when the questionnaire is first opened: a retry or a double tap
   *  sends the same key, and only one response is stored. */
  clientKey: string;
  versionId: number;
  answers: unknown;
  startedAt: Date | null;
  deviceId: string | null;
  householdCode: string | null;
  userAgent: string | null;
  channel: "qr" | "link" | "volunteer";
  collectedBy: number | null;
  /** The household a volunteer filled the questionnaire with (a household code, when the
   *  campaign needs one, names its own household). */
  householdId?: number | null;
  /** When the phone finished it, for a questionnaire queued offline and sent later: its duration
   *  is measured on the phone's clock from start to finish, not up to its arrival. */
  finishedOnDevice?: Date | null;
};

export type SubmitRefusal =
  "notFound" | "notOpen" | "paused" | "closed" | "versionMismatch" | "codeRequired" | "codeUnknown" | "codeUsed" | "deviceUsed";

export type SubmitOutcome =
  | { ok: true; responseId: string; replay: boolean }
  | { ok: false; reason: SubmitRefusal }
  | { ok: false; reason: "invalid"; errors: Record<string, string[]> };

const MAX_DURATION_SECONDS = 24 * 3600;

/**
 * Stores a resident's submission, once per client key. The link, its campaign and definition
 * come from memory (resolveLink with a few seconds' campaign cache: only for validating; the
 * database function decides with the campaign as it is now), and the submission joins the next
 * call of `submit_responses` (db/migrations/006_write_path.sql): at most SUBMIT_CALLS calls run
 * at once, each taking everything that waits, so under load many submissions share one
 * transaction, one INSERT with its tally trigger, and one round trip. A submission refused
 * here first looks for a stored one with its key: a replay of a stored submission succeeds
 * again whatever has changed since (closing, the household code now being used).
 */
export async function submitResponse(s: Submission, now = new Date(), resolved: ResidentLink | null = null): Promise<SubmitOutcome> {
  const link = resolved ?? (await resolveLink(s.code, CAMPAIGN_CACHE_MS));
  if (!link) return { ok: false, reason: "notFound" };
  const { campaign } = link;

  const refuse = async (outcome: SubmitOutcome): Promise<SubmitOutcome> => {
    const [stored] = await sql<{ id: string }[]>`
      select id::text from responses where county_id = ${link.countyId} and campaign_id = ${campaign.id} and client_key = ${s.clientKey}`;
    return stored ? { ok: true, responseId: stored.id, replay: true } : outcome;
  };
  if (s.versionId !== campaign.surveyVersionId) return refuse({ ok: false, reason: "versionMismatch" });
  const checked = validateAnswers(link.definition, s.answers);
  if (!checked.ok) return refuse({ ok: false, reason: "invalid", errors: checked.errors });
  if (campaign.duplicatePolicy === "household" && !s.householdCode) return refuse({ ok: false, reason: "codeRequired" });

  const startedAt =
    s.startedAt && s.startedAt <= now && now.getTime() - s.startedAt.getTime() <= MAX_DURATION_SECONDS * 1000 ? s.startedAt : null;
  const finished =
    startedAt && s.finishedOnDevice && s.finishedOnDevice >= startedAt && s.finishedOnDevice <= now ? s.finishedOnDevice : now;
  const result = await batched({
    county: link.countyId,
    campaign: campaign.id,
    version: s.versionId,
    place: link.placeId,
    link: link.linkId,
    code: s.householdCode ? s.householdCode.toUpperCase() : null,
    channel: s.channel,
    answers: checked.answers,
    key: s.clientKey,
    device: s.deviceId,
    started: startedAt?.toISOString() ?? null,
    duration: startedAt ? Math.round((finished.getTime() - startedAt.getTime()) / 1000) : null,
    agent: s.userAgent?.slice(0, 300) ?? null,
    collected_by: s.collectedBy,
    household: s.householdId ?? null,
    at: now.toISOString(),
  });
  if (result.outcome === "stored") countLink(link, "completions");
  if (result.outcome === "stored" || result.outcome === "replay")
    return { ok: true, responseId: result.responseId!, replay: result.outcome === "replay" };
  return { ok: false, reason: result.outcome };
}

/** How old the campaign row used for validating a submission may be (the database re-checks). */
export const CAMPAIGN_CACHE_MS = 5000;
/** Calls of submit_responses running at once (the rest of the pool serves pages). Two keep both
 *  cores busy (one batch is built while the other is stored); more only make batches smaller. */
const SUBMIT_CALLS = Math.max(1, Math.min(2, appEnv().DATABASE_POOL - 1));
const BATCH_MAX = 100;

type Item = {
  county: number;
  campaign: number;
  version: number;
  place: number;
  link: number;
  code: string | null;
  channel: Submission["channel"];
  answers: Record<string, unknown>;
  key: string;
  device: string | null;
  started: string | null;
  duration: number | null;
  agent: string | null;
  collected_by: number | null;
  household: number | null;
  /** When it arrived (finished_at; the campaign's times are compared with it). */
  at: string;
};
type ItemOutcome = { outcome: "stored" | "replay" | SubmitRefusal; responseId: string | null };
type Waiting = { item: Item; done: (r: ItemOutcome) => void; failed: (e: unknown) => void };

const waiting: Waiting[] = [];
let running = 0;

function batched(item: Item): Promise<ItemOutcome> {
  return new Promise((done, failed) => {
    waiting.push({ item, done, failed });
    pump();
  });
}

function pump() {
  while (running < SUBMIT_CALLS && waiting.length > 0) {
    const batch = waiting.splice(0, BATCH_MAX);
    running++;
    void store(batch).finally(() => {
      running--;
      pump();
    });
  }
}

async function store(batch: Waiting[]) {
  // The same client key twice in one call (a double tap): the second shares the first's outcome.
  const first = new Map<string, Waiting>();
  const twins: [Waiting, Waiting][] = [];
  const unique: Waiting[] = [];
  for (const w of batch) {
    const k = `${w.item.campaign}:${w.item.key}`;
    const seen = first.get(k);
    if (seen) twins.push([w, seen]);
    else {
      first.set(k, w);
      unique.push(w);
    }
  }
  const outcomes = new Map<Waiting, ItemOutcome>();
  try {
    const rows = await sql<{ item: number; outcome: ItemOutcome["outcome"]; responseId: string | null }[]>`
      select item, outcome, response_id::text as "responseId"
      from submit_responses(${sql.json(unique.map((w) => w.item) as never)}::jsonb)`;
    for (const r of rows) outcomes.set(unique[r.item - 1], { outcome: r.outcome, responseId: r.responseId });
  } catch (error) {
    // One bad submission must not fail the others: alone, each fails only for itself.
    if (unique.length > 1) {
      await Promise.all(unique.map((w) => store([w])));
      for (const [w, seen] of twins) store([{ ...seen, done: w.done, failed: w.failed }]);
      return;
    }
    for (const w of batch) w.failed(error);
    return;
  }
  for (const w of unique) w.done(outcomes.get(w)!);
  for (const [w, seen] of twins) {
    const o = outcomes.get(seen)!;
    w.done(o.outcome === "stored" ? { outcome: "replay", responseId: o.responseId } : o);
  }
}

/** Whether this device has already answered a one-per-device campaign (to say so up front).
 *  Asked on every page GET, so the questions asked in one turn of the event loop share one query
 *  per campaign: fifty phones opening the page at once cost one round trip, not fifty. */
export function deviceHasAnswered(campaign: { id: number; countyId: number }, deviceId: string | null): Promise<boolean> {
  if (!deviceId) return Promise.resolve(false);
  return new Promise((resolve, reject) => {
    let asking = deviceQuestions.get(campaign.id);
    if (!asking) deviceQuestions.set(campaign.id, (asking = { countyId: campaign.countyId, questions: [] }));
    asking.questions.push({ deviceId, resolve, reject });
    if (deviceQuestions.size === 1 && asking.questions.length === 1) setImmediate(askDevices);
  });
}

type DeviceQuestion = { deviceId: string; resolve: (answered: boolean) => void; reject: (error: unknown) => void };
let deviceQuestions = new Map<number, { countyId: number; questions: DeviceQuestion[] }>();

function askDevices() {
  const asked = deviceQuestions;
  deviceQuestions = new Map();
  for (const [campaignId, { countyId, questions }] of asked) {
    const ids = [...new Set(questions.map((q) => q.deviceId))];
    sql<{ deviceId: string }[]>`select device_id as "deviceId" from campaign_devices
      where county_id = ${countyId} and campaign_id = ${campaignId} and device_id = any(${ids}::text[])`.then(
      (rows) => {
        const answered = new Set(rows.map((r) => r.deviceId));
        for (const q of questions) q.resolve(answered.has(q.deviceId));
      },
      (error: unknown) => {
        for (const q of questions) q.reject(error);
      },
    );
  }
}

// ---------------------------------------------------------------- the office's view

/** A scoped user whose id is recorded (who voided, who collected). */
type Reader = ScopedUser & Pick<CurrentUser, "id">;

function matching(user: Reader, f: Omit<ResponseFilters, "status">) {
  return sql`r.county_id = ${user.countyId} and ${inScope(user, "r.path")}
    ${f.campaignId ? sql`and r.campaign_id = ${f.campaignId}` : sql``}
    ${f.placeId ? sql`and r.path @> array[${f.placeId}]::int[]` : sql``}
    ${f.from ? sql`and r.finished_at >= (${f.from}::date::timestamp at time zone 'Asia/Shanghai')` : sql``}
    ${f.to ? sql`and r.finished_at < ((${f.to}::date + 1)::timestamp at time zone 'Asia/Shanghai')` : sql``}`;
}

function withStatus(status: ResponseStatus) {
  switch (status) {
    case "valid":
      return sql`and r.voided_at is null`;
    case "complete":
      return sql`and r.voided_at is null and r.complete`;
    case "partial":
      return sql`and r.voided_at is null and not r.complete`;
    case "voided":
      return sql`and r.voided_at is not null`;
    case "all":
      return sql``;
  }
}

export type ResponseCounts = { valid: number; complete: number; partial: number; voided: number };

export type ResponseListRow = {
  id: string;
  campaignName: string;
  placeLabel: string;
  finishedAt: Date;
  channel: Channel;
  complete: boolean;
  voided: boolean;
  imported: boolean;
  /** Who filled it with the resident (volunteer-assisted), if anybody. */
  collector: string | null;
};

export type Channel = "qr" | "link" | "volunteer" | "import";

export const RESPONSE_PAGE_SIZE = 50;

/** One page of responses (newest first) and the counts of everything the filters match. */
export async function listResponses(user: Reader, filters: ResponseFilters, page = 1) {
  const where = matching(user, filters);
  const [rows, [counts]] = await Promise.all([
    sql<ResponseListRow[]>`
      select r.id::text, c.name as "campaignName", r.finished_at as "finishedAt", r.channel, r.complete,
        r.voided_at is not null as voided, r.import_id is not null as imported, cu.display_name as collector,
        (select string_agg(a.name, ' ' order by array_length(a.path, 1)) from places a
          where a.id = any(r.path) and a.level in ('community','compound','building')) as "placeLabel"
      from responses r join campaigns c on c.id = r.campaign_id left join users cu on cu.id = r.collected_by
      where ${where} ${withStatus(filters.status)}
      order by r.finished_at desc, r.id desc
      limit ${RESPONSE_PAGE_SIZE} offset ${(Math.max(1, page) - 1) * RESPONSE_PAGE_SIZE}`,
    sql<ResponseCounts[]>`
      select count(*) filter (where r.voided_at is null)::int as valid,
        count(*) filter (where r.voided_at is null and r.complete)::int as complete,
        count(*) filter (where r.voided_at is null and not r.complete)::int as partial,
        count(*) filter (where r.voided_at is not null)::int as voided
      from responses r where ${where}`,
  ]);
  const total = filters.status === "all" ? counts.valid + counts.voided : counts[filters.status];
  return { rows, counts, total };
}

/** What the filters offer: the campaigns over the user's scope, and the areas of that scope. */
export async function responseFilterChoices(user: Reader) {
  // Areas down to compounds; a grid's areas are its buildings.
  const levels = user.scopeGridId === null ? ["county", "street", "community", "compound"] : ["building"];
  const [campaigns, places] = await Promise.all([
    sql<{ id: number; name: string }[]>`
      select c.id, c.name from campaigns c where c.county_id = ${user.countyId} and ${coversScope(user)} order by c.created_at desc, c.id desc`,
    sql<{ id: number; name: string; level: Level; depth: number }[]>`
      select p.id, p.name, p.level, array_length(p.path, 1) as depth from places p
      where p.county_id = ${user.countyId} and ${inScope(user, "p.path")} and p.level = any(${levels}::text[])
      order by p.path`,
  ]);
  return { campaigns, places };
}

export type ResponseDetail = {
  id: string;
  campaignId: number;
  campaignName: string;
  surveyTitle: string;
  version: number;
  placeLabel: string;
  channel: Channel;
  startedAt: Date | null;
  finishedAt: Date;
  durationSeconds: number | null;
  userAgent: string | null;
  collectedBy: string | null;
  complete: boolean;
  imported: { filename: string; at: Date; by: string } | null;
  voided: { at: Date; by: string | null; reason: string } | null;
  /** The household (room) and its one-time code, for responses given with a household code. */
  household: { room: string; code: string | null } | null;
  answers: AnswerLine[];
};

// The household a response was given for (its room, with the stairwell when the building has
// several) and the one-time code used: joined as `hh` from `r`.
const householdJoin = sql`
  left join household_codes hc on hc.id = r.household_code_id
  left join lateral (
    select case when s.level = 'stairwell' then s.name || ' ' || h.room else h.room end as room
    from households h join places s on s.id = h.place_id
    where h.id = coalesce(r.household_id, hc.household_id)
  ) hh on true`;

/** A response inside the user's scope, every question with its answer text; null otherwise. */
export async function getResponse(user: Reader, responseId: string): Promise<ResponseDetail | null> {
  if (!/^\d{1,18}$/.test(responseId)) return null;
  const [row] = await sql<
    (Omit<ResponseDetail, "answers" | "imported" | "voided" | "household"> & {
      householdRoom: string | null;
      householdCode: string | null;
      definition: Record<string, unknown>;
      answers: Record<string, unknown>;
      importFilename: string | null;
      importedAt: Date | null;
      importedBy: string | null;
      voidedAt: Date | null;
      voidedBy: string | null;
      voidReason: string | null;
    })[]
  >`
    select r.id::text, r.campaign_id as "campaignId", c.name as "campaignName", v.title as "surveyTitle", v.version,
      (select string_agg(a.name, ' ' order by array_length(a.path, 1)) from places a
        where a.id = any(r.path) and a.level <> 'county') as "placeLabel",
      r.channel, r.started_at as "startedAt", r.finished_at as "finishedAt", r.duration_seconds as "durationSeconds",
      r.user_agent as "userAgent", cu.display_name as "collectedBy", r.complete, v.definition, r.answers,
      i.filename as "importFilename", i.created_at as "importedAt", iu.display_name as "importedBy",
      r.voided_at as "voidedAt", vu.display_name as "voidedBy", r.void_reason as "voidReason",
      hh.room as "householdRoom", hc.code as "householdCode"
    from responses r
    join campaigns c on c.id = r.campaign_id
    join survey_versions v on v.id = r.survey_version_id
    ${householdJoin}
    left join users cu on cu.id = r.collected_by
    left join response_imports i on i.id = r.import_id
    left join users iu on iu.id = i.user_id
    left join users vu on vu.id = r.voided_by
    where r.id = ${responseId}::bigint and ${matching(user, { campaignId: null, placeId: null, from: null, to: null })}`;
  if (!row) return null;
  const {
    definition,
    answers,
    importFilename,
    importedAt,
    importedBy,
    voidedAt,
    voidedBy,
    voidReason,
    householdRoom,
    householdCode,
    ...rest
  } = row;
  return {
    ...rest,
    household: householdRoom !== null || householdCode !== null ? { room: householdRoom ?? "", code: householdCode } : null,
    answers: describeAnswers(definition, answers),
    imported: importFilename && importedAt ? { filename: importFilename, at: importedAt, by: importedBy ?? "" } : null,
    voided: voidedAt && voidReason !== null ? { at: voidedAt, by: voidedBy, reason: voidReason } : null,
  };
}

/** Voids a response inside the user's scope, once; the reason is kept. Null when not found. */
export async function voidResponse(
  user: Reader,
  responseId: string,
  reason: string,
  ip: string | null,
): Promise<"voided" | "alreadyVoided" | null> {
  if (!/^\d{1,18}$/.test(responseId)) return null;
  const [voided] = await sql<{ id: string }[]>`
    update responses r set voided_at = now(), voided_by = ${user.id}, void_reason = ${reason}
    where r.id = ${responseId}::bigint and r.voided_at is null
      and ${matching(user, { campaignId: null, placeId: null, from: null, to: null })}
    returning r.id::text`;
  if (!voided) {
    const [existing] = await sql`
      select 1 from responses r where r.id = ${responseId}::bigint
        and ${matching(user, { campaignId: null, placeId: null, from: null, to: null })}`;
    return existing ? "alreadyVoided" : null;
  }
  await recordAudit(user, "response.void", { target: `response:${responseId}`, details: { reason }, ip });
  return "voided";
}

export type ExportRow = {
  id: string;
  campaignName: string;
  street: string | null;
  community: string | null;
  compound: string | null;
  building: string | null;
  /** Room (with stairwell) and one-time code of a household-code response. */
  room: string | null;
  householdCode: string | null;
  finishedAt: Date;
  channel: Channel;
  durationSeconds: number | null;
  version: number;
  imported: boolean;
  complete: boolean;
  voided: boolean;
  /** Answer text by question name. */
  answers: Record<string, string>;
};

/** Every response the filters match, oldest first, with one column per question of the versions
 *  involved (in page order, the newest version's title) and answers as text. */
export async function exportResponses(user: Reader, filters: ResponseFilters) {
  const rows = await sql<(Omit<ExportRow, "answers"> & { versionId: number; answers: Record<string, unknown> })[]>`
    select r.id::text, c.name as "campaignName", st.name as street, cm.name as community, cp.name as compound,
      b.name as building, hh.room, hc.code as "householdCode", r.finished_at as "finishedAt", r.channel, r.duration_seconds as "durationSeconds",
      v.version, r.survey_version_id as "versionId", r.import_id is not null as imported, r.complete,
      r.voided_at is not null as voided, r.answers
    from responses r
    join campaigns c on c.id = r.campaign_id
    join survey_versions v on v.id = r.survey_version_id
    ${householdJoin}
    left join places st on st.id = r.path[2]
    left join places cm on cm.id = r.path[3]
    left join places cp on cp.id = r.path[4]
    left join places b on b.id = r.path[5]
    where ${matching(user, filters)} ${withStatus(filters.status)}
    order by r.finished_at, r.id`;
  const versionIds = [...new Set(rows.map((r) => r.versionId))];
  const versions = await sql<{ id: number; definition: Record<string, unknown> }[]>`
    select id, definition from survey_versions where id = any(${versionIds}::int[]) and county_id = ${user.countyId} order by id`;
  const definitionOf = new Map(versions.map((v) => [v.id, v.definition]));
  const titles = new Map<string, string>();
  for (const v of versions) for (const q of describeAnswers(v.definition, {})) titles.set(q.name, q.title);
  const questions = [...titles].map(([name, title]) => ({ name, title }));
  return {
    questions,
    rows: rows.map(({ versionId, answers, ...row }): ExportRow => ({
      ...row,
      answers: Object.fromEntries(describeAnswers(definitionOf.get(versionId), answers).map((a) => [a.name, a.text])),
    })),
  };
}
