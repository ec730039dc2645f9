// Sample planning per community and the seeded mock-evaluation draw from the register, inside
// the user's scope. The arithmetic is app/domain/sampling.ts; the forecast reads the rates engine.
import { randomInt } from "node:crypto";
import { sql } from "~/db.server";
import { forecastPart, type PartForecast, type Scoring } from "~/domain/forecast";
import type { HouseholdAddress } from "~/domain/places";
import type { Formula, ScoreOverride } from "~/domain/measures";
import { drawSample, MAX_SEED, partSeed, planSample, type Plan } from "~/domain/sampling";
import { inScope } from "~/models/places.server";
import type { RateCampaign, RateUnit } from "~/domain/rate-engine";
import { rateTable } from "~/models/rates.server";
import type { ScopedUser } from "~/models/users.server";

export type PlanLevel = "community" | "compound";

export type UnitPlan = Plan & {
  placeId: number;
  name: string;
  /** The street of a community, the community of a compound. */
  context: string;
  /** The community it lies in (itself for a community): the draw is per community. */
  communityId: number;
};

export type PlanOptions = { margin: number; confidence: number; p: number };

/**
 * Per community (or compound) inside the scope: households, the effective n needed for the
 * margin, the responses collected and the effective n they give the weighted satisfaction rate (the
 * n of its interval on the rates pages), and how many more households that leaves.
 */
export async function samplePlan(
  user: ScopedUser,
  q: PlanOptions & { campaign: RateCampaign | null; level?: PlanLevel },
): Promise<UnitPlan[]> {
  const level = q.level ?? "community";
  const rows = await sql<{ placeId: number; name: string; context: string; communityId: number; households: number }[]>`
    select u.id as "placeId", u.name, up.name as context, u.path[3] as "communityId",
      (select count(*) from households h where h.path @> array[u.id] and not h.vacant)::int as households
    from places u join places up on up.id = u.parent_id
    where u.county_id = ${user.countyId} and u.level = ${level} and ${inScope(user, "u.path")}
    -- Register order: (sort order, id) at every depth from the county down.
    order by (select array_agg(array[a.sort_order, a.id] order by x.depth)
              from unnest(u.path) with ordinality as x(id, depth) join places a on a.id = x.id)`;
  const measure = q.campaign?.measures.includes("satisfaction") ? "satisfaction" : (q.campaign?.measures[0] ?? null);
  const table =
    q.campaign && measure
      ? await rateTable(user, { campaign: q.campaign, measure, level, range: { from: null, to: null }, minN: 1 })
      : null;
  const units = new Map(table?.units.map((u) => [u.placeId, u]));
  return rows.map((r) => {
    const unit = units.get(r.placeId);
    const effective = unit?.figure.weighted.rate === null || !unit ? 0 : unit.figure.weighted.n;
    return {
      ...r,
      ...planSample({
        households: r.households,
        collected: unit?.responses ?? 0,
        effective,
        margin: q.margin,
        confidence: q.confidence,
        p: q.p,
      }),
    };
  });
}

/** A new seed for a draw (shown on the page, so the draw can be repeated). */
export function freshSeed(): number {
  return randomInt(1, MAX_SEED + 1);
}

export type DrawnHousehold = HouseholdAddress & {
  /** Order drawn within its community (1 = first). */
  order: number;
  householdId: number;
};

export type MockDraw = { seed: number; communities: (UnitPlan & { drawn: number })[]; households: DrawnHousehold[] };

/**
 * Draws, per chosen community, the households the plan needs, at random from its non-vacant
 * households (ordered by id, so the same seed and register give the same list). Each community
 * has its own stream (partSeed), so choosing more communities leaves the others' draws unchanged.
 * The list comes back in walking order: community, compound, building, stairwell, room.
 */
export async function drawMockSample(user: ScopedUser, q: PlanOptions & { communityIds: number[]; seed: number }): Promise<MockDraw> {
  const plans = (await samplePlan(user, { ...q, campaign: null })).filter((p) => q.communityIds.includes(p.communityId));
  const rows = await sql<(Omit<DrawnHousehold, "order"> & { communityId: number; walk: number[] })[]>`
    select h.id as "householdId", h.room, cm.id as "communityId", st.name as street, cm.name as community,
      cp.name as compound, b.name as building, case when s.level = 'stairwell' then s.name end as stairwell,
      array[st.sort_order, st.id, cm.sort_order, cm.id, cp.sort_order, cp.id, b.sort_order, b.id, s.sort_order, s.id, length(h.room)] as walk
    from households h
    join places s on s.id = h.place_id
    join places b on b.id = h.building_id
    join places cp on cp.id = b.parent_id
    join places cm on cm.id = cp.parent_id
    join places st on st.id = cm.parent_id
    where h.county_id = ${user.countyId} and not h.vacant and cm.id = any(${plans.map((p) => p.communityId)}::int[])
      and ${inScope(user, "h.path")}
    order by h.id`;
  const drawn: (DrawnHousehold & { walk: number[] })[] = [];
  const counts = new Map<number, number>();
  for (const plan of plans) {
    const pool = rows.filter((r) => r.communityId === plan.communityId);
    const chosen = drawSample(pool, plan.needed, partSeed(q.seed, plan.communityId));
    counts.set(plan.communityId, chosen.length);
    chosen.forEach(({ communityId: _c, ...h }, i) => drawn.push({ ...h, order: i + 1 }));
  }
  const compare = (a: (typeof drawn)[number], b: (typeof drawn)[number]) => {
    for (let i = 0; i < a.walk.length; i++) if (a.walk[i] !== b.walk[i]) return a.walk[i] - b.walk[i];
    return a.room.localeCompare(b.room);
  };
  return {
    seed: q.seed,
    communities: plans.map((p) => ({ ...p, drawn: counts.get(p.communityId) ?? 0 })),
    households: drawn.sort(compare).map(({ walk: _w, ...h }) => h),
  };
}

export type ForecastRow = { unit: RateUnit; forecast: PartForecast | null };
export type Forecast = { formula: Formula; total: ForecastRow; rows: ForecastRow[] };

/**
 * Points the household questionnaire would give today, for the whole scope and for each
 * community: the weighted rate (or score / 100) mapped through the scoring rule, with the interval
 * of the rate carried over to the points.
 */
export async function forecastPoints(
  user: ScopedUser,
  q: {
    campaign: RateCampaign;
    basis: "satisfaction" | "score";
    override: ScoreOverride;
    maxPoints: number;
    scoring: Scoring;
    minN: number;
  },
): Promise<Forecast> {
  const table = await rateTable(user, {
    campaign: q.campaign,
    measure: q.basis,
    level: "community",
    range: { from: null, to: null },
    minN: q.minN,
    override: q.override,
  });
  const row = (unit: RateUnit): ForecastRow => ({ unit, forecast: forecastPart(unit.figure.weighted, q.maxPoints, q.scoring) });
  return { formula: table.formula, total: row(table.total), rows: table.units.map(row) };
}
