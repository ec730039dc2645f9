// Measures and their roll-up. Interval limits come from published tables (Newcombe 1998) or R's
// prop.test(correct = FALSE); the weighted case is small enough to check by hand.
import { describe, expect, it } from "vitest";
import {
  availableMeasures,
  combineQuestions,
  countParts,
  countQuestion,
  compareWeighted,
  excludedAnswers,
  formulaFor,
  isoWeekLabel,
  MEASURE_KEYS,
  parseIsoWeek,
  positiveGroups,
  rank,
  RATE_LEVELS,
  rollUp,
  shownChange,
  shownPercent,
  statusFor,
  weekOf,
  wilsonAt,
  addWeeks,
  type AnswerTally,
  type Figure,
  type MeasureCounts,
} from "~/domain/measures";
import { wilsonInterval } from "~/domain/stats";
import { translate } from "~/i18n";
import { taggedQuestions } from "~/survey/tags";

const definition = {
  pages: [
    {
      elements: [
        {
          type: "radiogroup",
          name: "env",
          title: "环境卫生",
          measure: "satisfaction",
          positiveAnswers: ["满意", "基本满意"],
          excludedAnswers: ["不清楚"],
          answerScores: { 满意: 100, 基本满意: 60, 不满意: 0 },
        },
        {
          type: "panel",
          name: "p",
          elements: [
            {
              type: "radiogroup",
              name: "overall",
              title: "总体",
              measure: "satisfaction",
              positiveAnswers: ["满意", "基本满意"],
              answerScores: { 满意: 100, 基本满意: 60, 不满意: 0 },
              weight: 2,
            },
          ],
        },
        {
          type: "radiogroup",
          name: "five",
          title: "五级",
          measure: "satisfaction",
          positiveAnswers: ["非常满意", "满意"],
        },
        { type: "boolean", name: "know", title: "知道吗", measure: "awareness", positiveAnswers: [true] },
        { type: "comment", name: "free" },
      ],
    },
  ],
};
const tagged = taggedQuestions(definition);
const tally = (question: string, answer: string, count: number): AnswerTally => ({ question, answer, count });

const counts = (successes: number, trials: number): MeasureCounts => ({
  successes,
  trials,
  valid: trials,
  excluded: 0,
  noAnswer: 0,
  questions: trials > 0 ? 1 : 0,
  n: trials,
});

describe("wilsonAt", () => {
  // Newcombe RG. Stat Med 1998;17:857-872, Table I, method 3.
  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ])("Newcombe 1998 Table I: %i/%i -> %f to %f", (x, n, lower, upper) => {
    const ci = wilsonAt(x / n, n);
    expect(ci.lower).toBeCloseTo(lower, 4);
    expect(ci.upper).toBeCloseTo(upper, 4);
  });

  it("equals the stats module's Wilson interval for whole counts", () => {
    for (const [x, n] of [
      [7, 10],
      [29, 30],
      [30, 30],
      [412, 500],
    ]) {
      const a = wilsonAt(x / n, n);
      const b = wilsonInterval(x, n);
      expect(a.lower).toBeCloseTo(b.lower, 12);
      expect(a.upper).toBeCloseTo(b.upper, 12);
    }
  });

  it("gives [0, 1] without data", () => {
    expect(wilsonAt(0, 0)).toEqual({ lower: 0, upper: 1 });
  });
});

