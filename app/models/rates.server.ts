// Rates from the answer tallies (db/migrations/003_rates.sql), rolled up over the register inside
// the user's scope. This file loads (SQL); the engine (app/domain/rate-engine.ts) and the
// arithmetic (app/domain/measures.ts) are pure. The same figures can be computed straight from the
// responses (source "responses"): that path is the reference the tests, the benchmark and
// `npm run cli -- rates --check` compare against.
import { sql } from "~/db.server";
import { inScope } from "~/models/places.server";
import { coversScope } from "~/models/campaigns.server";
import {
  addWeeks,
  availableMeasures,
  formulaFor,
  weekOf,
  weeksBetween,
  type AnswerTally,
  type MeasureKey,
  type RateLevel,
  type VisitMeasure,
} from "~/domain/measures";
import {
  ALL_WEEKS,
  observedWithout,
  observeWeeks,
  type WeekRow,
  buildRegister,
  bulletinFrom,
  compareFrom,
  compareGroups,
  VISIT_FORMULAS,
  visitStrata,
  visitTrendFrom,
  defaultBulletinWeek,
  observe,
  chooseCampaign,
  placeReportFrom,
  questionnaireStrata,
  questionnaireTable,
  trendFrom,
  trendUnit,
  type Bulletin,
  type VisitCount,
  type GroupComparison,
  type GroupTallies,
  type Observed,
  type ObservedRow,
  type PlaceReport,
  type RateCampaign,
  type RateOptions,
  type RateTable,
  type Register,
  type RegisterRows,
  type Trend,
  type WaveComparison,
  type WeekRange,
} from "~/domain/rate-engine";
import { bulletinRange, type BulletinLevel, type BulletinParams } from "~/domain/rate-params";
import type { ScopedUser } from "~/models/users.server";
import { chooseRound, type VisitRound } from "~/models/visits.server";
import { taggedQuestions } from "~/survey/tags";

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

