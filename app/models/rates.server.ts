// Rates from the answer tallies (db/migrations/003_rates.sql), rolled up over the register inside
// the user's scope. SQL reads tallies grouped by place; the arithmetic is app/domain/measures.ts.
// The same figures can be computed straight from the responses (source "responses"): that path
// is the reference the tests, the benchmark and `npm run cli -- rates --check` compare against.
import { sql } from "~/db.server";
import { inScope } from "~/models/places.server";
import type { Level } from "~/domain/places";
import {
  addWeeks,
  availableMeasures,
  countParts,
  compareWeighted,
  formulaFor,
  rank,
  rollUp,
  statusFor,
  weekOf,
  type AnswerTally,
  type Figure,
  type Formula,
  type MeasureCounts,
  type MeasureKey,
  type RateLevel,
  type ScoreOverride,
  type Status,
} from "~/domain/measures";
import { BULLETIN_LEVELS, bulletinRange, type BulletinLevel, type BulletinParams } from "~/domain/rate-params";
import type { ProportionComparison } from "~/domain/stats";
import type { CurrentUser } from "~/models/users.server";
import { taggedQuestions, type TaggedQuestion } from "~/survey/tags";

export type ScopedUser = Pick<CurrentUser, "countyId" | "scopePlaceId" | "scopeGridId">;

type PlaceLevel = Exclude<RateLevel, "grid" | "unit">;

// Levels sit at fixed depths of places.path (county → street → community → compound → building).
const DEPTH: Record<PlaceLevel, number> = { county: 1, street: 2, community: 3, compound: 4, building: 5 };
const isPlaceLevel = (level: RateLevel): level is PlaceLevel => level in DEPTH;


/** A whole county as a scope (for the CLI): by its code, or the only county there is; null otherwise. */
export async function countyScope(code: string | null): Promise<ScopedUser | null> {
  const rows = await sql<{ countyId: number; rootId: number }[]>`
    select c.id as "countyId", p.id as "rootId"
    from counties c join places p on p.county_id = c.id and p.level = 'county'
    where ${code === null ? sql`true` : sql`c.code = ${code}`}
    limit 2`;
  if (rows.length !== 1) return null;
  return { countyId: rows[0].countyId, scopePlaceId: rows[0].rootId, scopeGridId: null };
}

// ---------------------------------------------------------------------------------------------
// Campaigns

export type RateCampaign = {
  id: number;
  code: string;
  name: string;
  surveyId: number;
  surveyTitle: string;
  version: number;
  opensAt: Date;
  closesAt: Date;
  state: "draft" | "open" | "paused" | "closed";
  /** Responses that count (not voided) inside the user's scope. */
  responses: number;
  /** Mondays of the first and last week with responses ('YYYY-MM-DD'). */
  firstWeek: string | null;
  lastWeek: string | null;
  tagged: TaggedQuestion[];
  measures: MeasureKey[];
};

/** The county's campaigns, newest first, with their response counts inside the user's scope. */
export async function listRateCampaigns(user: ScopedUser): Promise<RateCampaign[]> {
  const rows = await sql<(Omit<RateCampaign, "tagged" | "measures"> & { definition: unknown })[]>`
    select c.id, c.code, c.name, v.survey_id as "surveyId", v.title as "surveyTitle", v.version,
      c.opens_at as "opensAt", c.closes_at as "closesAt", c.state, v.definition,
      coalesce(s.responses, 0)::int as responses, s.first_week::text as "firstWeek", s.last_week::text as "lastWeek"
    from campaigns c
    join survey_versions v on v.id = c.survey_version_id
    left join lateral (
      select sum(t.responses) as responses, min(t.week) as first_week, max(t.week) as last_week
      from response_tallies t join places p on p.id = t.place_id
      where t.campaign_id = c.id and t.responses > 0 and ${inScope(user, "p.path")}
    ) s on true
    where c.county_id = ${user.countyId}
    order by c.opens_at desc, c.id desc`;
  return rows.map(({ definition, ...campaign }) => {
    const tagged = taggedQuestions(definition);
    return { ...campaign, tagged, measures: availableMeasures(tagged) };
  });
}

/**
 * The campaign with this code; by default the open campaign with the most responses in the scope
 * (a campaign just opened with two answers does not take over the pages), else the campaign with
 * the most responses, else the newest. Ties go to the newer campaign (the list is newest first).
 */