describe("formulaFor", () => {
  it("reads positive and excluded answers per question, both 3- and 5-level scales", () => {
    const f = formulaFor("satisfaction", tagged);
    expect(f.questions.map((q) => [q.name, q.positive, q.excluded])).toEqual([
      ["env", ["满意", "基本满意"], ["不清楚"]],
      ["overall", ["满意", "基本满意"], []],
      ["five", ["非常满意", "满意"], []],
    ]);
    expect(positiveGroups(f)).toEqual([
      { answers: ["满意", "基本满意"], questions: 2 },
      { answers: ["非常满意", "满意"], questions: 1 },
    ]);
    expect(excludedAnswers(f)).toEqual(["不清楚"]);
  });

  it("compares answers as text, so a boolean tag matches the tallied 'true'", () => {
    expect(formulaFor("awareness", tagged).questions[0].positive).toEqual(["true"]);
  });

  it("scores the questions with points, with their weights, and lets an override change both", () => {
    const f = formulaFor("score", tagged);
    expect(f.questions.map((q) => [q.name, q.weight, q.scores])).toEqual([
      ["env", 1, { 满意: 100, 基本满意: 60, 不满意: 0 }],
      ["overall", 2, { 满意: 100, 基本满意: 60, 不满意: 0 }],
    ]);
    const o = formulaFor("score", tagged, {
      scores: { overall: { 基本满意: 80, 非常满意: 100 }, five: { 满意: 80 } },
      weights: { overall: 1, env: 0 },
    });
    // env has weight 0 and drops out; only answers with points of their own can change, and the
    // five-level question, which has no points, stays out of the score.
    expect(o.questions.map((q) => [q.name, q.weight, q.scores])).toEqual([["overall", 1, { 满意: 100, 基本满意: 80, 不满意: 0 }]]);
  });

  it("lists only the measures the version can report", () => {
    expect(availableMeasures(tagged)).toEqual(["satisfaction", "awareness", "score"]);
  });
});

describe("counting answers", () => {
  const f = formulaFor("satisfaction", tagged);
  const tallies = [
    tally("env", "满意", 5),
    tally("env", "基本满意", 3),
    tally("env", "不满意", 2),
    tally("env", "不清楚", 4),
    tally("overall", "满意", 6),
    tally("overall", "不满意", 4),
  ];

  it("one question: positive over valid, excluded and unanswered left out", () => {
    expect(countQuestion("satisfaction", f.questions[0], tallies, 16)).toEqual({
      successes: 8,
      trials: 10,
      valid: 10,
      excluded: 4,
      noAnswer: 2,
      questions: 1,
      n: 10,
    });
  });

  it("pools answers over questions; n is valid answers per answered question", () => {
    const pooled = combineQuestions(countParts(f, tallies, 16));
    // env 8/10, overall 6/10, five unanswered by all 16.
    expect(pooled).toEqual({ successes: 14, trials: 20, valid: 20, excluded: 4, noAnswer: 2 + 6 + 16, questions: 2, n: 10 });
    const figure = rollUp([{ households: 50, parts: countParts(f, tallies, 16) }], 50, { minN: 5 });
    expect(figure.plain.rate).toBeCloseTo(0.7, 12);
    // R: prop.test(7, 10, correct = FALSE)$conf.int -> 0.3967781 0.8922087
    expect(figure.plain.lower).toBeCloseTo(0.3967781, 6);
    expect(figure.plain.upper).toBeCloseTo(0.8922087, 6);
  });

  it("the score is the weighted mean of points over valid answers", () => {
    const score = formulaFor("score", tagged);
    const parts = countParts(score, [tally("env", "满意", 2), tally("env", "不清楚", 1), tally("overall", "基本满意", 2)], 3);
    const pooled = combineQuestions(parts);
    // (1·(100 + 100) + 2·(60 + 60)) / (1·2 + 2·2) = 440 / 6 = 73.33 points; the 不清楚 is left out.
    expect(pooled.successes / pooled.trials).toBeCloseTo(440 / 600, 12);
    expect(pooled.excluded).toBe(1);
    expect(pooled.n).toBe(2);
  });
});

