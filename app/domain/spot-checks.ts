// Spot checks of door-to-door visits (抽查补漏): a seeded sample of households logged "reached",
// checked again by someone else, and the confirmation rate of the original logs. Pure.
//
// The rules:
// - The frame is every household of the area whose status (app/domain/visits.ts) is reached: its
//   counted, not rejected, reached log. The log checked is the first counted reached log, and the
//   volunteer it counts for is that log's volunteer.
// - A checker never checks their own work: households whose checked log the checker made are left
//   out of the frame (and counted, so the office sees how many).
// - The sample is a simple random sample without replacement of the frame in household-id order,
//   drawn by `drawSample` with the saved seed: the same frame and seed give the same households.
// - A household's check outcome is its latest result, by time then arrival (a checker may correct
//   a tap; the SQL of app/models/spot-checks.server.ts picks it); "could not
//   check" stays out of the rate: confirmation rate = confirmed ÷ (confirmed + not confirmed),
//   with its 95% Wilson interval.
import { drawSample } from "~/domain/sampling";
import { proportion, type Proportion } from "~/domain/stats";
import { countedLogs, type VisitLog } from "~/domain/visits";

export const CHECK_RESULTS = ["confirmed", "notConfirmed", "couldNotCheck"] as const;
export type CheckResult = (typeof CHECK_RESULTS)[number];

export function isCheckResult(value: unknown): value is CheckResult {
  return typeof value === "string" && (CHECK_RESULTS as readonly string[]).includes(value);
}

export const SPOT_CHECK_SIZE_KINDS = ["share", "number"] as const;
/** A share of the frame in percent (1–100), or a number of households. */
export type SpotCheckSize = { kind: (typeof SPOT_CHECK_SIZE_KINDS)[number]; value: number };

/** How many households a size draws from a frame: a share rounds up (5% of 30 is 2), never more than the frame. */
export function sampleCount(size: SpotCheckSize, frame: number): number {
  const wanted = size.kind === "share" ? Math.ceil((frame * size.value) / 100) : size.value;
  return Math.max(0, Math.min(frame, wanted));
}

/** The log a spot check checks: the first counted reached log of the household; null when it is not reached. */
export function reachedLog(logs: VisitLog[]): VisitLog | null {
  return countedLogs(logs).find((l) => l.outcome === "reached") ?? null;
}

export type FrameHousehold = { householdId: number; logId: string; volunteerId: number };

/**
 * The households of a spot check: the frame without the checker's own logs, in household-id
 * order, sampled with the seed. Returns the drawn households in draw order and how many of the
 * frame were the checker's own.
 */
export function drawSpotCheck(
  frame: FrameHousehold[],
  input: { size: SpotCheckSize; seed: number; checkerId: number },
): { drawn: FrameHousehold[]; excludedOwn: number } {
  const eligible = frame.filter((h) => h.volunteerId !== input.checkerId).sort((a, b) => a.householdId - b.householdId);
  return {
    drawn: drawSample(eligible, sampleCount(input.size, eligible.length), input.seed),
    excludedOwn: frame.length - eligible.length,
  };
}

export type ConfirmationTally = {
  confirmed: number;
  notConfirmed: number;
  couldNotCheck: number;
  unchecked: number;
  /** confirmed ÷ (confirmed + not confirmed) with its 95% interval. */
  rate: Proportion;
};

/** A tally from its counts: the rate confirmed ÷ (confirmed + not confirmed) with its interval. */
export function tallyOf(counts: Omit<ConfirmationTally, "rate">): ConfirmationTally {
  return { ...counts, rate: proportion(counts.confirmed, counts.confirmed + counts.notConfirmed) };
}

/** The confirmation tally of some households' outcomes. */
export function confirmationTally(outcomes: (CheckResult | null)[]): ConfirmationTally {
  const c = { confirmed: 0, notConfirmed: 0, couldNotCheck: 0, unchecked: 0 };
  for (const outcome of outcomes) c[outcome ?? "unchecked"] += 1;
  return tallyOf(c);
}

/** The confirmation rate of each group (a volunteer, a community …) from its households' outcomes. */
export function confirmationTallies<K>(items: { key: K; outcome: CheckResult | null }[]): Map<K, ConfirmationTally> {
  const groups = new Map<K, (CheckResult | null)[]>();
  for (const { key, outcome } of items) groups.set(key, [...(groups.get(key) ?? []), outcome]);
  return new Map([...groups].map(([key, outcomes]) => [key, confirmationTally(outcomes)] as const));
}
