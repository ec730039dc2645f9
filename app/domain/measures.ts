// Measures (满意率, 知晓率, 支持率, 参与率, 百分制得分) and how they roll up over places. Pure: the
// inputs are answer tallies and household counts, the outputs are figures with n and intervals.
//
// The engine has three layers, so that door-to-door visits (coverage, refusal) and 12345 callbacks
// (contact, resolved, on-time, satisfaction) can plug in later as further sources:
//   1. a source gives per place (and week) counts — for questionnaires, answer tallies;
//   2. a measure turns one place's source data into `MeasureCounts` (successes over trials, with
//      an effective sample size n), one per question — `countParts` does this for tagged
//      questions; a visit or callback source gives one part directly (successes = visited,
//      trials = n = attempted);
//   3. `rollUp` combines the counts of the places inside a unit into a `Figure`: the plain pooled
//      rate and the rate weighted by household counts, each with its 95% Wilson interval.
//
// Definitions (also shown in the UI, see app/i18n/messages/rates.ts):
// - Answer level. A proportion measure counts answers, not respondents: successes = positive
//   answers over all questions tagged with the measure, trials = valid answers (an answer listed in
//   the question's excludedAnswers, no answer at all, and voided responses are left out). Every
//   question's own rate is shown beside the pooled one.
// - n. Answers of one respondent are not independent, so the interval does not use the number of
//   answers: n = valid answers ÷ questions answered (the mean number of valid answers per
//   question, about the number of respondents). This treats one person's answers as perfectly
//   correlated, which is conservative (the interval is, if anything, too wide). For one question
//   n is exactly its valid answers, and the interval is the ordinary Wilson interval.
// - Score (百分制). Each valid answer earns its answerScores points (0–100); the score is the
//   question-weighted mean of the points: Σ weight·points ÷ Σ weight over valid answers. Its
//   interval is the Wilson interval of score/100 with the same n; this is conservative, because a
//   quantity bounded in [0, 100] with mean μ has a variance of at most μ(100 − μ) (Bhatia–Davis),
//   the variance the Wilson interval assumes.
// - Weighted. A unit's weighted rate post-stratifies by building: Σ H_b·p_b ÷ Σ H_b over the
//   buildings b with valid answers, H_b = the building's non-vacant households in the register.
//   Its interval is the Wilson interval at Kish's effective sample size
//   n_eff = (Σ H_b)² ÷ Σ (H_b² ÷ n_b): each of the n_b respondents of building b carries weight
//   H_b / n_b, and (Σw)² / Σw² of those weights gives the formula. Unequal weights shrink n_eff
//   below the respondents, widening the interval. Responses collected on a compound's link (not a
//   building's) form one stratum weighted by the compound's households.
import { compareEstimates, criticalZ, type Interval, type ProportionComparison } from "~/domain/stats";
import { MEASURES, type TaggedQuestion } from "~/survey/tags";

export const MEASURE_KEYS = [...MEASURES, "score"] as const;
export type MeasureKey = (typeof MEASURE_KEYS)[number];

/**
 * Measures of the door-to-door source beside the questionnaire's, censuses of a round's households
 * reported with plain counts: coverage (覆盖率, reached ÷ households to reach) and refusal (拒访率,
 * refused ÷ households tried).
 */
export const VISIT_MEASURES = ["coverage", "refusal"] as const;
export type VisitMeasure = (typeof VISIT_MEASURES)[number];
export type ReportMeasure = MeasureKey | VisitMeasure;

export function isVisitMeasure(value: unknown): value is VisitMeasure {
  return typeof value === "string" && (VISIT_MEASURES as readonly string[]).includes(value);
}

/** A measure where less is better (refusal): ranked from the lowest, red above the target. */
export function lowerIsBetter(measure: ReportMeasure): boolean {
  return measure === "refusal";
}

export function isMeasureKey(value: unknown): value is MeasureKey {
  return typeof value === "string" && (MEASURE_KEYS as readonly string[]).includes(value);
}

/** Levels a rate table can list: the register's levels, grids, and grids' responsible units (责任单位). */
export const RATE_LEVELS = ["county", "street", "community", "compound", "building", "grid", "unit"] as const;
export type RateLevel = (typeof RATE_LEVELS)[number];

