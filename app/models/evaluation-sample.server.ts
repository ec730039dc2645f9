// The evaluation's sample of 12345 tickets (db/migrations/012_callbacks.sql): drawn as of a date
// under a rule (app/domain/tickets.ts drawPositions), saved with that rule, and read back
// with each sampled ticket's rating as it stands now and the swing of the rule (poolSwing).
import { sql } from "~/db.server";
import { isSatisfied, type Rating } from "~/domain/callbacks";
import { proportion, type Proportion } from "~/domain/stats";
import { drawPositions, monthsBefore, poolSwing, type PoolSizes, type RatingCounts, type SampleRule } from "~/domain/tickets";
import { latestReached } from "~/models/ticket-rates.server";

/** Simulated draws behind the swing. */
export const SWING_DRAWS = 1000;

/** A rule's pool: completed from `from`, the recent part from `split`, before `asOf`. */
const bounds = (rule: Pick<SampleRule, "asOf" | "months" | "recentMonths">) => ({
  from: monthsBefore(rule.asOf, rule.months),
  split: monthsBefore(rule.asOf, rule.recentMonths),
  until: rule.asOf,
});
const inPool = (countyId: number, rule: Pick<SampleRule, "asOf" | "months" | "recentMonths">) => {
  const { from, until } = bounds(rule);
  return sql`t.county_id = ${countyId} and t.completed_at >= ${from} and t.completed_at < ${until}`;
};

export type DrawnSample = { id: number; drawn: number; eligible: number };

/**
 * Draws and saves the sample (the route audits it). Only the part sizes cross to the app: the
 * draw's positions (drawPositions) come back from PostgreSQL as tickets by numbering each part in
 * id order, in one snapshot with the counts, so an import in between cannot shift a position.
 */
export async function drawSample(user: { id: number; countyId: number }, rule: SampleRule): Promise<DrawnSample> {
  const { split } = bounds(rule);
  return sql.begin("isolation level repeatable read", async (tx) => {
    const [sizes] = await tx<PoolSizes[]>`
      select count(*) filter (where t.completed_at >= ${split})::int as recent, count(*) filter (where t.completed_at < ${split})::int as earlier
      from tickets t where ${inPool(user.countyId, rule)}`;
    const at = drawPositions(sizes, rule);
    const drawn = await tx<{ id: number }[]>`
      select x.id from (
        select t.id, t.completed_at >= ${split} as recent, row_number() over (partition by t.completed_at >= ${split} order by t.id) - 1 as pos
        from tickets t where ${inPool(user.countyId, rule)}) x
      join (select true as recent, unnest(${at.recent}::int[]) as pos union all select false, unnest(${at.earlier}::int[])) w
        on w.recent = x.recent and w.pos = x.pos`;
    const [sample] = await tx<{ id: number }[]>`
      insert into evaluation_samples (county_id, as_of, months, recent_months, recent_share, size, seed, eligible, drawn_by)
      values (${user.countyId}, ${rule.asOf}, ${rule.months}, ${rule.recentMonths}, ${rule.recentShare}, ${rule.size}, ${rule.seed},
              ${sizes.recent + sizes.earlier}, ${user.id})
      returning id`;
    if (drawn.length > 0) {
      await tx`insert into evaluation_sample_tickets ${tx(
        drawn.map((t) => ({ county_id: user.countyId, sample_id: sample.id, ticket_id: t.id })),
        "county_id",
        "sample_id",
        "ticket_id",
      )}`;
    }
    return { id: sample.id, drawn: drawn.length, eligible: sizes.recent + sizes.earlier };
  });
}

export type SavedSample = SampleRule & { id: number; eligible: number; drawnAt: Date; drawnBy: string | null; drawn: number };

/** The county's saved samples, newest first (`sampleId`: that one only). */
export async function listSamples(countyId: number, limit = 20, sampleId: number | null = null): Promise<SavedSample[]> {
  return sql<SavedSample[]>`
    select s.id, s.as_of as "asOf", s.months, s.recent_months as "recentMonths", s.recent_share as "recentShare", s.size,
           s.seed::float8 as seed, s.eligible, s.drawn_at as "drawnAt", u.display_name as "drawnBy",
           (select count(*)::int from evaluation_sample_tickets st where st.sample_id = s.id) as drawn
    from evaluation_samples s left join users u on u.id = s.drawn_by
    where s.county_id = ${countyId} ${sampleId === null ? sql`` : sql`and s.id = ${sampleId}`}
    order by s.id desc limit ${limit}`;
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
  const [sample] = await listSamples(countyId, 1, sampleId);
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
  // Each part's ratings as they stand now, counted in PostgreSQL: all the swing needs (poolSwing).
  const counts = withSwing
    ? await sql<({ recent: boolean } & RatingCounts)[]>`
        select t.completed_at >= ${bounds(sample).split} as recent,
               count(*) filter (where r.rating in ('satisfied', 'basic'))::int as satisfied,
               count(*) filter (where r.rating = 'unsatisfied')::int as unsatisfied,
               count(*) filter (where r.rating is null)::int as unrated
        from tickets t left join ${latestReached(countyId)} l on l.ticket_id = t.id
          cross join lateral (select coalesce(l.satisfaction, t.original_satisfaction) as rating) r
        where ${inPool(countyId, sample)}
        group by 1`
    : [];
  const none: RatingCounts = { satisfied: 0, unsatisfied: 0, unrated: 0 };
  const part = (recent: boolean) => counts.find((c) => c.recent === recent) ?? none;
  const swing = withSwing ? poolSwing({ recent: part(true), earlier: part(false) }, sample, SWING_DRAWS, sample.seed) : null;
  return {
    sample,
    tickets,
    satisfaction: share(tickets.map((t) => t.rating)),
    satisfactionBefore: share(tickets.map((t) => t.originalSatisfaction)),
    swing,
  };
}
