// Questionnaires on the volunteer's phone (docs/decisions/008-visit-forms.md): the round's campaign
// questionnaire filled with a resident at the door (a response like any other, channel
// "volunteer", through the residents' submission service), the round's short quiz shown when a
// household is reached (visit_answers, channel "visit", linked to the visit log), and the review
// of volunteer-collected responses (signals in app/domain/visit-forms.ts).
import { sql } from "~/db.server";
import {
  answeredQuestions,
  RESPONSE_SIGNALS,
  responseSignals,
  type ResponseSignal,
  type RoundForms,
  type SignalResponse,
} from "~/domain/visit-forms";
import { householdCodeOf } from "~/models/campaigns.server";
import { inScope } from "~/models/places.server";
import { renderSurveyOf } from "~/models/resident.server";
import { submitResponse, voidResponse, type SubmitRefusal } from "~/models/responses.server";
import type { CurrentUser, ScopedUser } from "~/models/users.server";
import { assignmentOf, type VisitRound } from "~/models/visits.server";
import { validateAnswers } from "~/survey/validate.server";

const definitions = new Map<number, Record<string, unknown>>();
/** A published version never changes: its definition is read once (one object, so its render model is built once). */
async function definitionOf(countyId: number, versionId: number): Promise<Record<string, unknown> | null> {
  let definition = definitions.get(versionId);
  if (!definition) {
    const [row] = await sql<
      { definition: Record<string, unknown> }[]
    >`select definition from survey_versions where county_id = ${countyId} and id = ${versionId}`;
    if (!row) return null;
    if (definitions.size > 200) definitions.clear();
    definitions.set(versionId, (definition = row.definition));
  }
  return definition;
}

/** What the phone needs to fill the round's questionnaire and quiz offline. */
export async function roundForms(round: VisitRound, householdIds: number[]): Promise<RoundForms> {
  const [campaign] = round.campaignId
    ? await sql<{ campaign: string; name: string; versionId: number; state: string }[]>`
        select code as campaign, name, survey_version_id as "versionId", state from campaigns where county_id = ${round.countyId} and id = ${round.campaignId}`
    : [];
  const questionnaireDefinition = campaign ? await definitionOf(round.countyId, campaign.versionId) : null;
  const quizDefinition = round.quizVersionId ? await definitionOf(round.countyId, round.quizVersionId) : null;
  const answered = campaign
    ? await sql<{ id: number }[]>`
        select distinct household_id as id from responses
        where county_id = ${round.countyId} and campaign_id = ${round.campaignId} and household_id = any(${householdIds}::int[]) and voided_at is null`
    : [];
  return {
    questionnaire: campaign && questionnaireDefinition ? { ...campaign, survey: renderSurveyOf(questionnaireDefinition) } : null,
    quiz: round.quizVersionId && quizDefinition ? { versionId: round.quizVersionId, survey: renderSurveyOf(quizDefinition) } : null,
    answered: answered.map((r) => r.id),
  };
}

export const MAX_FORMS_PER_REQUEST = 20;
/** Answers of 20 long questionnaires (MAX_SUBMISSION_BYTES each would be far more than a phone sends). */
export const MAX_FORMS_BODY_BYTES = 2 * 1024 * 1024;

export type VisitFormInput = {
  kind?: unknown;
  clientKey?: unknown;
  householdId?: unknown;
  versionId?: unknown;
  answers?: unknown;
  startedAt?: unknown;
  finishedAt?: unknown;
  /** The quiz: the client key of the "reached" log it follows. */
  visitKey?: unknown;
};

export type VisitFormRefusal =
  | Exclude<SubmitRefusal, "deviceUsed">
  | "badClientKey"
  | "badKind"
  | "repeatedInRequest"
  | "roundClosed"
  | "badHousehold"
  | "noQuestionnaire"
  | "noQuiz"
  | "notAssigned"
  | "assignmentWithdrawn"
  | "notInCampaign"
  | "visitNotFound"
  | "quizAnswered"
  | "invalid";