describe("rollUp", () => {
  // Building A: 100 households, 9 of 10 satisfied; building B: 300 households, 5 of 10.
  const strata = [
    { households: 100, parts: [counts(9, 10)] },
    { households: 300, parts: [counts(5, 10)] },
  ];
  const figure = rollUp(strata, 500, { minN: 30 });

  it("weights buildings by households: (100·0.9 + 300·0.5) / 400 = 0.6 beside the plain 14/20", () => {
    expect(figure.plain.rate).toBeCloseTo(0.7, 12);
    expect(figure.plain.n).toBe(20);
    expect(figure.weighted.rate).toBeCloseTo(0.6, 12);
  });

  it("uses Kish's effective n: 400² / (100²/10 + 300²/10) = 16", () => {
    expect(figure.weighted.n).toBeCloseTo(16, 12);
    // Wilson at p = 0.6, n = 16: (p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n)
    expect(figure.weighted.lower).toBeCloseTo(0.3642121, 6);
    expect(figure.weighted.upper).toBeCloseTo(0.7970663, 6);
  });

  it("reports the households the weighting reaches and greys figures under the minimum n", () => {
    expect(figure.coverage).toBeCloseTo(0.8, 12);
    expect(figure.belowMinimum).toBe(true);
    // 20 respondents but an effective n of 16: a minimum of 20 greys it, one of 16 does not.
    expect(rollUp(strata, 500, { minN: 20 }).belowMinimum).toBe(true);
    expect(rollUp(strata, 500, { minN: 16 }).belowMinimum).toBe(false);
  });

  it("greys on the effective n of the weighted figure, not on the respondents", () => {
    // 32 respondents, but 30 of them in the small building: Kish n = 1100² / (100²/30 + 1000²/2) ≈ 2.4.
    const skewed = rollUp(
      [
        { households: 100, parts: [counts(27, 30)] },
        { households: 1000, parts: [counts(1, 2)] },
      ],
      1100,
      { minN: 30 },
    );
    expect(skewed.plain.n).toBe(32);
    expect(skewed.weighted.n).toBeCloseTo(1100 ** 2 / (100 ** 2 / 30 + 1000 ** 2 / 2), 9);
    expect(skewed.belowMinimum).toBe(true);
    expect(rank([{ f: skewed }], (x) => x.f)[0].rank).toBeNull();
  });

  it("equal sampling fractions make the weighted rate the plain one", () => {
    const f = rollUp(
      [
        { households: 100, parts: [counts(9, 10)] },
        { households: 300, parts: [counts(15, 30)] },
      ],
      400,
      { minN: 1 },
    );
    expect(f.weighted.rate).toBeCloseTo(f.plain.rate!, 12);
    expect(f.weighted.n).toBeCloseTo(40, 12);
  });

  it("without answers has no rate and the full interval", () => {
    const empty = rollUp([], 200, { minN: 30 });
    expect(empty.plain).toEqual({ rate: null, n: 0, lower: 0, upper: 1 });
    expect(empty.weighted).toEqual({ rate: null, n: 0, lower: 0, upper: 1 });
    expect(empty.coverage).toBe(0);
  });
});

