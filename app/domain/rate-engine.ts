// The rates engine: the register inside a scope, strata, units and their figures, and the reports
// built from them (rate table, drill-down, trend, wave comparison, bulletin). Pure: the model
// (app/models/rates.server.ts) loads the register and a source's counts with SQL and hands them
// here; the clock is passed in.
//
// Sources. A report reads strata: per building (or a compound, for responses on its own link) the
// households it stands for and one MeasureCounts per question (measures.ts). Questionnaire answers
// become strata through `questionnaireStrata`; door-to-door visits and 12345 callbacks add a
// loader and a function that gives their strata, and use the same report builders.
import type { Level } from "~/domain/places";
import {
  combineQuestions,
  compareWeighted,
  countParts,
  wilsonAt,
  formulaFor,
  lowerIsBetter,
  rank,
  rollUp,
  statusFor,
  addWeeks,
  weekOf,
  type AnswerTally,
  type Estimate,
  type Figure,
  type Formula,
  type MeasureCounts,
  type MeasureKey,
  type RateLevel,
  type ScoreOverride,
  type Status,
  type VisitMeasure,
} from "~/domain/measures";
import { BULLETIN_LEVELS, type BulletinLevel } from "~/domain/rate-params";
import { compareEstimates, type ProportionComparison } from "~/domain/stats";
import type { TaggedQuestion } from "~/survey/tags";

type PlaceLevel = Exclude<RateLevel, "grid" | "unit">;

// Levels sit at fixed depths of places.path (county → street → community → compound → building).
const DEPTH: Record<PlaceLevel, number> = { county: 1, street: 2, community: 3, compound: 4, building: 5 };
const isPlaceLevel = (level: RateLevel): level is PlaceLevel => level in DEPTH;

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

export type CampaignChoice = {
  campaign: RateCampaign | null;
  /** The measure asked for if the campaign has it, else the campaign's first; null without a campaign. */
  measure: MeasureKey | null;
  /** A campaign code was asked for and is not among the campaigns (the pages answer 404). */
  unknownCampaign: boolean;
  /** A measure was asked for that the campaign has no questions for (the API answers 400). */
  unavailableMeasure: boolean;
};

/** What every rates page, export and the API show from the query's campaign and measure. */
export function chooseCampaign(campaigns: RateCampaign[], asked: { campaign: string | null; measure?: MeasureKey | null }): CampaignChoice {
  const campaign = pickCampaign(campaigns, asked.campaign);
  const has = (m: MeasureKey | null | undefined): m is MeasureKey => !!m && !!campaign?.measures.includes(m);
  return {
    campaign,
    measure: has(asked.measure) ? asked.measure : (campaign?.measures[0] ?? null),
    unknownCampaign: asked.campaign !== null && campaign === null,
    unavailableMeasure: !!asked.measure && campaign !== null && !has(asked.measure),
  };
}

// ---------------------------------------------------------------------------------------------
// The register inside the scope

export type RegisterPlace = { id: number; name: string; level: Level; path: number[]; households: number };
export type RegisterGrid = { id: number; name: string; unit: string | null; communityId: number; buildings: number[] };
export type Root = { level: RateLevel; placeId: number | null; gridId: number | null };

export type Register = {
  places: Map<number, RegisterPlace>;
  /** Register order: by path, siblings by sort order. */
  ordered: RegisterPlace[];
  grids: RegisterGrid[];
  gridOfBuilding: Map<number, RegisterGrid>;
  root: Root;
};

export type RegisterRows = {
  places: (Omit<RegisterPlace, "households"> & { sortOrder: number })[];
  /** Non-vacant households per building. */
  households: { buildingId: number; households: number }[];
  /** One row per grid and building. */
  grids: { id: number; name: string; unit: string | null; communityId: number; buildingId: number }[];
};