export type VisitFormResult = {
  clientKey: string;
  status: "stored" | "duplicate" | "refused";
  reason?: VisitFormRefusal;
  /** Per question, for "invalid" (as the resident page gets them). */
  errors?: Record<string, string[]>;
};

const CLIENT_KEY = /^[A-Za-z0-9-]{8,64}$/;

function timeOf(value: unknown): Date | null {
  if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}T/.test(value)) return null;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? null : at;
}

/**
 * Stores what a volunteer's phone filled at the doors: one result per form, in order; a bad form
 * never spoils the others, and a resend of a stored one answers "duplicate" and stores nothing.
 * Questionnaires go through the residents' submission service (same validation, same client-key
 * idempotency, same campaign rules), for households assigned to the volunteer now.
 */
export async function recordVisitForms(
  user: Pick<CurrentUser, "id" | "countyId">,
  round: VisitRound,
  forms: VisitFormInput[],
  { now = new Date(), userAgent = null as string | null } = {},
): Promise<VisitFormResult[]> {
  const seen = new Set<string>();
  const results: VisitFormResult[] = [];
  for (const form of forms) {
    const clientKey = typeof form.clientKey === "string" ? form.clientKey : "";
    if (!CLIENT_KEY.test(clientKey)) {
      results.push({ clientKey, status: "refused", reason: "badClientKey" });
      continue;
    }
    if (seen.has(clientKey)) {
      results.push({ clientKey, status: "refused", reason: "repeatedInRequest" });
      continue;
    }
    seen.add(clientKey);
    const outcome =
      form.kind === "questionnaire"
        ? await storeQuestionnaire(user, round, clientKey, form, now, userAgent)
        : form.kind === "quiz"
          ? await storeQuiz(user, round, clientKey, form, now)
          : ({ status: "refused", reason: "badKind" } as const);
    results.push({ clientKey, ...outcome });
  }
  return results;
}

type Outcome = Omit<VisitFormResult, "clientKey">;

const householdOf = (form: VisitFormInput) =>
  typeof form.householdId === "number" && Number.isSafeInteger(form.householdId) && form.householdId > 0 ? form.householdId : null;

async function storeQuestionnaire(
  user: Pick<CurrentUser, "id" | "countyId">,
  round: VisitRound,
  clientKey: string,
  form: VisitFormInput,
  now: Date,
  userAgent: string | null,
): Promise<Outcome> {
  if (round.campaignId === null) return { status: "refused", reason: "noQuestionnaire" };
  // A resend of a stored questionnaire succeeds again, whatever changed since.
  const [stored] =
    await sql`select 1 from responses where county_id = ${user.countyId} and campaign_id = ${round.campaignId} and client_key = ${clientKey}`;
  if (stored) return { status: "duplicate" };
  if (round.state !== "open") return { status: "refused", reason: "roundClosed" };
  const householdId = householdOf(form);
  if (householdId === null) return { status: "refused", reason: "badHousehold" };
  const { mine, before } = await assignmentOf(round, user.id, [householdId]);
  if (!mine.has(householdId)) return { status: "refused", reason: before.has(householdId) ? "assignmentWithdrawn" : "notAssigned" };
  // The resident link of the household's building: the response counts for that building as if
  // the resident had scanned its QR code.
  const [link] = await sql<{ code: string; policy: string }[]>`
    select l.code, c.duplicate_policy as policy from campaign_links l
    join households h on h.building_id = l.place_id join campaigns c on c.id = l.campaign_id
    where l.county_id = ${user.countyId} and l.campaign_id = ${round.campaignId} and h.id = ${householdId}`;
  if (!link) return { status: "refused", reason: "notInCampaign" };
  const householdCode = link.policy === "household" ? await householdCodeOf(user.countyId, round.campaignId, householdId) : null;
  const outcome = await submitResponse(
    {
      code: link.code,
      clientKey,
      versionId: typeof form.versionId === "number" ? form.versionId : NaN,
      answers: form.answers,
      startedAt: timeOf(form.startedAt),
      finishedOnDevice: timeOf(form.finishedAt),
      // The volunteer's phone serves many households: no one-per-device claim.
      deviceId: null,
      householdCode,
      householdId,
      userAgent,
      channel: "volunteer",
      collectedBy: user.id,
    },
    now,
  );
  if (outcome.ok) return { status: outcome.replay ? "duplicate" : "stored" };
  if (outcome.reason === "invalid") return { status: "refused", reason: "invalid", errors: outcome.errors };
  return { status: "refused", reason: outcome.reason === "deviceUsed" ? "codeUsed" : outcome.reason };
}