export function pickCampaign(campaigns: RateCampaign[], code?: string | null): RateCampaign | null {
  if (code) return campaigns.find((c) => c.code === code) ?? null;
  const most = (list: RateCampaign[]) =>
    list.reduce<RateCampaign | null>((best, c) => (c.responses > 0 && (!best || c.responses > best.responses) ? c : best), null);
  return most(campaigns.filter((c) => c.state === "open")) ?? most(campaigns) ?? campaigns[0] ?? null;
}

// ---------------------------------------------------------------------------------------------
// The register inside the scope

type RegisterPlace = { id: number; name: string; level: Level; path: number[]; households: number };
type RegisterGrid = { id: number; name: string; unit: string | null; communityId: number; buildings: number[] };
type Root = { level: RateLevel; placeId: number | null; gridId: number | null };

type Register = {
  places: Map<number, RegisterPlace>;
  /** Register order: by path, siblings by sort order. */
  ordered: RegisterPlace[];
  grids: RegisterGrid[];
  gridOfBuilding: Map<number, RegisterGrid>;
  root: Root;
};

async function loadRegister(user: ScopedUser): Promise<Register> {
  // Three plain queries rather than one join: their plans stay cheap even when the statistics
  // lag behind a fresh register import.
  const [rows, householdRows, gridRows] = await Promise.all([
    sql<(Omit<RegisterPlace, "households"> & { sortOrder: number })[]>`
      select p.id, p.name, p.level, p.path, p.sort_order as "sortOrder"
      from places p
      where p.county_id = ${user.countyId} and ${inScope(user, "p.path")}`,
    sql<{ buildingId: number; households: number }[]>`
      select building_id as "buildingId", count(*)::int as households
      from households h
      where h.county_id = ${user.countyId} and not h.vacant and ${inScope(user, "h.path")}
      group by building_id`,
    sql<{ id: number; name: string; unit: string | null; communityId: number; buildingId: number }[]>`
      select g.id, g.name, g.responsible_unit as unit, g.community_id as "communityId", gb.building_id as "buildingId"
      from grids g join grid_buildings gb on gb.grid_id = g.id
      where g.county_id = ${user.countyId}
      order by g.id, gb.building_id`,
  ]);
  const compare = (a: number[], b: number[]) => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
    return a.length - b.length;
  };
  // Sort by (sort order, id) at every depth, so siblings keep the register's order.
  const sortOrder = new Map(rows.map((r) => [r.id, r.sortOrder]));
  const households = new Map(householdRows.map((h) => [h.buildingId, h.households]));
  const keyed = rows.map(({ sortOrder: _s, ...place }) => ({
    place: { ...place, households: place.level === "building" ? (households.get(place.id) ?? 0) : 0 },
    key: place.path.flatMap((id) => [sortOrder.get(id) ?? 0, id]),
  }));
  keyed.sort((a, b) => compare(a.key, b.key));
  const ordered = keyed.map((k) => k.place);
  const places = new Map(ordered.map((p) => [p.id, p]));
  // A compound's or community's households are its buildings' households.
  for (const building of ordered.filter((p) => p.level === "building")) {
    for (const ancestor of building.path.slice(0, -1)) {
      const place = places.get(ancestor);
      if (place) place.households += building.households;
    }
  }

  const byId = new Map<number, RegisterGrid>();
  for (const r of gridRows) {
    const grid = byId.get(r.id) ?? { id: r.id, name: r.name, unit: r.unit, communityId: r.communityId, buildings: [] };
    grid.buildings.push(r.buildingId);
    byId.set(r.id, grid);
  }
  // A grid's figure belongs to the scope only when all of its buildings do.
  const grids = [...byId.values()].filter((g) => g.buildings.every((b) => places.has(b)));
  const gridOfBuilding = new Map(grids.flatMap((g) => g.buildings.map((b) => [b, g] as const)));

  const root: Root =
    user.scopeGridId !== null
      ? { level: "grid", placeId: null, gridId: user.scopeGridId }
      : { level: (places.get(user.scopePlaceId)?.level ?? "county") as PlaceLevel, placeId: user.scopePlaceId, gridId: null };
  return { places, ordered, grids, gridOfBuilding, root };
}

