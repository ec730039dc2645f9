// Evaluation forecast (测评得分预测): the points a part of the evaluation would give today, with
// the interval that the sampling error of our own estimate carries over to the points.
import type { Estimate } from "~/domain/measures";

/** Points of the parts in one county's evaluation plan. */
export const EVALUATION_POINTS = { household: 37, hotline: 3 } as const;

/**
 * How a rate becomes points:
 * - proportional: points = max × rate (a 100-point score counts as rate = score / 100);
 * - deduction: full points at or above `full` (e.g. 0.9), minus `perPoint` points for every
 *   percentage point below it, never below 0.
 * Both are monotone in the rate, so the interval of the rate maps onto an interval of points.
 */
export type Scoring = { kind: "proportional" } | { kind: "deduction"; full: number; perPoint: number };

export function pointsFor(rate: number, maxPoints: number, scoring: Scoring): number {
  if (scoring.kind === "proportional") return maxPoints * rate;
  const below = Math.max(0, scoring.full - rate) * 100;
  return Math.max(0, maxPoints - scoring.perPoint * below);
}

export type PartForecast = { points: number; lower: number; upper: number; maxPoints: number };

/** Expected points and their interval; null when there is no estimate yet. */
export function forecastPart(estimate: Estimate, maxPoints: number, scoring: Scoring): PartForecast | null {
  if (estimate.rate === null) return null;
  return {
    points: pointsFor(estimate.rate, maxPoints, scoring),
    lower: pointsFor(estimate.lower, maxPoints, scoring),
    upper: pointsFor(estimate.upper, maxPoints, scoring),
    maxPoints,
  };
}