async function storeQuiz(
  user: Pick<CurrentUser, "id" | "countyId">,
  round: VisitRound,
  clientKey: string,
  form: VisitFormInput,
  now: Date,
) {
  const [stored] =
    await sql`select 1 from visit_answers where county_id = ${user.countyId} and round_id = ${round.id} and client_key = ${clientKey}`;
  if (stored) return { status: "duplicate" } as const;
  if (round.state !== "open") return { status: "refused", reason: "roundClosed" } as const;
  if (round.quizVersionId === null) return { status: "refused", reason: "noQuiz" } as const;
  if (form.versionId !== round.quizVersionId) return { status: "refused", reason: "versionMismatch" } as const;
  const householdId = householdOf(form);
  if (householdId === null) return { status: "refused", reason: "badHousehold" } as const;
  // The quiz follows this volunteer's "reached" log of this household (sent before it).
  const [visit] = await sql<{ id: string; buildingId: number }[]>`
    select l.id::text, h.building_id as "buildingId" from visit_logs l join households h on h.id = l.household_id
    where l.county_id = ${user.countyId} and l.round_id = ${round.id} and l.client_key = ${typeof form.visitKey === "string" ? form.visitKey : ""}
      and l.volunteer_id = ${user.id} and l.household_id = ${householdId} and l.outcome = 'reached'`;
  if (!visit) return { status: "refused", reason: "visitNotFound" } as const;
  const definition = await definitionOf(round.countyId, round.quizVersionId);
  const checked = validateAnswers(definition, form.answers);
  if (!checked.ok) return { status: "refused", reason: "invalid", errors: checked.errors } as const;
  const startedAt = timeOf(form.startedAt);
  const finishedAt = timeOf(form.finishedAt);
  const duration =
    startedAt && finishedAt && finishedAt >= startedAt && finishedAt <= now
      ? Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000)
      : null;
  const inserted = await sql`
    insert into visit_answers (county_id, round_id, visit_log_id, household_id, survey_version_id, place_id, path, answers, client_key,
                               started_at, finished_at, duration_seconds, collected_by)
    select ${user.countyId}, ${round.id}, ${visit.id}::bigint, ${householdId}, ${round.quizVersionId}, b.id, b.path,
           ${sql.json(checked.answers as never)}, ${clientKey}, ${startedAt && startedAt <= now ? startedAt : null}, ${now}, ${duration}, ${user.id}
    from places b where b.county_id = ${user.countyId} and b.id = ${visit.buildingId}
    on conflict do nothing
    returning id`;
  if (inserted.length === 1) return { status: "stored" } as const;
  // Lost the key to a concurrent resend, or this visit's quiz was answered under another key.
  const [again] =
    await sql`select 1 from visit_answers where county_id = ${user.countyId} and round_id = ${round.id} and client_key = ${clientKey}`;
  return again ? ({ status: "duplicate" } as const) : ({ status: "refused", reason: "quizAnswered" } as const);
}

// ---------------------------------------------------------------------------------------------
// Review of volunteer-collected responses

export type FlaggedResponse = {
  id: string;
  address: string;
  volunteer: string;
  finishedAt: Date;
  durationSeconds: number | null;
  answered: number;
  signals: ResponseSignal[];
  review: "unreviewed" | "accepted" | "rejected";
  reason: string | null;
};