/** The levels a bulletin can rank for this scope: those below the scope's own (one row ranks nothing). */
function bulletinLevels(register: Register): BulletinLevel[] {
  const levels = levelsFor(register);
  return BULLETIN_LEVELS.filter((l) => levels.includes(l) && l !== register.root.level);
}

/** The levels a user's rate tables can list, top down. */
function levelsFor(register: Register): RateLevel[] {
  const { root } = register;
  if (root.level === "grid") return ["grid", "building"];
  const below = (Object.keys(DEPTH) as PlaceLevel[]).filter((l) => DEPTH[l] >= DEPTH[root.level as PlaceLevel]);
  const levels: RateLevel[] = [...below];
  if (register.grids.length > 0) levels.push("grid");
  if (register.grids.some((g) => g.unit) && root.level === "county") levels.push("unit");
  return levels;
}

// ---------------------------------------------------------------------------------------------
// Observations: per place, the responses and answer tallies of a week range

/** Mondays ('YYYY-MM-DD'): from inclusive, to exclusive; null = open. */
export type WeekRange = { from: string | null; to: string | null };
export const ALL_WEEKS: WeekRange = { from: null, to: null };

export type RateSource = "tallies" | "responses";

type Observed = Map<number, { responses: number; tallies: AnswerTally[] }>;

type Row = { placeId: number; week?: string };

function observe(responseRows: (Row & { responses: number })[], answerRows: (Row & AnswerTally)[]): Map<string, Observed> {
  const byWeek = new Map<string, Observed>();
  const entry = (week: string | undefined, placeId: number) => {
    const observed = byWeek.get(week ?? "") ?? new Map();
    byWeek.set(week ?? "", observed);
    const place = observed.get(placeId) ?? { responses: 0, tallies: [] };
    observed.set(placeId, place);
    return place;
  };
  for (const r of responseRows) entry(r.week, r.placeId).responses += r.responses;
  // The rows are tallies already (question, answer, count); placeId and week ride along unused.
  for (const a of answerRows) entry(a.week, a.placeId).tallies.push(a);
  return byWeek;
}

type ObserveOptions = {
  source?: RateSource;
  /** Keyed by week ('YYYY-MM-DD') instead of all in "". */
  byWeek?: boolean;
  /** Only these questions (a measure's); all tagged questions when absent. */
  questions?: string[];
};

/** Responses and answer tallies per place inside the scope, for a week range. */
async function loadObserved(
  user: ScopedUser,
  campaignId: number,
  range: WeekRange,
  { source = "tallies", byWeek = false, questions }: ObserveOptions = {},
): Promise<Map<string, Observed>> {
  // Joined on the places' primary key: whatever the planner believes about a tally table's size,
  // the scope costs one key lookup per row at worst.
  const placeInScope = (column: string) =>
    sql`and exists (select 1 from places p where p.id = ${sql(column)} and p.county_id = ${user.countyId} and ${inScope(user, "p.path")})`;
  const only = (column: string) => (questions ? sql`and ${sql(column)} = any(${questions}::text[])` : sql``);
  if (source === "tallies") {
    const week = byWeek ? sql`, week::text as week` : sql``;
    const groupWeek = byWeek ? sql`, week` : sql``;
    const inRange = sql`${range.from ? sql`and week >= ${range.from}::date` : sql``} ${range.to ? sql`and week < ${range.to}::date` : sql``}`;
    // All weeks together come from the week-less totals: a few thousand rows whatever the size.
    const allWeeks = !byWeek && !range.from && !range.to;
    const [responseRows, answerRows] = await Promise.all([
      sql<(Row & { responses: number })[]>`
        select place_id as "placeId", sum(responses)::int as responses ${week}
        from response_tallies
        where campaign_id = ${campaignId} ${placeInScope("place_id")} ${inRange}
        group by place_id ${groupWeek} having sum(responses) > 0`,
      allWeeks
        ? sql<(Row & AnswerTally)[]>`
            select place_id as "placeId", question, answer, responses as count
            from answer_totals
            where campaign_id = ${campaignId} ${placeInScope("place_id")} and responses > 0 ${only("question")}`
        : sql<(Row & AnswerTally)[]>`
            select place_id as "placeId", question, answer, sum(responses)::int as count ${week}
            from answer_tallies
            where campaign_id = ${campaignId} ${placeInScope("place_id")} ${inRange} ${only("question")}
            group by place_id, question, answer ${groupWeek} having sum(responses) > 0`,
    ]);
    return observe(responseRows, answerRows);
  }
  // The reference path: the same counts straight from the responses.
  const inRange = sql`${range.from ? sql`and rate_week(r.finished_at) >= ${range.from}::date` : sql``} ${range.to ? sql`and rate_week(r.finished_at) < ${range.to}::date` : sql``}`;
  const week = byWeek ? sql`, rate_week(r.finished_at)::text as week` : sql``;
  const groupWeek = byWeek ? sql`, rate_week(r.finished_at)` : sql``;
  const [responseRows, answerRows] = await Promise.all([
    sql<(Row & { responses: number })[]>`
      select r.place_id as "placeId", count(*)::int as responses ${week}
      from responses r
      where r.campaign_id = ${campaignId} and r.voided_at is null ${placeInScope("r.place_id")} ${inRange}
      group by r.place_id ${groupWeek}`,
    sql<(Row & AnswerTally)[]>`
      select r.place_id as "placeId", q.name as question, r.answers->q.name #>> '{}' as answer, count(*)::int as count ${week}
      from responses r join rate_questions q on q.survey_version_id = r.survey_version_id
      where r.campaign_id = ${campaignId} and r.voided_at is null ${placeInScope("r.place_id")} ${inRange} ${only("q.name")}
        and jsonb_typeof(r.answers->q.name) in ('string', 'number', 'boolean')
      group by r.place_id, q.name, r.answers->q.name #>> '{}' ${groupWeek}`,
  ]);
  return observe(responseRows, answerRows);
}