export function isRateLevel(value: unknown): value is RateLevel {
  return typeof value === "string" && (RATE_LEVELS as readonly string[]).includes(value);
}

/** How a measure reads one question. Answers are compared as text (a tally stores 满意, 4, true). */
export type FormulaQuestion = {
  name: string;
  title: string;
  /** Proportion measures: the answers that count as successes. */
  positive: string[];
  /** Answers left out of the denominator (不清楚 …). */
  excluded: string[];
  /** Score: points (0–100) per answer; answers without points are left out of the score. */
  scores: Record<string, number>;
  weight: number;
};

export type Formula = { measure: ReportMeasure; questions: FormulaQuestion[] };

/**
 * Overrides for the score, e.g. from the forecast page: points per answer and weight per
 * question, by question name. Only answers the question already has points for can be changed.
 */
export type ScoreOverride = { scores?: Record<string, Record<string, number>>; weights?: Record<string, number> };

const text = (values: readonly unknown[]) => values.map((v) => String(v));
const validPoints = (points: number) => Number.isFinite(points) && points >= 0 && points <= 100;

/** The questions a measure reads, from a version's tagged questions. */
export function formulaFor(measure: MeasureKey, tagged: TaggedQuestion[], override: ScoreOverride = {}): Formula {
  if (measure !== "score") {
    const questions = tagged
      .filter((q) => q.measure === measure && q.positiveAnswers.length > 0)
      .map((q) => ({
        name: q.name,
        title: q.title,
        positive: text(q.positiveAnswers),
        excluded: text(q.excludedAnswers),
        scores: {},
        weight: q.weight,
      }));
    return { measure, questions };
  }
  const questions: FormulaQuestion[] = [];
  for (const q of tagged) {
    if (Object.keys(q.answerScores).length === 0) continue;
    const changed = override.scores?.[q.name] ?? {};
    const scores = Object.fromEntries(
      Object.entries(q.answerScores)
        .map(([answer, points]): [string, number] => [answer, changed[answer] ?? points])
        .filter(([, points]) => validPoints(points)),
    );
    const weight = override.weights?.[q.name];
    questions.push({
      name: q.name,
      title: q.title,
      positive: [],
      excluded: text(q.excludedAnswers),
      scores,
      weight: weight !== undefined && Number.isFinite(weight) && weight >= 0 ? weight : q.weight,
    });
  }
  return { measure, questions: questions.filter((q) => q.weight > 0) };
}

/** The measures a version can report: those with at least one question. */
export function availableMeasures(tagged: TaggedQuestion[]): MeasureKey[] {
  return MEASURE_KEYS.filter((m) => formulaFor(m, tagged).questions.length > 0);
}

/** Answers to one question of one place (and week): `count` responses answered `answer`. */
export type AnswerTally = { question: string; answer: string; count: number };

export type MeasureCounts = {
  /** Positive answers; for the score, Σ weight × points/100. */
  successes: number;
  /** Valid answers; for the score, Σ weight over valid answers. */
  trials: number;
  /** Valid answers (unweighted count). */
  valid: number;
  /** Answers left out: listed in excludedAnswers, or without points for the score. */
  excluded: number;
  /** Responses that did not answer a question, summed over the questions. */
  noAnswer: number;
  /** Questions with at least one valid answer. */
  questions: number;
  /** Effective sample size of the rate: valid ÷ questions (0 when nothing is valid). */
  n: number;
};

export const NO_COUNTS: MeasureCounts = { successes: 0, trials: 0, valid: 0, excluded: 0, noAnswer: 0, questions: 0, n: 0 };

// A question's answer lists as sets, made once per formula question (a trend counts every building
// of every week: some ten thousand calls per question).
const sets = new WeakMap<FormulaQuestion, { positive: Set<string>; left: Set<string> }>();
function answerSets(question: FormulaQuestion) {
  let made = sets.get(question);
  if (!made) sets.set(question, (made = { positive: new Set(question.positive), left: new Set(question.excluded) }));
  return made;
}