/** The round's questionnaires filled by volunteers inside the user's scope that raise a signal: not yet reviewed first. */
export async function flaggedResponses(user: ScopedUser, round: VisitRound): Promise<FlaggedResponse[]> {
  if (round.campaignId === null) return [];
  const rows = await sql<
    (SignalResponse & {
      volunteer: string;
      address: string;
      voidReason: string | null;
      review: "accepted" | "rejected" | null;
      reason: string | null;
    })[]
  >`
    select r.id::text, r.collected_by as "collectedBy", r.household_id as "householdId", r.finished_at as "finishedAt",
      r.duration_seconds as "durationSeconds", r.answers, u.display_name as volunteer, r.void_reason as "voidReason",
      rv.state as review, rv.reason,
      coalesce(concat_ws(' ', cp.name, b.name, case when s.level = 'stairwell' then s.name end, h.room),
        (select string_agg(a.name, ' ' order by array_length(a.path, 1)) from places a
          where a.id = any(r.path) and a.level in ('compound', 'building'))) as address
    from responses r
    join users u on u.id = r.collected_by
    left join households h on h.id = r.household_id
    left join places s on s.id = h.place_id
    left join places b on b.id = h.building_id
    left join places cp on cp.id = b.parent_id
    left join response_reviews rv on rv.response_id = r.id
    where r.campaign_id = ${round.campaignId} and r.county_id = ${user.countyId} and r.channel = 'volunteer'
      and r.collected_by is not null and ${inScope(user, "r.path")}`;
  const signals = responseSignals(rows);
  return rows
    .filter((r) => signals.has(r.id))
    .map((r) => ({
      id: r.id,
      address: r.address,
      volunteer: r.volunteer,
      finishedAt: r.finishedAt,
      durationSeconds: r.durationSeconds,
      answered: answeredQuestions(r.answers),
      signals: RESPONSE_SIGNALS.filter((s) => signals.get(r.id)!.has(s)),
      // A voided response no longer counts, whoever voided it and why.
      review: r.voidReason !== null ? ("rejected" as const) : (r.review ?? ("unreviewed" as const)),
      reason: r.voidReason ?? r.reason,
    }))
    .sort(
      (a, b) =>
        Number(a.review !== "unreviewed") - Number(b.review !== "unreviewed") ||
        b.signals.length - a.signals.length ||
        b.finishedAt.getTime() - a.finishedAt.getTime(),
    );
}

/**
 * Accepts flagged responses, or rejects them with a reason: a rejection voids the response (the
 * one way a response stops counting; the tallies follow), and it stays in the history. Only the
 * round's volunteer-collected responses inside the actor's scope; returns how many changed.
 */
export async function reviewResponses(
  actor: ScopedUser & Pick<CurrentUser, "id">,
  round: VisitRound,
  ids: string[],
  decision: { state: "accepted" | "rejected"; reason: string | null },
  ip: string | null,
): Promise<number> {
  if (round.campaignId === null || ids.length === 0) return 0;
  const eligible = await sql<{ id: string }[]>`
    select r.id::text from responses r
    where r.id = any(${ids}::bigint[]) and r.campaign_id = ${round.campaignId} and r.county_id = ${actor.countyId}
      and r.channel = 'volunteer' and r.collected_by is not null and r.voided_at is null and ${inScope(actor, "r.path")}`;
  let changed = 0;
  for (const { id } of eligible) {
    if (decision.state === "rejected" && (await voidResponse(actor, id, decision.reason!, ip)) !== "voided") continue;
    await sql`
      insert into response_reviews (response_id, county_id, state, reason, reviewed_by)
      values (${id}::bigint, ${actor.countyId}, ${decision.state}, ${decision.reason}, ${actor.id})
      on conflict (response_id) do update set state = excluded.state, reason = excluded.reason,
        reviewed_by = excluded.reviewed_by, reviewed_at = now()`;
    changed++;
  }
  return changed;
}
