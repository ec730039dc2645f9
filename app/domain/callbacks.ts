// 12345 callbacks (回访): a ticket's callback state derived from its attempts and follow-ups, never
// stored. Pure; app/models/callbacks.server.ts loads the history and calls `callbackState`.
//
// The rules (contact-centre practice):
// - a reached call closes the round; its rating is kept beside the original one, in its own row;
// - a wrong number or a refusal is not retried;
// - no answer, busy or switched off is retried until failed attempts cover MAX_FAILED_SLOTS
//   different time slots of the day (the door-to-door slots: before 12:00, 12:00–18:00, after
//   18:00 Beijing); then the ticket is unreachable;
// - a first callback that finds the caller unsatisfied or the problem unresolved opens a follow-up
//   for the responsible department (闭环); when it is reported done a second callback (二次回访) is
//   due, under the same rules. The second callback's rating is final: it opens no further task.
import { timeSlot, type TimeSlot } from "~/domain/visits";

export const OUTCOMES = ["reached", "no_answer", "busy", "switched_off", "wrong_number", "refused"] as const;
export type Outcome = (typeof OUTCOMES)[number];
export const RATINGS = ["satisfied", "basic", "unsatisfied"] as const;
export type Rating = (typeof RATINGS)[number];

/** Outcomes that are tried again later. */
export const RETRY_OUTCOMES: readonly Outcome[] = ["no_answer", "busy", "switched_off"];
export const MAX_FAILED_SLOTS = 3;
export const ROUNDS = [1, 2] as const;
export type Round = (typeof ROUNDS)[number];

/** 满意 + 基本满意 count as satisfied. */
export const isSatisfied = (rating: Rating) => rating !== "unsatisfied";

export type Attempt = { round: Round; outcome: Outcome; calledAt: Date; satisfaction: Rating | null; resolved: boolean | null };
export type FollowUpStatus = { status: "open" | "done"; doneAt: Date | null };

export type RoundState =
  | { kind: "due"; triedSlots: TimeSlot[]; failed: number }
  | { kind: "reached"; rating: Rating; resolved: boolean | null }
  | { kind: "unreachable" }
  | { kind: "noRetry"; outcome: Outcome };

export type CallbackState =
  /** A call is due in this round. */
  | { kind: "due"; round: Round; triedSlots: TimeSlot[]; failed: number }
  /** Reached and nothing left to do (satisfied and resolved, or the second callback done). */
  | { kind: "closed"; round: Round; rating: Rating }
  /** Waiting for the department's follow-up. */
  | { kind: "followUp"; round: 1 }
  | { kind: "unreachable"; round: Round }
  | { kind: "noRetry"; round: Round; outcome: Outcome };

/** A reached first callback that needs the department again. */
export function needsFollowUp(attempt: Pick<Attempt, "outcome" | "satisfaction" | "resolved" | "round">): boolean {
  return attempt.round === 1 && attempt.outcome === "reached" && (attempt.satisfaction === "unsatisfied" || attempt.resolved === false);
}

/** One round's state from its attempts (in any order). */
export function roundState(attempts: readonly Attempt[]): RoundState {
  const sorted = [...attempts].sort((a, b) => a.calledAt.getTime() - b.calledAt.getTime());
  const failedSlots = new Set<TimeSlot>();
  let failed = 0;
  for (const a of sorted) {
    if (a.outcome === "reached") return { kind: "reached", rating: a.satisfaction ?? "unsatisfied", resolved: a.resolved };
    if (!RETRY_OUTCOMES.includes(a.outcome)) return { kind: "noRetry", outcome: a.outcome };
    failed++;
    failedSlots.add(timeSlot(a.calledAt));
    if (failedSlots.size >= MAX_FAILED_SLOTS) return { kind: "unreachable" };
  }
  return { kind: "due", triedSlots: [...failedSlots], failed };
}

/** A ticket's callback state: the first round, then (after a follow-up is done) the second. */
export function callbackState(attempts: readonly Attempt[], followUps: readonly FollowUpStatus[]): CallbackState {
  const first = roundState(attempts.filter((a) => a.round === 1));
  if (first.kind === "due") return { kind: "due", round: 1, triedSlots: first.triedSlots, failed: first.failed };
  if (first.kind === "unreachable") return { kind: "unreachable", round: 1 };
  if (first.kind === "noRetry") return { kind: "noRetry", round: 1, outcome: first.outcome };
  const needed = first.rating === "unsatisfied" || first.resolved === false;
  if (!needed) return { kind: "closed", round: 1, rating: first.rating };
  if (followUps.length === 0 || followUps.some((f) => f.status === "open")) return { kind: "followUp", round: 1 };
  const second = roundState(attempts.filter((a) => a.round === 2));
  if (second.kind === "due") return { kind: "due", round: 2, triedSlots: second.triedSlots, failed: second.failed };
  if (second.kind === "reached") return { kind: "closed", round: 2, rating: second.rating };
  if (second.kind === "unreachable") return { kind: "unreachable", round: 2 };
  return { kind: "noRetry", round: 2, outcome: second.outcome };
}

/** The rating that stands now: the latest reached callback's, else the platform's original one. */
export function currentRating(original: Rating | null, attempts: readonly Attempt[]): Rating | null {
  const reached = attempts
    .filter((a) => a.outcome === "reached" && a.satisfaction)
    .sort((a, b) => b.calledAt.getTime() - a.calledAt.getTime());
  return reached[0]?.satisfaction ?? original;
}

const BEIJING = 8 * 3_600_000;
/** Calling hours, Beijing time, as minutes of the day: from 08:30, before 20:30. */
export const CALLING_HOURS = { from: 8 * 60 + 30, until: 20 * 60 + 30 } as const;

/** A call at this moment is outside 08:30–20:30 Beijing time (warned, still recorded). */
export function outsideCallingHours(at: Date): boolean {
  const local = new Date(at.getTime() + BEIJING);
  const minute = local.getUTCHours() * 60 + local.getUTCMinutes();
  return minute < CALLING_HOURS.from || minute >= CALLING_HOURS.until;
}

/** The call script's answer texts (surveys/hotline-callback.json) as stored codes. */
export const SCRIPT_OUTCOMES: Record<string, Outcome> = {
  接通: "reached",
  无人接听: "no_answer",
  占线: "busy",
  关机: "switched_off",
  空号或号码错误: "wrong_number",
  拒绝回访: "refused",
};
export const SCRIPT_RATINGS: Record<string, Rating> = { 满意: "satisfied", 基本满意: "basic", 不满意: "unsatisfied" };
export const SCRIPT_RESOLVED: Record<string, boolean> = { 已解决: true, 未解决: false };

export type ScriptResult = { outcome: Outcome; satisfaction: Rating | null; resolved: boolean | null; notes: string | null };

/** A validated call script result as a callback row's fields; null when it names no known outcome. */
export function scriptResult(answers: Record<string, unknown>): ScriptResult | null {
  const outcome = SCRIPT_OUTCOMES[String(answers.contact_result ?? "")];
  if (!outcome) return null;
  const reached = outcome === "reached";
  const satisfaction = reached ? (SCRIPT_RATINGS[String(answers.satisfaction ?? "")] ?? null) : null;
  if (reached && !satisfaction) return null;
  const resolvedText = String(answers.resolved ?? "");
  const resolved = reached && resolvedText in SCRIPT_RESOLVED ? SCRIPT_RESOLVED[resolvedText] : null;
  const notes = typeof answers.notes === "string" && answers.notes.trim() !== "" ? answers.notes.trim() : null;
  return { outcome, satisfaction, resolved, notes };
}
