// The evaluation's sample of 12345 tickets (db/migrations/012_callbacks.sql): drawn as of a date
// under a rule (app/domain/tickets.ts drawEvaluationSample), saved with that rule, and read back
// with each sampled ticket's rating as it stands now and the swing of the rule (sampleSwing).
import { sql } from "~/db.server";
import { isSatisfied, type Rating } from "~/domain/callbacks";
import { proportion, type Proportion } from "~/domain/stats";
import { drawEvaluationSample, monthsBefore, sampleSwing, type SampleRule } from "~/domain/tickets";
import { latestReached } from "~/models/ticket-rates.server";

/** Simulated draws behind the swing. */
export const SWING_DRAWS = 1000;

type PoolTicket = { id: number; completedAt: Date; rating: Rating | null };

/** The completed tickets a rule can draw from, with the rating that stands now. */
async function eligibleTickets(countyId: number, rule: Pick<SampleRule, "asOf" | "months">): Promise<PoolTicket[]> {
  const from = monthsBefore(rule.asOf, rule.months);
  // Milliseconds as float8: a million timestamps parse several times faster than as timestamptz.
  const rows = await sql<{ id: number; ms: number; rating: Rating | null }[]>`
    select t.id, (extract(epoch from t.completed_at) * 1000)::float8 as ms, coalesce(l.satisfaction, t.original_satisfaction) as rating
    from tickets t left join ${latestReached(countyId)} l on l.ticket_id = t.id
    where t.county_id = ${countyId} and t.completed_at >= ${from} and t.completed_at < ${rule.asOf}`;
  return rows.map((r) => ({ id: r.id, completedAt: new Date(r.ms), rating: r.rating }));
}

export type DrawnSample = { id: number; drawn: number; eligible: number };

/** Draws and saves the sample (the route audits it). */
export async function drawSample(user: { id: number; countyId: number }, rule: SampleRule): Promise<DrawnSample> {
  const pool = await eligibleTickets(user.countyId, rule);
  const drawn = drawEvaluationSample(pool, rule);
  return sql.begin(async (tx) => {
    const [sample] = await tx<{ id: number }[]>`
      insert into evaluation_samples (county_id, as_of, months, recent_months, recent_share, size, seed, eligible, drawn_by)
      values (${user.countyId}, ${rule.asOf}, ${rule.months}, ${rule.recentMonths}, ${rule.recentShare}, ${rule.size}, ${rule.seed},
              ${pool.length}, ${user.id})
      returning id`;
    if (drawn.length > 0) {
      await tx`insert into evaluation_sample_tickets ${tx(
        drawn.map((t) => ({ county_id: user.countyId, sample_id: sample.id, ticket_id: t.id })),
        "county_id",
        "sample_id",
        "ticket_id",
      )}`;
    }
    return { id: sample.id, drawn: drawn.length, eligible: pool.length };
  });
}

export type SavedSample = SampleRule & { id: number; eligible: number; drawnAt: Date; drawnBy: string | null; drawn: number };

export async function listSamples(countyId: number, limit = 20): Promise<SavedSample[]> {
  return sql<SavedSample[]>`
    select s.id, s.as_of as "asOf", s.months, s.recent_months as "recentMonths", s.recent_share as "recentShare", s.size,
           s.seed::float8 as seed, s.eligible, s.drawn_at as "drawnAt", u.display_name as "drawnBy",
           (select count(*)::int from evaluation_sample_tickets st where st.sample_id = s.id) as drawn
    from evaluation_samples s left join users u on u.id = s.drawn_by
    where s.county_id = ${countyId} order by s.id desc limit ${limit}`;
}

export type SampledTicketRow = {
  id: number;
  ticketNo: string;
  completedAt: Date;
  department: string | null;
  category: string | null;
  phoneMasked: string | null;
  originalSatisfaction: Rating | null;
  rating: Rating | null;
  calledBack: boolean;
  attempts: number;
};

export type SampleView = {
  sample: SavedSample;
  tickets: SampledTicketRow[];
  /** 满意 + 基本满意 over the sampled tickets with a rating, as the ratings stand now. */
  satisfaction: Proportion;
  /** The same over the original ratings only (before any callback). */
  satisfactionBefore: Proportion;
  swing: { p5: number; p50: number; p95: number; draws: number } | null;
};

/** A saved sample as it stands now (the latest when `sampleId` is null). */
export async function sampleView(countyId: number, sampleId: number | null, { swing: withSwing = true } = {}): Promise<SampleView | null> {
  const samples = await listSamples(countyId, 1000);
  const sample = sampleId === null ? samples[0] : samples.find((s) => s.id === sampleId);
  if (!sample) return null;
  const tickets = await sql<SampledTicketRow[]>`
    select t.id, t.ticket_no as "ticketNo", t.completed_at as "completedAt", d.name as department, t.category,
           t.phone_masked as "phoneMasked", t.original_satisfaction as "originalSatisfaction",
           coalesce(l.satisfaction, t.original_satisfaction) as rating, l.ticket_id is not null as "calledBack",
           (select count(*)::int from callbacks c where c.ticket_id = t.id) as attempts
    from evaluation_sample_tickets s join tickets t on t.id = s.ticket_id
      left join departments d on d.id = t.department_id
      left join ${latestReached(countyId)} l on l.ticket_id = t.id
    where s.sample_id = ${sample.id} and t.county_id = ${countyId}
    order by l.ticket_id is not null, t.completed_at desc, t.id`;
  const share = (ratings: (Rating | null)[]) => {
    const rated = ratings.filter((r): r is Rating => r !== null);
    return proportion(rated.filter(isSatisfied).length, rated.length);
  };
  const pool = withSwing ? await eligibleTickets(countyId, sample) : [];
  const swing = withSwing
    ? sampleSwing(
        pool.map((t) => ({ id: t.id, completedAt: t.completedAt, satisfied: t.rating === null ? null : isSatisfied(t.rating) })),
        sample,
        SWING_DRAWS,
        sample.seed,
      )
    : null;
  return {
    sample,
    tickets,
    satisfaction: share(tickets.map((t) => t.rating)),
    satisfactionBefore: share(tickets.map((t) => t.originalSatisfaction)),
    swing,
  };
}