/** Counts of one question from its answer tallies, given how many responses there were. */
export function countQuestion(measure: ReportMeasure, question: FormulaQuestion, tallies: AnswerTally[], responses: number): MeasureCounts {
  let successes = 0;
  let points = 0;
  let trials = 0;
  let valid = 0;
  let excluded = 0;
  let answered = 0;
  const { positive, left } = answerSets(question);
  for (const t of tallies) {
    if (t.question !== question.name) continue;
    answered += t.count;
    const worth = question.scores[t.answer];
    if (left.has(t.answer) || (measure === "score" && worth === undefined)) {
      excluded += t.count;
      continue;
    }
    valid += t.count;
    if (measure === "score") {
      trials += question.weight * t.count;
      // Whole points are summed exactly whatever the order of the tallies; divided once below.
      points += question.weight * t.count * worth;
    } else {
      trials += t.count;
      if (positive.has(t.answer)) successes += t.count;
    }
  }
  const noAnswer = Math.max(0, responses - answered);
  if (measure === "score") successes = points / 100;
  return { successes, trials, valid, excluded, noAnswer, questions: valid > 0 ? 1 : 0, n: valid };
}

/** Counts added up field by field (questions too; n is set by the callers below). */
function addCounts(parts: MeasureCounts[]): MeasureCounts {
  return parts.reduce(
    (a, b) => ({
      successes: a.successes + b.successes,
      trials: a.trials + b.trials,
      valid: a.valid + b.valid,
      excluded: a.excluded + b.excluded,
      noAnswer: a.noAnswer + b.noAnswer,
      questions: a.questions + b.questions,
      n: 0,
    }),
    NO_COUNTS,
  );
}

/** One question's counts summed over places: n stays its valid answers. */
export function sumPlaces(parts: MeasureCounts[]): MeasureCounts {
  const sum = addCounts(parts);
  return { ...sum, questions: sum.valid > 0 ? 1 : 0, n: sum.valid };
}

/** Pooled counts over several questions (answer level): n = valid answers ÷ questions answered. */
export function combineQuestions(parts: MeasureCounts[]): MeasureCounts {
  const sum = addCounts(parts);
  return { ...sum, n: sum.questions > 0 ? sum.valid / sum.questions : 0 };
}

/** A measure's counts for one place, one entry per formula question (in formula order). */
export function countParts(formula: Formula, tallies: AnswerTally[], responses: number): MeasureCounts[] {
  return formula.questions.map((q) => countQuestion(formula.measure, q, tallies, responses));
}

/**
 * Wilson score interval for a rate p observed with a (possibly fractional) sample size n — the
 * form needed for pooled answers, the score and Kish's effective n. For whole numbers it equals
 * stats.wilsonInterval(p·n, n). n = 0 gives the uninformative [0, 1].
 */
export function wilsonAt(p: number, n: number, confidence = 0.95): Interval {
  if (!(n > 0)) return { lower: 0, upper: 1 };
  const z = criticalZ(confidence);
  const z2n = (z * z) / n;
  const centre = (p + z2n / 2) / (1 + z2n);
  const spread = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return {
    lower: p === 0 ? 0 : Math.max(0, centre - spread),
    upper: p === 1 ? 1 : Math.min(1, centre + spread),
  };
}

/** A rate with its interval; rate is null when there is nothing to estimate from. */
export type Estimate = Interval & { rate: number | null; n: number };

export type Figure = {
  counts: MeasureCounts;
  /** successes ÷ trials over every answer in the unit, n = counts.n. */
  plain: Estimate;
  /** Post-stratified by building households; n is Kish's effective sample size. */
  weighted: Estimate;
  /** Non-vacant households of the unit. */
  households: number;
  /** Share of those households living in buildings that have valid answers (the weighting's reach). */
  coverage: number | null;
  /**
   * The effective n printed beside the weighted figure (the one that is ranked and coloured)
   * under the minimum: shown greyed, never ranked or coloured.
   */
  belowMinimum: boolean;
  /** Counted over everyone (a census, e.g. coverage): no sampling error, the interval is the rate itself. */
  census: boolean;
};

/**
 * One place (a building, or a compound for responses on a compound link): the non-vacant
 * households it stands for and its counts, one part per question of the measure (a visit or
 * callback source has a single part).
 */
export type Stratum = { households: number; parts: MeasureCounts[] };

export type RollUpOptions = { minN: number; confidence?: number; census?: boolean };

