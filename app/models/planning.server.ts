// Sample planning per community and the seeded mock-evaluation draw from the register, inside
// the user's scope. The arithmetic is app/domain/sampling.ts; the forecast reads the rates engine.
import { randomInt } from "node:crypto";
import { sql } from "~/db.server";
import { forecastPart, type PartForecast, type Scoring } from "~/domain/forecast";
import type { Formula, ScoreOverride } from "~/domain/measures";
import { drawSample, MAX_SEED, partSeed, planSample, type Plan } from "~/domain/sampling";
import { inScope } from "~/models/places.server";
import { rateTable, type RateCampaign, type RateUnit, type ScopedUser } from "~/models/rates.server";

export type CommunityPlan = Plan & { communityId: number; community: string; street: string };

export type PlanOptions = { margin: number; confidence: number; p: number };

/** Per community inside the scope: households, households needed for the margin, collected so far. */
export async function samplePlan(user: ScopedUser, q: PlanOptions & { campaignId: number | null }): Promise<CommunityPlan[]> {
  const rows = await sql<{ communityId: number; community: string; street: string; households: number; collected: number }[]>`
    select c.id as "communityId", c.name as community, s.name as street,
      (select count(*) from households h where h.path @> array[c.id] and not h.vacant)::int as households,
      coalesce((
        select sum(t.responses) from response_tallies t join places p on p.id = t.place_id
        where t.campaign_id = ${q.campaignId} and p.path @> array[c.id]
      ), 0)::int as collected
    from places c join places s on s.id = c.parent_id
    where c.county_id = ${user.countyId} and c.level = 'community' and ${inScope(user, "c.path")}
    order by s.sort_order, s.id, c.sort_order, c.id`;
  return rows.map((r) => ({
    communityId: r.communityId,
    community: r.community,
    street: r.street,
    ...planSample({ households: r.households, collected: r.collected, margin: q.margin, confidence: q.confidence, p: q.p }),
  }));
}

/** A new seed for a draw (shown on the page, so the draw can be repeated). */
export function freshSeed(): number {
  return randomInt(1, MAX_SEED + 1);
}

export type DrawnHousehold = {
  /** Order drawn within its community (1 = first). */
  order: number;
  householdId: number;
  street: string;
  community: string;
  compound: string;
  building: string;
  stairwell: string | null;
  room: string;
};

export type MockDraw = { seed: number; communities: (CommunityPlan & { drawn: number })[]; households: DrawnHousehold[] };

/**
 * Draws, per chosen community, the households the plan needs, at random from its non-vacant
 * households (ordered by id, so the same seed and register give the same list). Each community
 * has its own stream (partSeed), so choosing more communities leaves the others' draws unchanged.
 * The list comes back in walking order: community, compound, building, stairwell, room.
 */
export async function drawMockSample(
  user: ScopedUser,
  q: PlanOptions & { communityIds: number[]; seed: number },
): Promise<MockDraw> {
  const plans = (await samplePlan(user, { ...q, campaignId: null })).filter((p) => q.communityIds.includes(p.communityId));
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
  q: { campaign: RateCampaign; basis: "satisfaction" | "score"; override: ScoreOverride; maxPoints: number; scoring: Scoring; minN: number },
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