describe("status, ranking and effective counts", () => {
  it("is red only when the whole interval is below target, green when wholly above", () => {
    expect(statusFor({ lower: 0.7, upper: 0.84 }, 0.85)).toBe("red");
    expect(statusFor({ lower: 0.8, upper: 0.9 }, 0.85)).toBe("yellow");
    expect(statusFor({ lower: 0.85, upper: 0.95 }, 0.85)).toBe("yellow");
    expect(statusFor({ lower: 0.86, upper: 0.95 }, 0.85)).toBe("green");
    // On the interval as printed: 74.9–85.0% (the upper 84.96%) is not wholly below 85%, nor
    // 85.0–90.0% (the lower 85.04%) wholly above it.
    expect(statusFor({ lower: 0.749, upper: 0.8496 }, 0.85)).toBe("yellow");
    expect(statusFor({ lower: 0.749, upper: 0.8494 }, 0.85)).toBe("red");
    expect(statusFor({ lower: 0.8504, upper: 0.9 }, 0.85)).toBe("yellow");
    expect(statusFor({ lower: 0.8506, upper: 0.9 }, 0.85)).toBe("green");
    // Lower is better (refusal against a 5% ceiling): red when the printed interval is wholly above.
    expect(statusFor({ lower: 0.0504, upper: 0.08 }, 0.05, true)).toBe("yellow");
    expect(statusFor({ lower: 0.0506, upper: 0.08 }, 0.05, true)).toBe("red");
  });

  const fig = (rate: number | null, lower: number, belowMinimum = false): Figure => ({
    counts: counts(0, 0),
    plain: { rate, n: 40, lower, upper: 1 },
    weighted: { rate, n: 40, lower, upper: 1 },
    households: 100,
    coverage: 1,
    belowMinimum,
    census: false,
  });

  it("ranks by weighted rate, ties by the lower limit; small or empty samples get no rank", () => {
    const items = [
      { name: "a", f: fig(0.8, 0.7) },
      { name: "b", f: fig(0.95, 0.6, true) },
      { name: "c", f: fig(0.9, 0.8) },
      { name: "d", f: fig(0.8, 0.75) },
      { name: "e", f: fig(null, 0) },
    ];
    expect(rank(items, (i) => i.f).map((r) => [r.item.name, r.rank])).toEqual([
      ["c", 1],
      ["d", 2],
      ["a", 3],
      ["b", null],
      ["e", null],
    ]);
  });

  it("compares the weighted rates shown: their difference, the intervals shown, the z-test at their n", () => {
    const a = fig(0.9564, 0.9);
    const b = fig(0.9536, 0.9);
    const c = compareWeighted({ ...a, weighted: { ...a.weighted, n: 120 } }, { ...b, weighted: { ...b.weighted, n: 80.5 } })!;
    expect(c.difference).toBeCloseTo(0.9564 - 0.9536, 15);
    // Newcombe: δ − √((pA − lA)² + (uB − pB)²), δ + √((uA − pA)² + (pB − lB)²) from the figures' own limits.
    expect(c.lower).toBeCloseTo(0.0028 - Math.hypot(0.9564 - 0.9, 1 - 0.9536), 12);
    expect(c.upper).toBeCloseTo(0.0028 + Math.hypot(1 - 0.9564, 0.9536 - 0.9), 12);
    const pooled = (0.9564 * 120 + 0.9536 * 80.5) / 200.5;
    expect(c.z).toBeCloseTo(0.0028 / Math.sqrt(pooled * (1 - pooled) * (1 / 120 + 1 / 80.5)), 12);
    expect(compareWeighted(a, fig(null, 0))).toBeNull();
  });

  it("prints the change as the difference of the two printed rates", () => {
    // 95.64% and 95.36% print as 95.6% and 95.4%: the change prints +0.2, not the rounded 0.28.
    expect([shownPercent(0.9564), shownPercent(0.9536), shownChange(0.9564, 0.9536)]).toEqual([95.6, 95.4, 0.2]);
    expect(shownChange(0.8, 0.85)).toBe(-5);
    expect(shownChange(0.12345, 0.12345)).toBe(0);
    for (let i = 0; i < 2000; i++) {
      const x = Math.random();
      const y = Math.random();
      expect(shownChange(x, y)).toBeCloseTo(shownPercent(x) - shownPercent(y), 9);
    }
  });
});

describe("ISO weeks on the Beijing calendar", () => {
  it("puts Sunday 16:30 UTC into the next Beijing week (Monday 00:30 in Beijing)", () => {
    expect(weekOf(new Date("2026-01-04T15:59:00Z"))).toBe("2025-12-29");
    expect(weekOf(new Date("2026-01-04T16:30:00Z"))).toBe("2026-01-05");
  });

  it("names weeks by ISO 8601: 2026 starts on a Thursday, so its week 1 begins 2025-12-29", () => {
    expect(isoWeekLabel("2025-12-29")).toBe("2026-W01");
    expect(parseIsoWeek("2026-W01")).toBe("2025-12-29");
    expect(isoWeekLabel("2021-01-04")).toBe("2021-W01");
    expect(parseIsoWeek("2020-W53")).toBe("2020-12-28");
    expect(parseIsoWeek("2021-W53")).toBeNull();
    expect(parseIsoWeek("2026W10")).toBe("2026-03-02");
    expect(parseIsoWeek("nonsense")).toBeNull();
    expect(addWeeks("2025-12-29", 1)).toBe("2026-01-05");
  });
});

describe("names", () => {
  it("every measure, level and status the pages build a key for has a name in both languages", () => {
    const keys = [
      ...MEASURE_KEYS.map((m) => `rates.measure.${m}`),
      ...RATE_LEVELS.map((l) => `rates.level.${l}`),
      ...["red", "yellow", "green", "none"].map((s) => `rates.status.${s}`),
      "rates.formula.rate",
      "rates.formula.score",
      "bulletin.span.week",
      "bulletin.span.cumulative",
    ];
    for (const key of keys) for (const lang of ["zh", "en"] as const) expect(translate(lang, key), `${lang} ${key}`).not.toBe(key);
  });
});