// ---------------------------------------------------------------------------------------------
// Units and figures

type StratumRow = { id: number; path: number[]; households: number; responses: number; parts: MeasureCounts[] };

/** Strata: buildings, or a compound for responses on its own link (see measures.ts). */
function strataOf(register: Register, observed: Observed, formula: Formula): StratumRow[] {
  const members = new Map<number, { responses: number; tallies: AnswerTally[] }[]>();
  for (const [placeId, data] of observed) {
    const place = register.places.get(placeId);
    if (!place) continue;
    const id = place.path.length > DEPTH.building ? place.path[DEPTH.building - 1] : placeId;
    members.set(id, [...(members.get(id) ?? []), data]);
  }
  const byId = new Map<number, StratumRow>();
  for (const [id, data] of members) {
    const place = register.places.get(id)!;
    const responses = data.reduce((sum, d) => sum + d.responses, 0);
    const tallies = data.length === 1 ? data[0].tallies : data.flatMap((d) => d.tallies);
    byId.set(id, { id, path: place.path, households: place.households, responses, parts: countParts(formula, tallies, responses) });
  }
  // In id order, so that floating-point sums do not depend on the order rows arrive in.
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

export type RateUnit = {
  /** p<placeId>, g<gridId> or u<responsible unit>. */
  key: string;
  level: RateLevel;
  placeId: number | null;
  gridId: number | null;
  name: string;
  /** Where it is: the street of a community, the compound of a building, the community of a grid. */
  context: string | null;
  households: number;
  responses: number;
  figure: Figure;
  rank: number | null;
};

type UnitRef = Omit<RateUnit, "responses" | "figure" | "rank">;

function unitsAt(register: Register, level: RateLevel): UnitRef[] {
  const name = (id: number | undefined) => (id === undefined ? null : (register.places.get(id)?.name ?? null));
  if (isPlaceLevel(level)) {
    return register.ordered
      .filter((p) => p.level === level)
      .map((p) => ({
        key: `p${p.id}`,
        level,
        placeId: p.id,
        gridId: null,
        name: p.name,
        context: name(p.path[p.path.length - 2]),
        households: p.households,
      }));
  }
  const households = (g: RegisterGrid) => g.buildings.reduce((sum, b) => sum + (register.places.get(b)?.households ?? 0), 0);
  const communityOrder = new Map(register.ordered.map((p, i) => [p.id, i]));
  const grids = [...register.grids].sort(
    (a, b) => (communityOrder.get(a.communityId) ?? 0) - (communityOrder.get(b.communityId) ?? 0) || a.id - b.id,
  );
  if (level === "grid") {
    return grids.map((g) => ({
      key: `g${g.id}`,
      level,
      placeId: null,
      gridId: g.id,
      name: g.name,
      context: name(g.communityId),
      households: households(g),
    }));
  }
  const units = new Map<string, UnitRef>();
  for (const g of grids) {
    if (!g.unit) continue;
    const unit = units.get(g.unit) ?? { key: `u${g.unit}`, level, placeId: null, gridId: null, name: g.unit, context: null, households: 0 };
    unit.households += households(g);
    units.set(g.unit, unit);
  }
  return [...units.values()].sort((a, b) => a.name.localeCompare(b.name, "zh-CN"));
}

/** Which unit of `level` a stratum belongs to, as a UnitRef key. */
function unitKeyOf(register: Register, level: RateLevel, stratum: StratumRow): string | null {
  if (isPlaceLevel(level)) {
    const depth = DEPTH[level];
    return stratum.path.length >= depth ? `p${stratum.path[depth - 1]}` : null;
  }
  const grid = register.gridOfBuilding.get(stratum.id);
  if (!grid) return null;
  if (level === "grid") return `g${grid.id}`;
  return grid.unit ? `u${grid.unit}` : null;
}

export type RateOptions = { minN: number; confidence?: number; override?: ScoreOverride };

function figuresFor(
  register: Register,
  strata: StratumRow[],
  units: UnitRef[],
  level: RateLevel,
  opts: RateOptions,
): RateUnit[] {
  const grouped = new Map<string, StratumRow[]>();
  for (const s of strata) {
    const key = unitKeyOf(register, level, s);
    if (key === null) continue;
    grouped.set(key, [...(grouped.get(key) ?? []), s]);
  }
  const rows = units.map((u) => {
    const members = grouped.get(u.key) ?? [];
    return {
      ...u,
      responses: members.reduce((sum, s) => sum + s.responses, 0),
      figure: rollUp(members, u.households, opts),
      rank: null,
    };
  });
  const ranks = new Map(rank(rows, (r) => r.figure).map(({ item, rank }) => [item.key, rank]));
  return rows.map((r) => ({ ...r, rank: ranks.get(r.key) ?? null }));
}

function rootUnit(register: Register): UnitRef {
  const { root } = register;
  if (root.gridId !== null) {
    return unitsAt(register, "grid").find((u) => u.gridId === root.gridId)!;
  }
  return unitsAt(register, root.level).find((u) => u.placeId === root.placeId)!;
}

export type RateTable = {
  formula: Formula;
  level: RateLevel;
  levels: RateLevel[];
  /** The whole scope (county, the user's street or community, or grid). */
  total: RateUnit;
  /** Every unit of the level inside the scope, in register order, with its rank. */
  units: RateUnit[];
};

type TableQuery = {
  campaign: RateCampaign;
  measure: MeasureKey;
  level: RateLevel | null;
  range: WeekRange;
  source?: RateSource;
} & RateOptions;

/** A rate for every unit of a level (default: communities, or the level below the scope). */
export async function rateTable(user: ScopedUser, q: TableQuery): Promise<RateTable> {
  const questions = formulaFor(q.measure, q.campaign.tagged, q.override).questions.map((x) => x.name);
  const [register, observed] = await Promise.all([
    loadRegister(user),
    loadObserved(user, q.campaign.id, q.range, { source: q.source, questions }),
  ]);
  return tableFrom(register, observed.get("") ?? new Map(), q);
}

function tableFrom(register: Register, observed: Observed, q: TableQuery): RateTable {
  const formula = formulaFor(q.measure, q.campaign.tagged, q.override);
  const levels = levelsFor(register);
  const level = q.level && levels.includes(q.level) ? q.level : defaultLevel(levels);
  const strata = strataOf(register, observed, formula);
  const root = rootUnit(register);
  const [total] = figuresFor(register, strata, [root], root.level, q);
  return { formula, level, levels, total, units: figuresFor(register, strata, unitsAt(register, level), level, q) };
}

function defaultLevel(levels: RateLevel[]): RateLevel {
  return levels.includes("community") ? "community" : (levels[1] ?? levels[0]);
}

// ---------------------------------------------------------------------------------------------
// Drill-down, trends, wave comparison

export type QuestionReport = {
  name: string;
  title: string;
  figure: Figure;
  /** Answers given, most frequent first (excluded ones included). */
  answers: { answer: string; count: number }[];
};

export type MeasureReport = { formula: Formula; figure: Figure; questions: QuestionReport[] };

export type PlaceReport = {
  place: { id: number; name: string; level: Level; households: number };
  crumbs: { id: number; name: string; level: Level }[];
  responses: number;
  measures: MeasureReport[];
  /** The next level down, for the chosen measure. */
  children: RateTable | null;
};

/** Every measure of a place (building, compound …) inside the scope, question by question; null outside it. */
export async function placeReport(
  user: ScopedUser,
  q: { campaign: RateCampaign; placeId: number; measure: MeasureKey; range: WeekRange } & RateOptions,
): Promise<PlaceReport | null> {
  const [register, all] = await Promise.all([loadRegister(user), loadObserved(user, q.campaign.id, q.range)]);
  const place = register.places.get(q.placeId);
  if (!place || place.level === "stairwell") return null;
  const observed = all.get("") ?? new Map();
  const unit = unitsAt(register, place.level as PlaceLevel).find((u) => u.placeId === place.id)!;
  const inside = (s: StratumRow) => s.path.includes(place.id);

  const measures = q.campaign.measures.map((measure) => {
    const formula = formulaFor(measure, q.campaign.tagged, q.override);
    const strata = strataOf(register, observed, formula).filter(inside);
    const questions = formula.questions.map((question, i) => {
      const counts = new Map<string, number>();
      for (const [placeId, data] of observed) {
        if (!register.places.get(placeId)?.path.includes(place.id)) continue;
        for (const t of data.tallies) if (t.question === question.name) counts.set(t.answer, (counts.get(t.answer) ?? 0) + t.count);
      }
      return {
        name: question.name,
        title: question.title,
        figure: rollUp(strata.map((s) => ({ households: s.households, parts: [s.parts[i]] })), unit.households, q),
        answers: [...counts]
          .map(([answer, count]) => ({ answer, count }))
          .sort((a, b) => b.count - a.count || (a.answer < b.answer ? -1 : 1)),
      };
    });
    return { formula, figure: rollUp(strata, unit.households, q), questions };
  });

  const childLevel = (Object.keys(DEPTH) as PlaceLevel[]).find((l) => DEPTH[l] === place.path.length + 1);
  let children: RateTable | null = null;
  if (childLevel) {
    const formula = formulaFor(q.measure, q.campaign.tagged, q.override);
    const strata = strataOf(register, observed, formula).filter(inside);
    const units = unitsAt(register, childLevel).filter((u) => register.places.get(u.placeId!)!.path.includes(place.id));
    const [total] = figuresFor(register, strata, [unit], place.level as PlaceLevel, q);
    children = { formula, level: childLevel, levels: [childLevel], total, units: figuresFor(register, strata, units, childLevel, q) };
  }
  const responses = [...observed].reduce(
    (sum, [placeId, data]) => sum + (register.places.get(placeId)?.path.includes(place.id) ? data.responses : 0),
    0,
  );
  return {
    place: { id: place.id, name: place.name, level: place.level, households: unit.households },
    crumbs: place.path
      .map((id) => register.places.get(id))
      .filter((p): p is RegisterPlace => p !== undefined)
      .map((p) => ({ id: p.id, name: p.name, level: p.level })),
    responses,
    measures,
    children,
  };
}

export type TrendPoint = { week: string; responses: number; figure: Figure };
export type Trend = { unit: UnitRef; formula: Formula; weeks: TrendPoint[] };

/** A unit's figure week by week (every week from the campaign's first to its last with responses). */
export async function rateTrend(
  user: ScopedUser,
  q: { campaign: RateCampaign; measure: MeasureKey; placeId: number | null; gridId: number | null } & RateOptions,
): Promise<Trend | null> {
  const register = await loadRegister(user);
  let unit: UnitRef | undefined;
  if (q.gridId !== null) unit = unitsAt(register, "grid").find((u) => u.gridId === q.gridId);
  else if (q.placeId !== null) {
    const place = register.places.get(q.placeId);
    if (place && place.level !== "stairwell") unit = unitsAt(register, place.level as PlaceLevel).find((u) => u.placeId === place.id);
  } else unit = rootUnit(register);
  if (!unit) return null;

  const formula = formulaFor(q.measure, q.campaign.tagged, q.override);
  const questions = formula.questions.map((x) => x.name);
  const byWeek = await loadObserved(user, q.campaign.id, ALL_WEEKS, { byWeek: true, questions });
  const weeks: TrendPoint[] = [];
  if (q.campaign.firstWeek && q.campaign.lastWeek) {
    for (let week = q.campaign.firstWeek; week <= q.campaign.lastWeek; week = nextWeek(week)) {
      const strata = strataOf(register, byWeek.get(week) ?? new Map(), formula);
      const [row] = figuresFor(register, strata, [unit], unit.level, q);
      weeks.push({ week, responses: row.responses, figure: row.figure });
    }
  }
  return { unit, formula, weeks };
}

function nextWeek(monday: string): string {
  const next = new Date(Date.parse(`${monday}T00:00:00Z`) + 7 * 86_400_000);
  return next.toISOString().slice(0, 10);
}

export type WaveRow = {
  unit: RateUnit;
  /** The same unit in the other wave. */
  other: RateUnit;
  /** This wave minus the other: difference, Newcombe interval, p-value; null without data in either. */
  comparison: ProportionComparison | null;
};

export type WaveComparison = { formula: Formula; level: RateLevel; levels: RateLevel[]; total: WaveRow; rows: WaveRow[] };

/**
 * Two waves (campaigns of the same survey) unit by unit. The test runs on the weighted rates at
 * their Kish effective n, with the intervals shown beside them (measures.compareWeighted); the same test
 * will compare visited and not-visited households once visits exist.
 */
export async function compareWaves(
  user: ScopedUser,
  q: { campaign: RateCampaign; other: RateCampaign; measure: MeasureKey; level: RateLevel | null } & RateOptions,
): Promise<WaveComparison> {
  const [register, mine, theirs] = await Promise.all([
    loadRegister(user),
    loadObserved(user, q.campaign.id, ALL_WEEKS),
    loadObserved(user, q.other.id, ALL_WEEKS),
  ]);
  const a = tableFrom(register, mine.get("") ?? new Map(), { ...q, range: ALL_WEEKS });
  const b = tableFrom(register, theirs.get("") ?? new Map(), { ...q, campaign: q.other, level: a.level, range: ALL_WEEKS });
  const pair = (unit: RateUnit, other: RateUnit): WaveRow => ({ unit, other, comparison: compareWeighted(unit.figure, other.figure) });
  const others = new Map(b.units.map((u) => [u.key, u]));
  return {
    formula: a.formula,
    level: a.level,
    levels: a.levels,
    total: pair(a.total, b.total),
    rows: a.units.map((u) => pair(u, others.get(u.key)!)),
  };
}

// ---------------------------------------------------------------------------------------------
// The weekly bulletin (周通报)

export type BulletinRow = {
  unit: RateUnit;
  /** 红/黄/绿 against the target; null when greyed (n under the minimum) or without data. */
  status: Status | null;
  /** The same unit the week before (same span). */
  previous: RateUnit;
  /** This week's weighted rate minus last week's, with the two-proportion test; null without both. */
  change: ProportionComparison | null;
};

export type Bulletin = {
  formula: Formula;
  level: RateLevel;
  /** The levels this scope's bulletin can rank. */
  levels: BulletinLevel[];
  week: string;
  total: BulletinRow;
  rows: BulletinRow[];
};

/**
 * Ranks the units of a level for one week (or everything up to its end) against a target: ranked
 * units first, then the greyed ones. `ranges` are the chosen week's and the week before's.
 */
export async function bulletin(
  user: ScopedUser,
  q: { campaign: RateCampaign; measure: MeasureKey; level: RateLevel | null; week: string; target: number; ranges: [WeekRange, WeekRange] } & RateOptions,
): Promise<Bulletin> {
  const register = await loadRegister(user);
  const levels = levelsFor(register);
  const allowed = bulletinLevels(register);
  const level = allowed.find((l) => l === q.level) ?? (allowed.includes("community") ? "community" : allowed[0]) ?? defaultLevel(levels);
  const questions = formulaFor(q.measure, q.campaign.tagged, q.override).questions.map((x) => x.name);
  const [now, before] = await Promise.all(q.ranges.map((range) => loadObserved(user, q.campaign.id, range, { questions })));
  const current = tableFrom(register, now.get("") ?? new Map(), { ...q, level, range: ALL_WEEKS });
  const previous = tableFrom(register, before.get("") ?? new Map(), { ...q, level: current.level, range: ALL_WEEKS });
  const previousOf = new Map([previous.total, ...previous.units].map((u) => [u.key, u]));
  const row = (unit: RateUnit): BulletinRow => {
    const last = previousOf.get(unit.key)!;
    const greyed = unit.figure.belowMinimum || unit.figure.weighted.rate === null;
    return {
      unit,
      status: greyed ? null : statusFor(unit.figure.weighted, q.target),
      previous: last,
      change: compareWeighted(unit.figure, last.figure),
    };
  };
  const ordered = [...current.units].sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity));
  return {
    formula: current.formula,
    level: current.level,
    levels: allowed,
    week: q.week,
    total: row(current.total),
    rows: ordered.map(row),
  };
}

