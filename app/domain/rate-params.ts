// The query string of the rates, bulletin, planning pages and the JSON API, read one way for all.
// Anything missing or malformed falls back to its default, so a hand-edited URL still shows a page.
import {
  addWeeks,
  isMeasureKey,
  isRateLevel,
  isVisitMeasure,
  parseIsoWeek,
  type MeasureKey,
  type RateLevel,
  type VisitMeasure,
} from "~/domain/measures";
import { parseSeed } from "~/domain/sampling";
import { IdList, wholeNumber } from "~/utils/input";

export const DEFAULT_MIN_N = 30;
export const DEFAULT_TARGET = 0.85;
/** The refusal rate's default ceiling (拒访率: less is better, red above it). */
export const DEFAULT_REFUSAL_TARGET = 0.05;
export const DEFAULT_MARGIN = 0.05;

/** A percentage typed by a user ("85", "85.5", "85%") as a proportion, or the fallback. */
export function percentParam(value: string | null, min: number, max: number, fallback: number): number {
  const match = value === null ? null : /^\s*(\d{1,3}(?:\.\d{1,2})?)\s*%?\s*$/.exec(value);
  if (!match) return fallback;
  const n = Number(match[1]);
  return n >= min && n <= max ? n / 100 : fallback;
}

/** A non-negative decimal up to max ("2", "1.5"), or null. */
export function decimalParam(value: string | null, max: number): number | null {
  const match = value === null ? null : /^\s*(\d{1,4}(?:\.\d{1,3})?)\s*$/.exec(value);
  if (!match) return null;
  const n = Number(match[1]);
  return n <= max ? n : null;
}

export type RateParams = {
  /** Campaign code; null = the newest campaign with responses. */
  campaign: string | null;
  /** null = the campaign's first measure (satisfaction where it has one). */
  measure: MeasureKey | null;
  level: RateLevel | null;
  minN: number;
  /** The target for 红/黄/绿 (the same rule in the tables and the bulletin). */
  target: number;
  /** Week range as Mondays, from inclusive and to exclusive; null = open. */
  from: string | null;
  to: string | null;
};

export function parseRateParams(search: URLSearchParams): RateParams {
  const measure = search.get("measure");
  const level = search.get("level");
  const from = parseIsoWeek(search.get("from") ?? "");
  const through = parseIsoWeek(search.get("to") ?? "");
  return {
    campaign: search.get("campaign")?.trim() || null,
    measure: isMeasureKey(measure) ? measure : null,
    level: isRateLevel(level) ? level : null,
    minN: wholeNumber(search.get("minN"), 1, 10_000) ?? DEFAULT_MIN_N,
    target: percentParam(search.get("target"), 1, 100, DEFAULT_TARGET),
    from,
    to: through ? addWeeks(through, 1) : null,
  };
}

/** The levels a bulletin can rank, top down; a user is offered those below the scope's own level. */
export const BULLETIN_LEVELS = ["street", "community", "compound", "building", "grid", "unit"] as const satisfies readonly RateLevel[];
export type BulletinLevel = (typeof BULLETIN_LEVELS)[number];
export type Span = "week" | "cumulative";

export type BulletinParams = Omit<RateParams, "from" | "to" | "level"> & {
  /** null = communities, or the first level below the user's scope. */
  level: BulletinLevel | null;
  /** Monday of the chosen week; null = the campaign's last week with responses. */
  week: string | null;
  span: Span;
  /** Ranked by the answers' measure, or by a door-to-door measure (measure=coverage or refusal) of a round. */
  source: "answers" | VisitMeasure;
  /** The round's code (door-to-door); null = the open round, else the newest. */
  round: string | null;
};

export function parseBulletinParams(search: URLSearchParams): BulletinParams {
  const { campaign, measure, minN, level, target } = parseRateParams(search);
  const asked = search.get("measure");
  const source = isVisitMeasure(asked) ? asked : "answers";
  return {
    campaign,
    measure,
    minN,
    level: (BULLETIN_LEVELS as readonly string[]).includes(level ?? "") ? (level as BulletinLevel) : null,
    week: parseIsoWeek(search.get("week") ?? ""),
    // Everything up to the week's end by default: the evidence for red or green; one week alone
    // is usually too few answers per unit to call either.
    span: search.get("span") === "week" ? "week" : "cumulative",
    source,
    target: bulletinTarget(search, source, target),
    round: search.get("round")?.trim() || null,
  };
}

/**
 * The bulletin's target. The form sends `targetFor`, the measure its target field was shown for:
 * when the user switched the measure, the old measure's target (85% of coverage as refusal's
 * ceiling) is dropped for the new measure's default. Less is better for refusal: its own default.
 */
function bulletinTarget(search: URLSearchParams, source: BulletinParams["source"], answersTarget: number): number {
  const shownFor = search.get("targetFor");
  const switched = shownFor !== null && shownFor !== (search.get("measure") ?? "");
  const fallback = source === "refusal" ? DEFAULT_REFUSAL_TARGET : DEFAULT_TARGET;
  if (switched) return fallback;
  return source === "refusal" ? percentParam(search.get("target"), 1, 100, fallback) : answersTarget;
}

/** The week range a bulletin reads: that week alone, or everything up to its end. */
export function bulletinRange(week: string, span: Span): { from: string | null; to: string } {
  return { from: span === "week" ? week : null, to: addWeeks(week, 1) };
}

export const CONFIDENCE_LEVELS = [0.9, 0.95, 0.99] as const;

export type PlanParams = {
  campaign: string | null;
  /** Plan per community (default) or per compound. */
  level: "community" | "compound";
  margin: number;
  confidence: number;
  /** Anticipated rate for the sample size; 0.5 is the safe choice. */
  p: number;
  /** The seed of a draw; null = no draw asked for. */
  seed: number | null;
  /** Communities to draw from; empty = every community in the scope. */
  communityIds: number[];
};

export function parsePlanParams(search: URLSearchParams): PlanParams {
  const confidence = CONFIDENCE_LEVELS.find((c) => String(Math.round(c * 100)) === search.get("confidence")) ?? 0.95;
  return {
    campaign: search.get("campaign")?.trim() || null,
    level: search.get("level") === "compound" ? "compound" : "community",
    margin: percentParam(search.get("margin"), 1, 20, DEFAULT_MARGIN),
    confidence,
    p: percentParam(search.get("p"), 1, 99, 0.5),
    seed: parseSeed(search.get("seed")),
    communityIds: IdList.parse(search.getAll("community")),
  };
}

/** The query string that reproduces a plan (and a draw): for links and downloads. */
export function planQuery(p: PlanParams): URLSearchParams {
  const query = new URLSearchParams();
  if (p.campaign) query.set("campaign", p.campaign);
  if (p.level !== "community") query.set("level", p.level);
  query.set("margin", String(Math.round(p.margin * 1000) / 10));
  query.set("confidence", String(Math.round(p.confidence * 100)));
  query.set("p", String(Math.round(p.p * 1000) / 10));
  if (p.seed !== null) query.set("seed", String(p.seed));
  for (const id of p.communityIds) query.append("community", String(id));
  return query;
}