/** The register of a scope (its root a place, or a grid) from the rows the model loads. */
export function buildRegister(
  { places: rows, households: householdRows, grids: gridRows }: RegisterRows,
  scope: { scopePlaceId: number; scopeGridId: number | null },
): Register {
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
    scope.scopeGridId !== null
      ? { level: "grid", placeId: null, gridId: scope.scopeGridId }
      : { level: (places.get(scope.scopePlaceId)?.level ?? "county") as PlaceLevel, placeId: scope.scopePlaceId, gridId: null };
  return { places, ordered, grids, gridOfBuilding, root };
}

/** The levels a bulletin can rank for this scope: those below the scope's own (one row ranks nothing). */
export function bulletinLevels(register: Register): BulletinLevel[] {
  const levels = levelsFor(register);
  return BULLETIN_LEVELS.filter((l) => levels.includes(l) && l !== register.root.level);
}

/** The levels a user's rate tables can list, top down. */
export function levelsFor(register: Register): RateLevel[] {
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

export type Observed = Map<number, { responses: number; tallies: AnswerTally[] }>;

export type ObservedRow = { placeId: number; week?: string };

export function observe(
  responseRows: (ObservedRow & { responses: number })[],
  answerRows: (ObservedRow & AnswerTally)[],
): Map<string, Observed> {
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

/** Answer counts of a place's week as the tallies keep them: {question: {answer: count}}. */
export type WeekAnswers = Record<string, Record<string, number> | null>;
/** A place's week from the tallies (response_tallies): its responses and its answers. */
export type WeekRow = { placeId: number; week: string; responses: number; answers: WeekAnswers | null };

type AnswerSums = Map<string, Map<string, number>>;

function addAnswers(sums: AnswerSums, answers: WeekAnswers | AnswerTally[] | null, sign: 1 | -1) {
  const add = (question: string, answer: string, count: number) => {
    const counts = sums.get(question) ?? new Map<string, number>();
    sums.set(question, counts);
    counts.set(answer, (counts.get(answer) ?? 0) + sign * count);
  };
  if (Array.isArray(answers)) for (const t of answers) add(t.question, t.answer, t.count);
  else
    for (const [question, counts] of Object.entries(answers ?? {}))
      for (const [answer, n] of Object.entries(counts ?? {})) add(question, answer, n);
}

function talliesOf(sums: AnswerSums): AnswerTally[] {
  const tallies: AnswerTally[] = [];
  // What sums to zero (every such answer voided, or taken away with the weeks after a range) is left out, as a direct count would.
  for (const [question, counts] of sums) for (const [answer, count] of counts) if (count !== 0) tallies.push({ question, answer, count });
  return tallies;
}

/**
 * Observations from week rows: per week (byWeek) or summed over the rows' weeks under "". Places
 * without responses are left out.
 */
export function observeWeeks(rows: WeekRow[], { byWeek }: { byWeek: boolean }): Map<string, Observed> {
  const result = new Map<string, Observed>();
  if (byWeek) {
    // One row per place and week: its answers are the tallies as they are.
    for (const row of rows) {
      if (row.responses <= 0) continue;
      const observed = result.get(row.week) ?? new Map();
      result.set(row.week, observed);
      const tallies: AnswerTally[] = [];
      const answers = row.answers ?? {};
      for (const question in answers) {
        const counts = answers[question] ?? {};
        for (const answer in counts) tallies.push({ question, answer, count: counts[answer] });
      }
      observed.set(row.placeId, { responses: row.responses, tallies });
    }
    return result;
  }
  const places = new Map<number, { responses: number; sums: AnswerSums }>();
  for (const row of rows) {
    const place = places.get(row.placeId) ?? { responses: 0, sums: new Map() };
    places.set(row.placeId, place);
    place.responses += row.responses;
    addAnswers(place.sums, row.answers, 1);
  }
  const observed: Observed = new Map();
  for (const [placeId, { responses, sums }] of places) if (responses > 0) observed.set(placeId, { responses, tallies: talliesOf(sums) });
  return result.set("", observed);
}

/** `whole` less `part` place by place (a range read as the totals minus the weeks after it). */
export function observedWithout(whole: Observed, part: Observed): Observed {
  const result: Observed = new Map();
  for (const [placeId, data] of whole) {
    const taken = part.get(placeId);
    if (!taken) {
      result.set(placeId, data);
      continue;
    }
    const responses = data.responses - taken.responses;
    if (responses <= 0) continue;
    const sums: AnswerSums = new Map();
    addAnswers(sums, data.tallies, 1);
    addAnswers(sums, taken.tallies, -1);
    result.set(placeId, { responses, tallies: talliesOf(sums) });
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Units and figures

export type StratumRow = { id: number; path: number[]; households: number; responses: number; parts: MeasureCounts[] };

/** A questionnaire's strata: buildings, or a compound for responses on its own link (see measures.ts). */
export function questionnaireStrata(register: Register, observed: Observed, formula: Formula): StratumRow[] {
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

export type UnitRef = Omit<RateUnit, "responses" | "figure" | "rank">;

export function unitsAt(register: Register, level: RateLevel): UnitRef[] {
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
export function unitKeyOf(register: Register, level: RateLevel, stratum: StratumRow): string | null {
  if (isPlaceLevel(level)) {
    const depth = DEPTH[level];
    return stratum.path.length >= depth ? `p${stratum.path[depth - 1]}` : null;
  }
  const grid = register.gridOfBuilding.get(stratum.id);
  if (!grid) return null;
  if (level === "grid") return `g${grid.id}`;
  return grid.unit ? `u${grid.unit}` : null;
}

/**
 * `census`: the source counts everyone (coverage, refusal), see measures.rollUp; `lower`: less is
 * better (refusal), ranked from the lowest (measures.rank).
 */
export type RateOptions = { minN: number; confidence?: number; override?: ScoreOverride; census?: boolean; lower?: boolean };

export function figuresFor(register: Register, strata: StratumRow[], units: UnitRef[], level: RateLevel, opts: RateOptions): RateUnit[] {
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
  const ranks = new Map(rank(rows, (r) => r.figure, opts.lower).map(({ item, rank }) => [item.key, rank]));
  return rows.map((r) => ({ ...r, rank: ranks.get(r.key) ?? null }));
}

export function rootUnit(register: Register): UnitRef {
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

/** A rate for every unit of a level (default: communities, or the level below the scope). */
export function tableFrom(
  register: Register,
  strata: StratumRow[],
  q: { formula: Formula; level: RateLevel | null } & RateOptions,
): RateTable {
  const levels = levelsFor(register);
  const level = q.level && levels.includes(q.level) ? q.level : defaultLevel(levels);
  const root = rootUnit(register);
  const opts = { ...q, lower: lowerIsBetter(q.formula.measure) };
  const [total] = figuresFor(register, strata, [root], root.level, opts);
  return { formula: q.formula, level, levels, total, units: figuresFor(register, strata, unitsAt(register, level), level, opts) };
}

/** A questionnaire campaign's table of a measure. */
export function questionnaireTable(
  register: Register,
  observed: Observed,
  q: { campaign: RateCampaign; measure: MeasureKey; level: RateLevel | null } & RateOptions,
): RateTable {
  const formula = formulaFor(q.measure, q.campaign.tagged, q.override);
  return tableFrom(register, questionnaireStrata(register, observed, formula), { ...q, formula });
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
export function placeReportFrom(
  register: Register,
  observed: Observed,
  q: { campaign: RateCampaign; placeId: number; measure: MeasureKey } & RateOptions,
): PlaceReport | null {
  const place = register.places.get(q.placeId);
  if (!place || place.level === "stairwell") return null;
  const unit = unitsAt(register, place.level as PlaceLevel).find((u) => u.placeId === place.id)!;
  const inside = (s: StratumRow) => s.path.includes(place.id);

  const measures = q.campaign.measures.map((measure) => {
    const formula = formulaFor(measure, q.campaign.tagged, q.override);
    const strata = questionnaireStrata(register, observed, formula).filter(inside);
    const questions = formula.questions.map((question, i) => {
      const counts = new Map<string, number>();
      for (const [placeId, data] of observed) {
        if (!register.places.get(placeId)?.path.includes(place.id)) continue;
        for (const t of data.tallies) if (t.question === question.name) counts.set(t.answer, (counts.get(t.answer) ?? 0) + t.count);
      }
      return {
        name: question.name,
        title: question.title,
        figure: rollUp(
          strata.map((s) => ({ households: s.households, parts: [s.parts[i]] })),
          unit.households,
          q,
        ),
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
    const strata = questionnaireStrata(register, observed, formula).filter(inside);
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

/** The unit a trend follows: a grid, a place, or (neither given) the whole scope; null outside it. */
export function trendUnit(register: Register, q: { placeId: number | null; gridId: number | null }): UnitRef | null {
  if (q.gridId !== null) return unitsAt(register, "grid").find((u) => u.gridId === q.gridId) ?? null;
  if (q.placeId !== null) {
    const place = register.places.get(q.placeId);
    if (!place || place.level === "stairwell") return null;
    return unitsAt(register, place.level as PlaceLevel).find((u) => u.placeId === place.id) ?? null;
  }
  return rootUnit(register);
}

/** A unit's figure week by week (every week from the campaign's first to its last with responses). */
export function trendFrom(
  register: Register,
  byWeek: Map<string, Observed>,
  unit: UnitRef,
  q: { campaign: RateCampaign; formula: Formula } & RateOptions,
): Trend {
  const weeks: TrendPoint[] = [];
  if (q.campaign.firstWeek && q.campaign.lastWeek) {
    for (let week = q.campaign.firstWeek; week <= q.campaign.lastWeek; week = addWeeks(week, 1)) {
      const strata = questionnaireStrata(register, byWeek.get(week) ?? new Map(), q.formula);
      const [row] = figuresFor(register, strata, [unit], unit.level, q);
      weeks.push({ week, responses: row.responses, figure: row.figure });
    }
  }
  return { unit, formula: q.formula, weeks };
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
export function compareFrom(
  register: Register,
  mine: Observed,
  theirs: Observed,
  q: { campaign: RateCampaign; other: RateCampaign; measure: MeasureKey; level: RateLevel | null } & RateOptions,
): WaveComparison {
  const a = questionnaireTable(register, mine, q);
  const b = questionnaireTable(register, theirs, { ...q, campaign: q.other, level: a.level });
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

/** The level a bulletin ranks: the one asked for if the scope has it, else communities, else the first below the scope. */
export function bulletinLevel(register: Register, asked: RateLevel | null): RateLevel {
  const allowed = bulletinLevels(register);
  return (
    allowed.find((l) => l === asked) ?? (allowed.includes("community") ? "community" : allowed[0]) ?? defaultLevel(levelsFor(register))
  );
}

/**
 * Ranks the units of a level for one week (or everything up to its end) against a target: ranked
 * units first, then the greyed ones. `now` and `before` are the strata of the chosen week's range
 * and of the week before's.
 */
export function bulletinFrom(
  register: Register,
  now: StratumRow[],
  before: StratumRow[],
  q: { formula: Formula; level: RateLevel | null; week: string; target: number } & RateOptions,
): Bulletin {
  const level = bulletinLevel(register, q.level);
  const current = tableFrom(register, now, { ...q, level });
  const previous = tableFrom(register, before, { ...q, level: current.level });
  const previousOf = new Map([previous.total, ...previous.units].map((u) => [u.key, u]));
  const row = (unit: RateUnit): BulletinRow => {
    const last = previousOf.get(unit.key)!;
    const greyed = unit.figure.belowMinimum || unit.figure.weighted.rate === null;
    return {
      unit,
      status: greyed ? null : statusFor(unit.figure.weighted, q.target, lowerIsBetter(q.formula.measure)),
      previous: last,
      change: compareWeighted(unit.figure, last.figure),
    };
  };
  const ordered = [...current.units].sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity));
  return {
    formula: current.formula,
    level: current.level,
    levels: bulletinLevels(register),
    week: q.week,
    total: row(current.total),
    rows: ordered.map(row),
  };
}

/**
 * The week a bulletin shows by default: the last week that has ended (a bulletin reports a whole
 * week), unless the campaign has answers only in the current week; null without answers.
 */
export function defaultBulletinWeek(campaign: Pick<RateCampaign, "firstWeek" | "lastWeek">, now: Date): string | null {
  const thisWeek = weekOf(now);
  const { firstWeek, lastWeek } = campaign;
  if (!lastWeek || !firstWeek) return lastWeek;
  return lastWeek >= thisWeek && firstWeek < thisWeek ? addWeeks(thisWeek, -1) : lastWeek;
}

// ---------------------------------------------------------------------------------------------
// Door-to-door visits as a source (docs/decisions/009): censuses of the round's households, one
// part per building. Coverage (覆盖率): reached over households to reach (households found vacant
// left out). Refusal (拒访率): refused over households tried (those found vacant left out). Each
// stratum weighs its own counted households, so the weighted rate is the plain one.

/** A building's counts from the households' current states, as they stood at a moment. */
export type VisitCount = { buildingId: number; successes: number; n: number };

export const VISIT_FORMULAS: Record<VisitMeasure, Formula> = {
  coverage: { measure: "coverage", questions: [] },
  refusal: { measure: "refusal", questions: [] },
};

export function visitStrata(register: Register, counts: VisitCount[]): StratumRow[] {
  return counts
    .filter((c) => register.places.has(c.buildingId) && c.n > 0)
    .map((c) => ({
      id: c.buildingId,
      path: register.places.get(c.buildingId)!.path,
      households: c.n,
      responses: c.n,
      parts: [{ successes: c.successes, trials: c.n, valid: c.n, excluded: 0, noAnswer: 0, questions: 1, n: c.n }],
    }))
    .sort((a, b) => a.id - b.id);
}

/** A visit measure week by week for a unit: at the end of each week, the households as they stood then. */
export function visitTrendFrom(
  register: Register,
  measure: VisitMeasure,
  byWeek: { week: string; counts: VisitCount[] }[],
  unit: UnitRef,
  q: RateOptions,
): Trend {
  const weeks = byWeek.map(({ week, counts }) => {
    const [row] = figuresFor(register, visitStrata(register, counts), [unit], unit.level, { ...q, census: true });
    return { week, responses: row.responses, figure: row.figure };
  });
  return { unit, formula: VISIT_FORMULAS[measure], weeks };
}

// ---------------------------------------------------------------------------------------------
// Two groups of respondents compared (visited vs not visited; buildings above vs below a coverage
// level): each group's answer tallies give the measure's pooled counts, the plain rate with its
// Wilson interval, and the two-proportion test on exactly the two printed estimates.

export type GroupTallies = { responses: number; tallies: AnswerTally[] };
export type GroupFigure = { responses: number; counts: MeasureCounts; estimate: Estimate; belowMinimum: boolean };
export type GroupComparison = {
  formula: Formula;
  groups: [GroupFigure, GroupFigure];
  /** The first group minus the second; null when either has no valid answer. */
  comparison: ProportionComparison | null;
};

export function compareGroups(formula: Formula, groups: [GroupTallies, GroupTallies], q: RateOptions): GroupComparison {
  const figure = (g: GroupTallies): GroupFigure => {
    const counts = combineQuestions(countParts(formula, g.tallies, g.responses));
    const rate = counts.trials > 0 ? counts.successes / counts.trials : null;
    return {
      responses: g.responses,
      counts,
      estimate: { rate, n: counts.n, ...wilsonAt(rate ?? 0, counts.n, q.confidence) },
      belowMinimum: counts.n < q.minN,
    };
  };
  const [a, b] = [figure(groups[0]), figure(groups[1])];
  const comparison =
    a.estimate.rate !== null && b.estimate.rate !== null && a.counts.n > 0 && b.counts.n > 0
      ? compareEstimates({ ...a.estimate, rate: a.estimate.rate }, { ...b.estimate, rate: b.estimate.rate })
      : null;
  return { formula, groups: [a, b], comparison };
}