export type BulletinPage = {
  campaigns: RateCampaign[];
  campaign: RateCampaign | null;
  measure: MeasureKey | null;
  /** The levels the user's scope can rank. */
  levels: BulletinLevel[];
  /** Monday of the week shown. */
  week: string | null;
  bulletin: Bulletin | null;
};

/** Everything the bulletin page and its export show, from its parsed query; null campaign = none yet. */
export async function bulletinPage(user: ScopedUser, p: BulletinParams): Promise<BulletinPage | "notFound"> {
  const campaigns = await listRateCampaigns(user);
  const campaign = pickCampaign(campaigns, p.campaign);
  if (p.campaign && !campaign) return "notFound";
  const measure = campaign?.measures.includes(p.measure) ? p.measure : (campaign?.measures[0] ?? null);
  // By default the last week that has ended: a bulletin reports a whole week.
  const thisWeek = weekOf(new Date());
  const lastWeek = campaign?.lastWeek ?? null;
  const week =
    p.week ?? (lastWeek && lastWeek >= thisWeek && campaign!.firstWeek! < thisWeek ? addWeeks(thisWeek, -1) : lastWeek);
  if (!campaign || !measure || !week) return { campaigns, campaign, measure, levels: [], week, bulletin: null };
  const result = await bulletin(user, {
    campaign,
    measure,
    level: p.level,
    week,
    target: p.target,
    minN: p.minN,
    ranges: [bulletinRange(week, p.span), bulletinRange(addWeeks(week, -1), p.span)],
  });
  return { campaigns, campaign, measure, levels: result.levels, week, bulletin: result };
}