/** The county's campaigns over the user's scope, newest first, with their response counts inside it. */
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
    where c.county_id = ${user.countyId} and ${coversScope(user)}
    order by c.opens_at desc, c.id desc`;
  return rows.map(({ definition, ...campaign }) => {
    const tagged = taggedQuestions(definition);
    return { ...campaign, tagged, measures: availableMeasures(tagged) };
  });
}

// ---------------------------------------------------------------------------------------------
// Loaders: the register inside the scope, and per place the responses and answer tallies of a week range

async function loadRegister(user: ScopedUser): Promise<Register> {
  // Three plain queries rather than one join: their plans stay cheap even when the statistics
  // lag behind a fresh register import.
  const [places, households, grids] = await Promise.all([
    sql<RegisterRows["places"]>`
      select p.id, p.name, p.level, p.path, p.sort_order as "sortOrder"
      from places p
      where p.county_id = ${user.countyId} and ${inScope(user, "p.path")}`,
    sql<RegisterRows["households"]>`
      select building_id as "buildingId", count(*)::int as households
      from households h
      where h.county_id = ${user.countyId} and not h.vacant and ${inScope(user, "h.path")}
      group by building_id`,
    sql<RegisterRows["grids"]>`
      select g.id, g.name, g.responsible_unit as unit, g.community_id as "communityId", gb.building_id as "buildingId"
      from grids g join grid_buildings gb on gb.grid_id = g.id
      where g.county_id = ${user.countyId}
      order by g.id, gb.building_id`,
  ]);
  return buildRegister({ places, households, grids }, user);
}

export type RateSource = "tallies" | "responses";

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
  campaign: Pick<RateCampaign, "id" | "firstWeek" | "lastWeek">,
  range: WeekRange,
  { source = "tallies", byWeek = false, questions }: ObserveOptions = {},
): Promise<Map<string, Observed>> {
  const campaignId = campaign.id;
  // Joined on the places' primary key: whatever the planner believes about a tally table's size,
  // the scope costs one key lookup per row at worst.
  const placeInScope = (column: string) =>
    sql`and exists (select 1 from places p where p.id = ${sql(column)} and p.county_id = ${user.countyId} and ${inScope(user, "p.path")})`;
  const only = (column: string) => (questions ? sql`and ${sql(column)} = any(${questions}::text[])` : sql``);
  if (source === "tallies") {
    // All weeks together: the week-less totals, a few thousand rows whatever the size.
    const totals = () =>
      Promise.all([
        sql<(ObservedRow & { responses: number })[]>`
          select place_id as "placeId", sum(responses)::int as responses
          from response_tallies
          where campaign_id = ${campaignId} ${placeInScope("place_id")}
          group by place_id having sum(responses) > 0`,
        sql<(ObservedRow & AnswerTally)[]>`
          select place_id as "placeId", question, answer, responses as count
          from answer_totals
          where campaign_id = ${campaignId} ${placeInScope("place_id")} and responses > 0 ${only("question")}`,
      ]);
    // Weeks: one row per place and week with all its answers (db/migrations/008_week_answers.sql),
    // or only the measure's questions.
    const picked = !questions
      ? sql`answers`
      : questions.length === 0
        ? sql`'{}'::jsonb`
        : sql`jsonb_build_object(${questions.map((q) => sql`${q}::text, answers -> ${q}`).reduce((a, b) => sql`${a}, ${b}`)})`;
    const weeks = (from: string | null, to: string | null) => sql<WeekRow[]>`
      select place_id as "placeId", week::text as week, responses, ${picked} as answers
      from response_tallies
      where campaign_id = ${campaignId} ${placeInScope("place_id")} and responses <> 0
        ${from ? sql`and week >= ${from}::date` : sql``} ${to ? sql`and week < ${to}::date` : sql``}`;
    const all = async () => {
      const [responseRows, answerRows] = await totals();
      return observe(responseRows, answerRows);
    };
    if (!byWeek && !range.from && !range.to) return all();
    // Everything before a week (a cumulative bulletin) late in the campaign: the totals less the
    // few weeks after it, rather than every week before it summed.
    const { firstWeek, lastWeek } = campaign;
    if (!byWeek && !range.from && range.to && firstWeek && lastWeek) {
      const after = weeksBetween(range.to, addWeeks(lastWeek, 1));
      if (after < weeksBetween(firstWeek, range.to)) {
        const [whole, later] = await Promise.all([all(), after > 0 ? weeks(range.to, null) : []]);
        return new Map([["", observedWithout(whole.get("") ?? new Map(), observeWeeks(later, { byWeek: false }).get("")!)]]);
      }
    }
    return observeWeeks(await weeks(range.from, range.to), { byWeek });
  }
  // The reference path: the same counts straight from the responses.
  const inRange = sql`${range.from ? sql`and rate_week(r.finished_at) >= ${range.from}::date` : sql``} ${range.to ? sql`and rate_week(r.finished_at) < ${range.to}::date` : sql``}`;
  const week = byWeek ? sql`, rate_week(r.finished_at)::text as week` : sql``;
  const groupWeek = byWeek ? sql`, rate_week(r.finished_at)` : sql``;
  const [responseRows, answerRows] = await Promise.all([
    sql<(ObservedRow & { responses: number })[]>`
      select r.place_id as "placeId", count(*)::int as responses ${week}
      from responses r
      where r.campaign_id = ${campaignId} and r.voided_at is null ${placeInScope("r.place_id")} ${inRange}
      group by r.place_id ${groupWeek}`,
    sql<(ObservedRow & AnswerTally)[]>`
      select r.place_id as "placeId", q.name as question, r.answers->q.name #>> '{}' as answer, count(*)::int as count ${week}
      from responses r join rate_questions q on q.survey_version_id = r.survey_version_id
      where r.campaign_id = ${campaignId} and r.voided_at is null ${placeInScope("r.place_id")} ${inRange} ${only("q.name")}
        and jsonb_typeof(r.answers->q.name) in ('string', 'number', 'boolean')
      group by r.place_id, q.name, r.answers->q.name #>> '{}' ${groupWeek}`,
  ]);
  return observe(responseRows, answerRows);
}

