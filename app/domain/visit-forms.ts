// Signals for questionnaires volunteers fill with residents at the door (AAPOR/ASA "Falsification
// in Surveys", 2020: interviews too short for their questions, identical answer patterns). Like
// the visit-log signals (app/domain/visits.ts) they only flag a response for a person to review;
// nothing stops counting until a reviewer rejects it.
import { beijingDay } from "~/domain/visits";
import { otherField, type RenderSurvey } from "~/survey/render";

/** What the volunteer's phone downloads with its assignment to fill questionnaires offline. */
export type RoundForms = {
  /** The round's campaign questionnaire, to fill with a resident. */
  questionnaire: { campaign: string; name: string; versionId: number; state: string; survey: RenderSurvey } | null;
  /** The short quiz shown when a household is reached. */
  quiz: { versionId: number; survey: RenderSurvey } | null;
  /** Households of the assignment with a counted questionnaire in the campaign already. */
  answered: number[];
};

export const RESPONSE_SIGNALS = ["tooFast", "identicalAnswers"] as const;
export type ResponseSignal = (typeof RESPONSE_SIGNALS)[number];

export type SignalResponse = {
  id: string;
  /** The volunteer who filled it with the resident. */
  collectedBy: number;
  householdId: number | null;
  finishedAt: Date;
  /** Start to finish on the phone; null when the phone did not say when it started. */
  durationSeconds: number | null;
  answers: Record<string, unknown>;
};

export type ResponseSignalRules = {
  /** Too fast: under this many seconds per answered question (reading a question aloud and
   *  hearing the answer takes longer). */
  secondsPerAnswer: number;
  /** Identical: the same full answer set from one volunteer on at least this many households in one (Beijing) day. */
  identicalHouseholds: number;
};

export const DEFAULT_RESPONSE_SIGNAL_RULES: ResponseSignalRules = { secondsPerAnswer: 5, identicalHouseholds: 5 };

const COMMENT = otherField("");
const isGiven = (v: unknown) => v !== undefined && v !== null && v !== "" && !(Array.isArray(v) && v.length === 0);

/** Questions answered: the text given for an "other" choice is part of its question, not one more. */
export function answeredQuestions(answers: Record<string, unknown>): number {
  return Object.entries(answers).filter(
    ([name, value]) => isGiven(value) && !(name.endsWith(COMMENT) && name.slice(0, -COMMENT.length) in answers),
  ).length;
}

/** The answer set as one comparable text: names in order, arrays (checkbox) as sets. */
export function answerPattern(answers: Record<string, unknown>): string {
  const entries = Object.entries(answers)
    .filter(([, v]) => isGiven(v))
    .map(([name, v]) => [name, Array.isArray(v) ? v.map(String).sort() : v] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(entries);
}

/** Each flagged response with the signals it raised. */
export function responseSignals(
  responses: SignalResponse[],
  rules: ResponseSignalRules = DEFAULT_RESPONSE_SIGNAL_RULES,
): Map<string, Set<ResponseSignal>> {
  const flags = new Map<string, Set<ResponseSignal>>();
  const flag = (id: string, signal: ResponseSignal) => flags.set(id, (flags.get(id) ?? new Set()).add(signal));
  const byPattern = new Map<string, SignalResponse[]>();
  for (const r of responses) {
    const answered = answeredQuestions(r.answers);
    if (r.durationSeconds !== null && answered > 0 && r.durationSeconds < rules.secondsPerAnswer * answered) flag(r.id, "tooFast");
    if (answered === 0) continue;
    const key = `${r.collectedBy} ${beijingDay(r.finishedAt)} ${answerPattern(r.answers)}`;
    byPattern.set(key, [...(byPattern.get(key) ?? []), r]);
  }
  for (const same of byPattern.values()) {
    // Households, not responses: two residents of one flat answering alike is no pattern.
    const households = new Set(same.map((r) => r.householdId ?? `response ${r.id}`));
    if (households.size >= rules.identicalHouseholds) for (const r of same) flag(r.id, "identicalAnswers");
  }
  return flags;
}