// ---------------------------------------------------------------------------------------------
// Keeping the tallies honest

/** Tally rows that disagree with a direct count over the campaign's responses (0 = consistent). */
export async function tallyDifferences(campaignId: number): Promise<number> {
  const [{ n }] = await sql<{ n: number }[]>`
    with tallied as (
      select place_id, week, question, answer, sum(responses) as n from answer_tallies
      where campaign_id = ${campaignId} group by 1, 2, 3, 4 having sum(responses) <> 0
      union all
      select place_id, null::date, question, answer, sum(responses) from answer_totals
      where campaign_id = ${campaignId} group by 1, 2, 3, 4 having sum(responses) <> 0
      union all
      select place_id, week, '', '', sum(responses) from response_tallies
      where campaign_id = ${campaignId} group by 1, 2 having sum(responses) <> 0
    ), answers as (
      select r.place_id, rate_week(r.finished_at) as week, q.name as question, r.answers->q.name #>> '{}' as answer
      from responses r join rate_questions q on q.survey_version_id = r.survey_version_id
      where r.campaign_id = ${campaignId} and r.voided_at is null and jsonb_typeof(r.answers->q.name) in ('string', 'number', 'boolean')
    ), counted as (
      select place_id, week, question, answer, count(*) as n from answers group by 1, 2, 3, 4
      union all
      select place_id, null::date, question, answer, count(*) from answers group by 1, 3, 4
      union all
      select place_id, rate_week(finished_at), '', '', count(*) from responses
      where campaign_id = ${campaignId} and voided_at is null group by 1, 2
    )
    select count(*)::int as n from tallied t full join counted c
      on c.place_id = t.place_id and c.week is not distinct from t.week and c.question = t.question and c.answer = t.answer
    where t.n is distinct from c.n`;
  return n;
}

/** Recounts a campaign's tallies from its responses (after a bulk load with triggers off, or a repair). */
export async function rebuildTallies(campaignId: number): Promise<void> {
  await sql`select rebuild_rate_tallies(${campaignId})`;
}