// ---------------------------------------------------------------------------------------------
// Reports

type TableQuery = {
  campaign: RateCampaign;
  measure: MeasureKey;
  level: RateLevel | null;
  range: WeekRange;
  source?: RateSource;
} & RateOptions;

const questionsOf = (q: { campaign: RateCampaign; measure: MeasureKey } & RateOptions) =>
  formulaFor(q.measure, q.campaign.tagged, q.override).questions.map((x) => x.name);

/** A rate for every unit of a level (default: communities, or the level below the scope). */
export async function rateTable(user: ScopedUser, q: TableQuery): Promise<RateTable> {
  const [register, observed] = await Promise.all([
    loadRegister(user),
    loadObserved(user, q.campaign, q.range, { source: q.source, questions: questionsOf(q) }),
  ]);
  return questionnaireTable(register, observed.get("") ?? new Map(), q);
}

/** Every measure of a place (building, compound …) inside the scope, question by question; null outside it. */
export async function placeReport(
  user: ScopedUser,
  q: { campaign: RateCampaign; placeId: number; measure: MeasureKey; range: WeekRange } & RateOptions,
): Promise<PlaceReport | null> {
  const [register, all] = await Promise.all([loadRegister(user), loadObserved(user, q.campaign, q.range)]);
  return placeReportFrom(register, all.get("") ?? new Map(), q);
}

/** A unit's figure week by week; null when the unit is outside the scope. */
export async function rateTrend(
  user: ScopedUser,
  q: { campaign: RateCampaign; measure: MeasureKey; placeId: number | null; gridId: number | null } & RateOptions,
): Promise<Trend | null> {
  const register = await loadRegister(user);
  const unit = trendUnit(register, q);
  if (!unit) return null;
  const byWeek = await loadObserved(user, q.campaign, ALL_WEEKS, { byWeek: true, questions: questionsOf(q) });
  return trendFrom(register, byWeek, unit, { ...q, formula: formulaFor(q.measure, q.campaign.tagged, q.override) });
}

/**
 * Two waves (campaigns of the same survey) unit by unit. The test runs on the weighted rates at
 * their Kish effective n, with the intervals shown beside them (measures.compareWeighted); the same
 * test will compare visited and not-visited households once visits exist.
 */
export async function compareWaves(
  user: ScopedUser,
  q: { campaign: RateCampaign; other: RateCampaign; measure: MeasureKey; level: RateLevel | null } & RateOptions,
): Promise<WaveComparison> {
  const [register, mine, theirs] = await Promise.all([
    loadRegister(user),
    loadObserved(user, q.campaign, ALL_WEEKS),
    loadObserved(user, q.other, ALL_WEEKS),
  ]);
  return compareFrom(register, mine.get("") ?? new Map(), theirs.get("") ?? new Map(), q);
}

