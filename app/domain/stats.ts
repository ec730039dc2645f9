// Interval estimates and sample sizes for satisfaction rates (proportions). Pure functions, no I/O.
//
// References:
// - Newcombe RG. Two-sided confidence intervals for the single proportion: comparison of seven
//   methods. Stat Med 1998;17:857-872 (methods 3 and 4: Wilson score, without / with continuity correction).
// - Newcombe RG. Interval estimation for the difference between independent proportions: comparison
//   of eleven methods. Stat Med 1998;17:873-890 (method 10: hybrid score interval).
// - Cochran WG. Sampling Techniques, 3rd ed. 1977 (sample size with finite-population correction).
import { errorFunction, probit } from "simple-statistics";

export interface Interval {
  lower: number;
  upper: number;
}

export interface ConfidenceOptions {
  /** Two-sided confidence level, strictly between 0 and 1. Default 0.95. */
  confidence?: number;
}

export interface WilsonOptions extends ConfidenceOptions {
  /** Use Newcombe's method 4 (continuity-corrected Wilson). Default false. */
  continuityCorrection?: boolean;
}

export interface Counts {
  successes: number;
  n: number;
}

export interface Proportion extends Counts, Interval {
  /** successes / n, or null when nobody answered (n = 0). */
  rate: number | null;
}

export interface ProportionComparison extends Interval {
  /** pA - pB */
  difference: number;
  /** Pooled two-proportion z statistic (z² is the uncorrected Pearson chi-square). */
  z: number;
  /** Two-sided p-value of the pooled z-test. */
  pValue: number;
}

export interface SampleSizeInput extends ConfidenceOptions {
  /** Margin of error as a proportion, e.g. 0.05 for ±5 percentage points. */
  margin: number;
  /** Anticipated proportion; 0.5 is the conservative (largest) choice. */
  p?: number;
  /** Size of the surveyed population; enables the finite-population correction. */
  population?: number;
}

const DEFAULT_CONFIDENCE = 0.95;

/**
 * Two-sided critical value z with P(|Z| <= z) = confidence.
 * simple-statistics' probit uses a closed-form approximation that is about 0.003 low at 95%
 * (1.9572 instead of 1.95996), enough to turn Cochran's 385 into 384 and move published interval
 * limits in the 4th decimal. Newton steps on its errorFunction (error about 1e-7) bring z to
 * within about 1e-7 of the exact quantile.
 */
export function criticalZ(confidence: number): number {
  assertConfidence(confidence);
  const tail = (1 - confidence) / 2;
  let z = probit(1 - tail);
  for (let step = 0; step < 3; step++) {
    z += (upperTail(z) - tail) / normalDensity(z);
  }
  return z;
}

/**
 * Wilson score interval for successes / n, clipped to [0, 1]; n = 0 gives the uninformative [0, 1].
 * With continuityCorrection this is Newcombe's method 4, the interval of R's
 * prop.test(correct = TRUE) (R alone drops the correction when successes = n/2 exactly).
 */
export function wilsonInterval(successes: number, n: number, opts: WilsonOptions = {}): Interval {
  const { confidence = DEFAULT_CONFIDENCE, continuityCorrection = false } = opts;
  assertCounts(successes, n);
  const z = criticalZ(confidence);
  if (n === 0) return { lower: 0, upper: 1 };

  const p = successes / n;
  const z2 = z * z;
  const centre = 2 * successes + z2; // 2np + z²
  const denominator = 2 * (n + z2);
  let lower: number;
  let upper: number;
  if (continuityCorrection) {
    // Newcombe 1998 method 4: (2np + z² ∓ 1 ∓ z·√(z² ∓ 2 − 1/n + 4p(n(1−p) ± 1))) / 2(n + z²)
    lower = (centre - 1 - z * Math.sqrt(z2 - 2 - 1 / n + 4 * p * (n * (1 - p) + 1))) / denominator;
    upper = (centre + 1 + z * Math.sqrt(z2 + 2 - 1 / n + 4 * p * (n * (1 - p) - 1))) / denominator;
  } else {
    // Newcombe 1998 method 3: (2np + z² ± z·√(z² + 4np(1−p))) / 2(n + z²)
    const spread = z * Math.sqrt(z2 + 4 * successes * (1 - p));
    lower = (centre - spread) / denominator;
    upper = (centre + spread) / denominator;
  }
  // Boundary conventions of method 4 (the formula would move the limit past the observed 0 or n);
  // for method 3 they only remove rounding noise.
  if (successes === 0) lower = 0;
  if (successes === n) upper = 1;
  return { lower: clamp(lower, 0, 1), upper: clamp(upper, 0, 1) };
}

/** Rate with its Wilson interval, in the shape the UI displays; rate is null when n = 0. */
export function proportion(successes: number, n: number, opts: WilsonOptions = {}): Proportion {
  const { lower, upper } = wilsonInterval(successes, n, opts);
  return { rate: n === 0 ? null : successes / n, successes, n, lower, upper };
}