/**
 * A unit's figure from its strata. For a census (`census`), the strata's households are the
 * households counted (n_b), so the weighted rate equals the plain one, n is everyone counted and
 * there is no interval to draw: both "intervals" are the rate itself, and the colour rule (red when
 * the interval lies wholly below the target) reads "below the target".
 */
export function rollUp(strata: Stratum[], unitHouseholds: number, { minN, confidence = 0.95, census = false }: RollUpOptions): Figure {
  const width = Math.max(0, ...strata.map((s) => s.parts.length));
  const counts = combineQuestions(Array.from({ length: width }, (_, i) => sumPlaces(strata.map((s) => s.parts[i] ?? NO_COUNTS))));
  const plainRate = counts.trials > 0 ? counts.successes / counts.trials : null;
  const plain: Estimate = { rate: plainRate, n: counts.n, ...wilsonAt(plainRate ?? 0, counts.n, confidence) };

  let weightSum = 0;
  let weightedRates = 0;
  let kishDenominator = 0;
  for (const { households, parts } of strata) {
    const c = combineQuestions(parts);
    if (!(households > 0 && c.trials > 0 && c.n > 0)) continue;
    weightSum += households;
    weightedRates += households * (c.successes / c.trials);
    kishDenominator += (households * households) / c.n;
  }
  const weightedRate = weightSum > 0 ? weightedRates / weightSum : null;
  const nEff = weightSum > 0 ? (weightSum * weightSum) / kishDenominator : 0;
  const weighted: Estimate = { rate: weightedRate, n: nEff, ...wilsonAt(weightedRate ?? 0, nEff, confidence) };
  if (census) {
    const exact: Estimate = { rate: plainRate, n: counts.n, lower: plainRate ?? 0, upper: plainRate ?? 1 };
    return {
      counts,
      plain: exact,
      weighted: exact,
      households: unitHouseholds,
      coverage: unitHouseholds > 0 ? Math.min(1, weightSum / unitHouseholds) : null,
      belowMinimum: counts.n < minN,
      census,
    };
  }

  return {
    counts,
    plain,
    weighted,
    households: unitHouseholds,
    coverage: unitHouseholds > 0 ? Math.min(1, weightSum / unitHouseholds) : null,
    belowMinimum: nEff < minN,
    census,
  };
}

/**
 * Two weighted figures compared (this wave or week minus the other): the difference of exactly the
 * rates shown, Newcombe's interval from exactly the intervals shown, the z-test at their effective
 * n. Null when either has no rate.
 */
export function compareWeighted(a: Figure, b: Figure): ProportionComparison | null {
  const x = a.weighted;
  const y = b.weighted;
  if (x.rate === null || y.rate === null || !(x.n > 0 && y.n > 0)) return null;
  // Two censuses differ by exactly their difference: nothing to test.
  if (a.census && b.census) {
    const difference = x.rate - y.rate;
    return { difference, lower: difference, upper: difference, z: 0, pValue: difference === 0 ? 1 : 0 };
  }
  return compareEstimates({ ...x, rate: x.rate }, { ...y, rate: y.rate });
}

/** A rate as printed, in percent (or points of a score) to one decimal: 0.95642 → 95.6. */
export function shownPercent(rate: number): number {
  return Math.round(rate * 1000) / 10;
}

/**
 * The change printed beside two printed rates: their difference in percentage points, so that
 * "95.6% − 95.4%" reads "+0.2" whatever the unrounded rates were.
 */
export function shownChange(rate: number, previous: number): number {
  return Math.round((shownPercent(rate) - shownPercent(previous)) * 10) / 10;
}

export type Status = "red" | "yellow" | "green";

/**
 * 红/黄/绿: red only when the whole interval lies below the target, green when wholly above (the
 * reverse for a rate where lower is better), judged on the interval as printed (shownPercent): a
 * printed "74.9–85.0%" against 85% is 黄, as a reader checking the badge against it finds.
 */
export function statusFor(interval: Interval, target: number, lower = false): Status {
  const [from, to, goal] = [shownPercent(interval.lower), shownPercent(interval.upper), shownPercent(target)];
  if (lower) {
    if (from > goal) return "red";
    if (to < goal) return "green";
    return "yellow";
  }
  if (to < goal) return "red";
  if (from > goal) return "green";
  return "yellow";
}