/** The weekly bulletin (周通报): `ranges` are the chosen week's and the week before's. */
export async function bulletin(
  user: ScopedUser,
  q: {
    campaign: RateCampaign;
    measure: MeasureKey;
    level: RateLevel | null;
    week: string;
    target: number;
    ranges: [WeekRange, WeekRange];
  } & RateOptions,
): Promise<Bulletin> {
  const formula = formulaFor(q.measure, q.campaign.tagged, q.override);
  const [register, now, before] = await Promise.all([
    loadRegister(user),
    ...q.ranges.map((range) => loadObserved(user, q.campaign, range, { questions: questionsOf(q) })),
  ]);
  const strata = (observed: Map<string, Observed>) => questionnaireStrata(register, observed.get("") ?? new Map(), formula);
  return bulletinFrom(register, strata(now), strata(before), { ...q, formula });
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
export async function bulletinPage(user: ScopedUser, p: BulletinParams, now: Date): Promise<BulletinPage | "notFound"> {
  const campaigns = await listRateCampaigns(user);
  const { campaign, measure, unknownCampaign } = chooseCampaign(campaigns, p);
  if (unknownCampaign) return "notFound";
  const week = p.week ?? (campaign ? defaultBulletinWeek(campaign, now) : null);
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
      select t.place_id, t.week, q.key as question, a.key as answer, sum((a.value)::integer) as n from response_tallies t
      cross join lateral jsonb_each(t.answers) q cross join lateral jsonb_each(q.value) a
      where t.campaign_id = ${campaignId} group by 1, 2, 3, 4 having sum((a.value)::integer) <> 0
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

// ---------------------------------------------------------------------------------------------
// Door-to-door visits as a source (docs/decisions/009): counts per building from the households'
// current states (visit_household_states), through the same engine. Vacancy as the logs stand
// today, like the register's.

/** Per building of the round inside the scope, the counts of a visit measure at the end of any week. */
async function visitCountsByWeek(user: ScopedUser, round: VisitRound, measure: VisitMeasure) {
  // Counted per building first (a hash join over the households whatever the scope), then only
  // the buildings of the round's targets kept.
  const inTargets = sql`exists (select 1 from visit_round_targets t where t.round_id = ${round.id} and b.path @> array[t.place_id])`;
  /** Counted by the end of the week starting `week` (null: up to now). */
  const by = (at: string | null, week: string | null) => at !== null && (week === null || at <= week);
  if (measure === "refusal") {
    // Tried: a counted log; refused by a moment: refused by then and not reached by then (reached
    // wins over refused, refused over the rest: householdVisitState).
    const rows = await sql<{ buildingId: number; tried: string; refused: string | null; reached: string | null; n: number }[]>`
      select x.* from (
        select h.building_id as "buildingId", rate_week(s.first_at)::text as tried, rate_week(s.refused_at)::text as refused,
          rate_week(s.reached_at)::text as reached, count(*)::int as n
        from households h join visit_household_states s on s.county_id = h.county_id and s.round_id = ${round.id} and s.household_id = h.id
        where h.county_id = ${user.countyId} and not h.vacant and ${inScope(user, "h.path")}
          and s.first_at is not null and s.status <> 'vacant'
        group by 1, 2, 3, 4
      ) x join places b on b.id = x."buildingId"
      where ${inTargets}`;
    return (week: string | null): VisitCount[] => {
      const buildings = new Map<number, VisitCount>();
      for (const r of rows) {
        if (!by(r.tried, week)) continue;
        const b = buildings.get(r.buildingId) ?? { buildingId: r.buildingId, successes: 0, n: 0 };
        b.n += r.n;
        if (by(r.refused, week) && !by(r.reached, week)) b.successes += r.n;
        buildings.set(r.buildingId, b);
      }
      return [...buildings.values()];
    };
  }
  const rows = await sql<{ buildingId: number; week: string | null; reached: number; n: number }[]>`
    select x.* from (
      select h.building_id as "buildingId", rate_week(s.reached_at)::text as week,
        (count(*) filter (where s.reached_at is not null))::int as reached,
        (count(*) filter (where s.status is distinct from 'vacant'))::int as n
      from households h left join visit_household_states s on s.round_id = ${round.id} and s.household_id = h.id
      where h.county_id = ${user.countyId} and not h.vacant and ${inScope(user, "h.path")}
      group by 1, 2
    ) x join places b on b.id = x."buildingId"
    where ${inTargets}`;
  const buildings = new Map<number, { n: number; reached: Map<string, number> }>();
  for (const r of rows) {
    const b = buildings.get(r.buildingId) ?? { n: 0, reached: new Map() };
    b.n += r.n;
    if (r.week) b.reached.set(r.week, (b.reached.get(r.week) ?? 0) + r.reached);
    buildings.set(r.buildingId, b);
  }
  return (week: string | null): VisitCount[] =>
    [...buildings].map(([buildingId, b]) => ({
      buildingId,
      n: b.n,
      successes: [...b.reached].reduce((sum, [w, k]) => (by(w, week) ? sum + k : sum), 0),
    }));
}

/** The weeks of a round: from its start to the week of now (or of its last deadline, if that is earlier). */
export function roundWeeks(round: VisitRound, now: Date): { firstWeek: string; lastWeek: string } {
  const end = Math.min(now.getTime(), round.finalDeadline.getTime());
  return { firstWeek: weekOf(round.startsAt), lastWeek: weekOf(new Date(Math.max(end, round.startsAt.getTime()))) };
}

/** The weekly bulletin ranked by a visit measure at the end of `week` (a census), beside the week before. */
export async function visitBulletin(
  user: ScopedUser,
  q: { measure: VisitMeasure; round: VisitRound; level: RateLevel | null; week: string; target: number; minN: number },
): Promise<Bulletin> {
  const [register, countsAt] = await Promise.all([loadRegister(user), visitCountsByWeek(user, q.round, q.measure)]);
  const strata = (monday: string) => visitStrata(register, countsAt(monday));
  return bulletinFrom(register, strata(q.week), strata(addWeeks(q.week, -1)), {
    ...q,
    formula: VISIT_FORMULAS[q.measure],
    census: true,
  });
}

/**
 * A unit's visit measures at the end of every week of the round, one trend per measure asked for
 * (the register read once for all); null when the unit is outside the scope.
 */
export async function visitTrends(
  user: ScopedUser,
  q: { measures: readonly VisitMeasure[]; round: VisitRound; placeId: number | null; gridId: number | null; minN: number; now: Date },
): Promise<Trend[] | null> {
  const [register, ...countsOf] = await Promise.all([loadRegister(user), ...q.measures.map((m) => visitCountsByWeek(user, q.round, m))]);
  const unit = trendUnit(register, q);
  if (!unit) return null;
  const { firstWeek, lastWeek } = roundWeeks(q.round, q.now);
  return q.measures.map((measure, i) => {
    const weeks: { week: string; counts: VisitCount[] }[] = [];
    for (let week = firstWeek; week <= lastWeek; week = addWeeks(week, 1)) weeks.push({ week, counts: countsOf[i](week) });
    return visitTrendFrom(register, measure, weeks, unit, { minN: q.minN });
  });
}

export type GroupsReport = GroupComparison & {
  /** Responses left out: not linked to a household (visited) or not given on a building's link (coverage level). */
  unlinked: number;
};

/** A measure's answer tallies in two groups of a campaign's responses inside the scope, split by `first` (SQL, true = the first group). */
async function groupTallies(
  user: ScopedUser,
  campaign: RateCampaign,
  questions: string[],
  first: ReturnType<typeof sql>,
  from: ReturnType<typeof sql>,
) {
  const [answers, counts] = await Promise.all([
    sql<(AnswerTally & { first: boolean })[]>`
      select ${first} as first, q.name as question, r.answers->q.name #>> '{}' as answer, count(*)::int as count
      from responses r join rate_questions q on q.survey_version_id = r.survey_version_id ${from}
      where r.campaign_id = ${campaign.id} and r.county_id = ${user.countyId} and r.voided_at is null and ${inScope(user, "r.path")}
        and q.name = any(${questions}::text[]) and jsonb_typeof(r.answers->q.name) in ('string', 'number', 'boolean')
      group by 1, 2, 3`,
    sql<{ first: boolean | null; responses: number }[]>`
      select ${first} as first, count(*)::int as responses
      from responses r ${from}
      where r.campaign_id = ${campaign.id} and r.county_id = ${user.countyId} and r.voided_at is null and ${inScope(user, "r.path")}
      group by 1`,
  ]);
  const group = (value: boolean): GroupTallies => ({
    responses: counts.find((c) => c.first === value)?.responses ?? 0,
    tallies: answers.filter((a) => a.first === value),
  });
  return {
    groups: [group(true), group(false)] as [GroupTallies, GroupTallies],
    unlinked: counts.find((c) => c.first === null)?.responses ?? 0,
  };
}

/**
 * Visited vs not visited: respondents whose household (by its household code or link) had been
 * reached in the round before they answered, against the other linked respondents.
 */
export async function compareVisited(
  user: ScopedUser,
  q: { campaign: RateCampaign; measure: MeasureKey; round: VisitRound; minN: number },
): Promise<GroupsReport> {
  const formula = formulaFor(q.measure, q.campaign.tagged);
  const { groups, unlinked } = await groupTallies(
    user,
    q.campaign,
    formula.questions.map((x) => x.name),
    sql`case when hh.id is null then null else coalesce(s.reached_at <= r.finished_at, false) end`,
    sql`
      left join household_codes hc on hc.county_id = r.county_id and hc.id = r.household_code_id
      left join households hh on hh.county_id = r.county_id and hh.id = coalesce(r.household_id, hc.household_id)
      left join visit_household_states s on s.county_id = r.county_id and s.round_id = ${q.round.id} and s.household_id = hh.id`,
  );
  return { ...compareGroups(formula, groups, { minN: q.minN }), unlinked };
}

/**
 * Respondents of buildings whose coverage (today) is at least `threshold` against those of the
 * round's other buildings; responses outside the round's buildings (or on a compound's link) are left out.
 */
export async function compareByCoverage(
  user: ScopedUser,
  q: { campaign: RateCampaign; measure: MeasureKey; round: VisitRound; threshold: number; minN: number },
): Promise<GroupsReport> {
  const formula = formulaFor(q.measure, q.campaign.tagged);
  const countsAt = await visitCountsByWeek(user, q.round, "coverage");
  const counts = countsAt(null).filter((c) => c.n > 0);
  const above = counts.filter((c) => c.successes / c.n >= q.threshold).map((c) => c.buildingId);
  const below = counts.filter((c) => c.successes / c.n < q.threshold).map((c) => c.buildingId);
  const { groups, unlinked } = await groupTallies(
    user,
    q.campaign,
    formula.questions.map((x) => x.name),
    sql`case when r.path[5] = any(${above}::int[]) then true when r.path[5] = any(${below}::int[]) then false end`,
    sql``,
  );
  return { ...compareGroups(formula, groups, { minN: q.minN }), unlinked };
}

export type VisitBulletinPage = {
  rounds: { code: string; name: string }[];
  round: { code: string; name: string } | null;
  levels: BulletinLevel[];
  week: string | null;
  weeks: { firstWeek: string; lastWeek: string } | null;
  bulletin: Bulletin | null;
};

/** The bulletin ranked by a visit measure: the round asked for (else `chooseRound`'s default), at the end of the chosen week. */
export async function visitBulletinPage(
  user: ScopedUser,
  measure: VisitMeasure,
  p: BulletinParams,
  now: Date,
): Promise<VisitBulletinPage | "notFound"> {
  const { rounds, round } = await chooseRound(user.countyId, p.round);
  if (round === undefined) return "notFound";
  const choices = rounds.map((r) => ({ code: r.code, name: r.name }));
  if (!round) return { rounds: choices, round: null, levels: [], week: null, weeks: null, bulletin: null };
  const weeks = roundWeeks(round, now);
  const week = p.week ?? defaultBulletinWeek(weeks, now);
  const bulletin = await visitBulletin(user, { measure, round, level: p.level, week: week!, target: p.target, minN: p.minN });
  return { rounds: choices, round: { code: round.code, name: round.name }, levels: bulletin.levels, week, weeks, bulletin };
}