/**
 * Compare two independent proportions: difference pA − pB with Newcombe's hybrid score interval
 * (method 10, built from the two Wilson intervals), and the two-sided pooled z-test, equivalent
 * to R's prop.test(correct = FALSE).
 */
export function compareProportions(a: Counts, b: Counts, opts: ConfidenceOptions = {}): ProportionComparison {
  const { confidence = DEFAULT_CONFIDENCE } = opts;
  for (const [label, group] of [
    ["a", a],
    ["b", b],
  ] as const) {
    assertCounts(group.successes, group.n, `${label}.`);
    if (group.n === 0) {
      throw new RangeError(`${label}.n must be at least 1 to compare proportions (got 0)`);
    }
  }

  const wilsonA = wilsonInterval(a.successes, a.n, { confidence });
  const wilsonB = wilsonInterval(b.successes, b.n, { confidence });
  return compareEstimates({ rate: a.successes / a.n, n: a.n, ...wilsonA }, { rate: b.successes / b.n, n: b.n, ...wilsonB });
}

/** A rate observed with a (possibly fractional, e.g. Kish effective) sample size n, and its interval. */
export interface RateEstimate extends Interval {
  rate: number;
  n: number;
}

/**
 * compareProportions for two rates given with their intervals and (possibly fractional) n, as the
 * rate pages show them: the difference is of exactly those rates, the interval is Newcombe's
 * method 10 built from exactly those intervals, and the pooled z-test uses the same n. For whole
 * counts with Wilson intervals it is compareProportions.
 */
export function compareEstimates(a: RateEstimate, b: RateEstimate): ProportionComparison {
  if (!(a.n > 0 && b.n > 0)) throw new RangeError(`n must be positive to compare rates (got ${a.n} and ${b.n})`);
  const difference = a.rate - b.rate;
  // Method 10: δ − √((pA − lA)² + (uB − pB)²) to δ + √((uA − pA)² + (pB − lB)²)
  const lower = difference - Math.hypot(a.rate - a.lower, b.upper - b.rate);
  const upper = difference + Math.hypot(a.upper - a.rate, b.rate - b.lower);

  const pooled = (a.rate * a.n + b.rate * b.n) / (a.n + b.n);
  const variance = pooled * (1 - pooled) * (1 / a.n + 1 / b.n);
  // All answers identical in both groups: no evidence of any difference.
  if (!(variance > 1e-15)) return { difference, lower, upper, z: 0, pValue: 1 };
  const z = difference / Math.sqrt(variance);
  return { difference, lower, upper, z, pValue: Math.min(1, 2 * upperTail(Math.abs(z))) };
}

/**
 * Respondents needed for a ±margin estimate of a proportion: Cochran's n0 = z²p(1−p)/e², with the
 * finite-population correction n = n0 / (1 + (n0 − 1)/N) when the population N is known.
 * Rounded up, at least 1 and never more than the population.
 */
export function sampleSize({ margin, confidence = DEFAULT_CONFIDENCE, p = 0.5, population }: SampleSizeInput): number {
  if (!(margin > 0 && margin < 1)) {
    throw new RangeError(`margin must be a proportion between 0 and 1, e.g. 0.05 (got ${margin})`);
  }
  if (!(p > 0 && p < 1)) {
    throw new RangeError(`p must be strictly between 0 and 1 (got ${p})`);
  }
  if (population !== undefined && !(Number.isInteger(population) && population >= 1)) {
    throw new RangeError(`population must be a positive integer (got ${population})`);
  }

  const z = criticalZ(confidence);
  const n0 = (z * z * p * (1 - p)) / (margin * margin);
  const n = population === undefined ? n0 : n0 / (1 + (n0 - 1) / population);
  // The tolerance keeps float noise (e.g. 100.00000000000001) from adding a whole respondent.
  const rounded = Math.max(1, Math.ceil(n - 1e-9));
  return population === undefined ? rounded : Math.min(rounded, population);
}

/** P(Z > z) = erfc(z/√2) / 2. */
function upperTail(z: number): number {
  return (1 - errorFunction(z / Math.SQRT2)) / 2;
}

function normalDensity(z: number): number {
  return Math.exp((-z * z) / 2) / Math.sqrt(2 * Math.PI);
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function assertConfidence(confidence: number): void {
  if (!(confidence > 0 && confidence < 1)) {
    throw new RangeError(`confidence must be strictly between 0 and 1, e.g. 0.95 (got ${confidence})`);
  }
}

function assertCounts(successes: number, n: number, prefix = ""): void {
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`${prefix}n must be a non-negative integer (got ${n})`);
  }
  if (!Number.isInteger(successes) || successes < 0 || successes > n) {
    throw new RangeError(`${prefix}successes must be an integer between 0 and n = ${n} (got ${successes})`);
  }
}