/**
 * Ranks by the weighted rate (ties: the higher lower limit, then the given order), or from the
 * lowest rate when less is better (`lower`; ties: the lower upper limit). Figures under the
 * minimum n or without a rate get no rank and go last, in the given order.
 */
export function rank<T>(items: T[], figureOf: (item: T) => Figure, lower = false): { item: T; rank: number | null }[] {
  const rankable = (f: Figure) => !f.belowMinimum && f.weighted.rate !== null;
  const sign = lower ? -1 : 1;
  const ranked = items
    .map((item, order) => ({ item, order, f: figureOf(item) }))
    .filter((x) => rankable(x.f))
    .sort(
      (a, b) =>
        sign * (b.f.weighted.rate! - a.f.weighted.rate!) ||
        (lower ? a.f.weighted.upper - b.f.weighted.upper : b.f.weighted.lower - a.f.weighted.lower) ||
        a.order - b.order,
    )
    .map((x, i) => ({ item: x.item, rank: i + 1 }));
  const rest = items.filter((item) => !rankable(figureOf(item))).map((item) => ({ item, rank: null }));
  return [...ranked, ...rest];
}

/** The answer texts a measure counts as positive, grouped by scale, for showing the formula. */
export function positiveGroups(formula: Formula): { answers: string[]; questions: number }[] {
  const groups = new Map<string, { answers: string[]; questions: number }>();
  for (const q of formula.questions) {
    const answers =
      formula.measure === "score"
        ? Object.entries(q.scores)
            .sort((a, b) => b[1] - a[1])
            .map(([a, p]) => `${a} ${p}`)
        : q.positive;
    const key = JSON.stringify(answers);
    const group = groups.get(key) ?? { answers, questions: 0 };
    group.questions += 1;
    groups.set(key, group);
  }
  return [...groups.values()];
}

/** Every excluded answer text of a formula, once. */
export function excludedAnswers(formula: Formula): string[] {
  return [...new Set(formula.questions.flatMap((q) => q.excluded))];
}

// ---------------------------------------------------------------------------------------------
// ISO weeks on the Beijing calendar. A week is named by its Monday, 'YYYY-MM-DD'.

const DAY = 86_400_000;
const BEIJING_OFFSET = 8 * 3_600_000;

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const dateMs = (day: string) => Date.parse(`${day}T00:00:00Z`);

/** The Monday of the ISO week (Asia/Shanghai) that contains `at`. */
export function weekOf(at: Date): string {
  const local = at.getTime() + BEIJING_OFFSET;
  const midnight = local - (((local % DAY) + DAY) % DAY);
  const weekday = (new Date(midnight).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  return isoDate(midnight - weekday * DAY);
}

export function addWeeks(monday: string, weeks: number): string {
  return isoDate(dateMs(monday) + weeks * 7 * DAY);
}

/** Whole weeks from one Monday to another (negative when `to` comes first). */
export function weeksBetween(from: string, to: string): number {
  return Math.round((dateMs(to) - dateMs(from)) / (7 * DAY));
}

/** The Sunday that ends the week starting `monday`. */
export function weekEnd(monday: string): string {
  return isoDate(dateMs(monday) + 6 * DAY);
}

/** '2026-W05' for the week starting Monday 2026-01-26 (the year is the ISO year of its Thursday). */
export function isoWeekLabel(monday: string): string {
  const thursday = new Date(dateMs(monday) + 3 * DAY);
  const year = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * DAY));
  return `${year}-W${String(week).padStart(2, "0")}`;
}

/** The Monday of an ISO week label ('2026-W05' or '2026W05'), or null if there is no such week. */
export function parseIsoWeek(label: string): string | null {
  const match = /^(\d{4})-?W(\d{2})$/.exec(label.trim());
  if (!match) return null;
  const [year, week] = [Number(match[1]), Number(match[2])];
  const jan4 = Date.UTC(year, 0, 4);
  const week1 = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * DAY;
  const monday = isoDate(week1 + (week - 1) * 7 * DAY);
  return isoWeekLabel(monday) === `${year}-W${match[2]}` ? monday : null;
}
