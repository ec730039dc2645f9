// Door-to-door visits (issue: 入户宣传走访): a household's status derived from its visit logs.
// Pure: one function decides, from every log ever written for a household, what the household
// counts as — the volunteer's phone, the office's coverage and the API all use it.
//
// The rules (per round, `VisitRules`):
// - Logs are never deleted. A correcting log (`undoes`) takes back an earlier one ("undo the last
//   tap"); a log the office rejected in review stops counting. Both stay in the history.
// - reached (材料已送达/已宣讲) means the household has been covered, whatever came before or after:
//   a later "not home" by someone else does not take the visit back.
// - refused counts when nobody reached the household.
// - vacant needs a second confirmation: another vacant log on another (Beijing) day. One vacant
//   log alone is an attempt without contact.
// - A household is unreachable after N attempts without contact (default 3) made in N different
//   (day, time slot) pairs, the slots being before 12:00, 12:00–18:00 and after 18:00 Beijing time:
//   three knocks in one evening are one try.
// - Logs of two volunteers that disagree (reached against refused or vacant) are all kept and the
//   rule above decides; the household is flagged `conflict` for the office to look at.

export const VISIT_OUTCOMES = ["reached", "notHome", "refused", "vacant", "other"] as const;
export type VisitOutcome = (typeof VISIT_OUTCOMES)[number];

export const HOUSEHOLD_STATUSES = ["pending", "notHome", "reached", "refused", "vacant", "unreachable"] as const;
export type HouseholdStatus = (typeof HOUSEHOLD_STATUSES)[number];

/** The levels coverage is reported at. */
export const COVERAGE_LEVELS = ["county", "street", "community", "compound", "building", "stairwell", "grid", "volunteer", "unit"] as const;
export type CoverageLevel = (typeof COVERAGE_LEVELS)[number];

export const TIME_SLOTS = ["morning", "afternoon", "evening"] as const;
export type TimeSlot = (typeof TIME_SLOTS)[number];

export type VisitLog = {
  id: string;
  at: Date;
  outcome: VisitOutcome;
  volunteerId: number;
  /** The id of the log this one takes back (an undo); its own outcome is then ignored. */
  undoes?: string | null;
  /** Rejected in review: kept in the history, no longer counted. */
  rejected?: boolean;
};

export type VisitRules = {
  /** Attempts without contact, in as many different (day, slot) pairs, that make a household unreachable. */
  unreachableAfter: number;
};

export const DEFAULT_VISIT_RULES: VisitRules = { unreachableAfter: 3 };

export type HouseholdVisitState = {
  status: HouseholdStatus;
  /** Counted logs (undone and rejected ones left out). */
  attempts: number;
  /** Different (day, slot) pairs among the attempts without contact. */
  triedSlots: number;
  /** The slots of the day not yet tried without contact (where to try next). */
  untriedSlots: TimeSlot[];
  /** The last counted log. */
  last: { outcome: VisitOutcome; at: Date; volunteerId: number } | null;
  /** Volunteers' logs disagree about the outcome (reached vs refused or vacant). */
  conflict: boolean;
  /** One vacant log so far: a second one on another day would make it vacant. */
  vacantUnconfirmed: boolean;
  /**
   * When the household was first reached by a log that counts today (null when it is not
   * reached): reached stays reached, so "reached by the end of a week" is `reachedAt` before it.
   */
  reachedAt: Date | null;
  /**
   * The first counted log (null without one): the household has been tried since then, the
   * refusal rate's denominator at the end of a week.
   */
  firstAt: Date | null;
  /**
   * The first counted refused log, whatever came after (null without one). Reached wins over
   * refused and refused over every other outcome, so the household counted as refused at a moment
   * t exactly when `refusedAt` ≤ t and not `reachedAt` ≤ t.
   */
  refusedAt: Date | null;
};

const HOUR = 3_600_000;
const BEIJING = 8 * HOUR;

/** The Beijing calendar day of a moment, 'YYYY-MM-DD'. */
export function beijingDay(at: Date): string {
  return new Date(at.getTime() + BEIJING).toISOString().slice(0, 10);
}

/** The time slot of a moment in Beijing time: before 12:00, 12:00–18:00, from 18:00. */
export function timeSlot(at: Date): TimeSlot {
  const hour = new Date(at.getTime() + BEIJING).getUTCHours();
  return hour < 12 ? "morning" : hour < 18 ? "afternoon" : "evening";
}

/** The logs that count: not rejected, not taken back by a counted undo, undos themselves left out. */
export function countedLogs(logs: VisitLog[]): VisitLog[] {
  const live = logs.filter((l) => !l.rejected);
  const undone = new Set(live.filter((l) => l.undoes).map((l) => l.undoes!));
  return live.filter((l) => !l.undoes && !undone.has(l.id)).sort((a, b) => a.at.getTime() - b.at.getTime() || (a.id < b.id ? -1 : 1));
}

/** What a household counts as, from all of its logs. */
export function householdVisitState(logs: VisitLog[], rules: VisitRules = DEFAULT_VISIT_RULES): HouseholdVisitState {
  const counted = countedLogs(logs);
  const last = counted.at(-1);
  const reached = counted.filter((l) => l.outcome === "reached");
  const refused = counted.filter((l) => l.outcome === "refused");
  const vacantDays = new Set(counted.filter((l) => l.outcome === "vacant").map((l) => beijingDay(l.at)));
  // Attempts without contact: not home, other, and vacant until it is confirmed.
  const withoutContact = counted.filter((l) => l.outcome === "notHome" || l.outcome === "other" || l.outcome === "vacant");
  const pairs = new Set(withoutContact.map((l) => `${beijingDay(l.at)} ${timeSlot(l.at)}`));
  const slotsTried = new Set(withoutContact.map((l) => timeSlot(l.at)));

  const vacant = vacantDays.size >= 2;
  let status: HouseholdStatus;
  if (counted.length === 0) status = "pending";
  else if (reached.length > 0) status = "reached";
  else if (refused.length > 0) status = "refused";
  else if (vacant) status = "vacant";
  else if (pairs.size >= rules.unreachableAfter) status = "unreachable";
  else status = "notHome";

  const says = new Map<number, Set<string>>();
  for (const l of counted) {
    if (l.outcome !== "reached" && l.outcome !== "refused" && l.outcome !== "vacant") continue;
    says.set(l.volunteerId, (says.get(l.volunteerId) ?? new Set()).add(l.outcome));
  }
  const claims = new Set([...says.values()].flatMap((s) => [...s]));
  const conflict = says.size > 1 && claims.size > 1 && (claims.has("reached") || claims.has("refused"));

  return {
    status,
    attempts: counted.length,
    triedSlots: pairs.size,
    untriedSlots: TIME_SLOTS.filter((s) => !slotsTried.has(s)),
    last: last ? { outcome: last.outcome, at: last.at, volunteerId: last.volunteerId } : null,
    conflict,
    vacantUnconfirmed: !vacant && vacantDays.size === 1 && status === "notHome",
    reachedAt: reached[0]?.at ?? null,
    firstAt: counted[0]?.at ?? null,
    refusedAt: refused[0]?.at ?? null,
  };
}

/** Whether a household still needs a visit in the first round (or when filling the gaps). */
export function needsVisit(status: HouseholdStatus): boolean {
  return status === "pending" || status === "notHome";
}

/** The floor of a room number as registers write it ("302", "1-1502", "B0201"): the digits before the last two; null when there are none. */
export function floorOf(room: string): number | null {
  const digits = /(\d{3,5})\D*$/.exec(room)?.[1];
  if (!digits) return null;
  const floor = Math.floor(Number(digits) / 100);
  return floor > 0 ? floor : null;
}

export type Pace = {
  /** Households still to visit (pending or not home yet). */
  remaining: number;
  /** Whole Beijing days left before the deadline, today counted; 0 once it has passed. */
  daysLeft: number;
  /** Households a day needed to finish by the deadline; null when no day is left. */
  neededPerDay: number | null;
  /** Households finished a day over the last three days (today included). */
  lastThreeDays: number;
  /** The Beijing day the work would end at the last three days' pace; null at a pace of 0 (or nothing left: today). */
  projected: string | null;
  /** The projection misses the deadline (or there is no pace and work is left). */
  late: boolean;
};

/** Households that got their final status (reached, refused, vacant, unreachable) on a Beijing day ('YYYY-MM-DD'). */
export type FinishedDay = { day: string; households: number };

/** The pace of a round against a deadline, from the households finished per day. */
export function pace(input: { remaining: number; finishedByDay: FinishedDay[]; deadline: Date; now: Date }): Pace {
  const today = beijingDay(input.now);
  const dayMs = (day: string) => Date.parse(`${day}T00:00:00Z`);
  const deadlineDay = beijingDay(new Date(input.deadline.getTime() - 1)); // the last day that still counts
  const daysLeft = Math.max(0, Math.round((dayMs(deadlineDay) - dayMs(today)) / 86_400_000) + 1);
  const since = dayMs(today) - 2 * 86_400_000;
  const recent = input.finishedByDay.filter((f) => dayMs(f.day) >= since && f.day <= today).reduce((sum, f) => sum + f.households, 0);
  const perDay = recent / 3;
  let projected: string | null = null;
  if (input.remaining === 0) projected = today;
  else if (perDay > 0)
    projected = new Date(dayMs(today) + (Math.ceil(input.remaining / perDay) - 1) * 86_400_000).toISOString().slice(0, 10);
  return {
    remaining: input.remaining,
    daysLeft,
    neededPerDay: daysLeft > 0 ? input.remaining / daysLeft : null,
    lastThreeDays: perDay,
    projected,
    late: input.remaining > 0 && (projected === null || projected > deadlineDay),
  };
}

// ---------------------------------------------------------------------------------------------
// Fabrication signals (AAPOR/ASA "Falsification in Surveys", 2020): patterns that real door
// knocking rarely makes. They flag logs for review; they never delete or discount anything by
// themselves — only a reviewer's rejection stops a log from counting.

export const SIGNALS = ["burst", "floorJump", "offHours", "sameNote", "sharedDevice", "spotCheckFailed"] as const;
export type Signal = (typeof SIGNALS)[number];

export type SignalLog = {
  id: string;
  volunteerId: number;
  householdId: number;
  buildingId: number;
  floor: number | null;
  at: Date;
  note: string | null;
  deviceId: string | null;
  /** A spot check (抽查) of this log came back "not confirmed" (app/domain/spot-checks.ts). */
  checkFailed?: boolean;
};

export type SignalRules = {
  /** At least `burstSize` logs of one volunteer within `burstSeconds` of each other. */
  burstSize: number;
  burstSeconds: number;
  /** Consecutive logs in one building, `floorJump` floors or more apart, less than this many seconds apart. */
  floorJump: number;
  floorJumpSeconds: number;
  /** Beijing hours outside which a knock is implausible: before 07:00 or after 21:30. */
  earliest: number;
  latest: number;
  /** The same note by one volunteer on at least this many households in one day. */
  sameNote: number;
};

export const DEFAULT_SIGNAL_RULES: SignalRules = {
  burstSize: 10,
  burstSeconds: 15,
  floorJump: 5,
  floorJumpSeconds: 20,
  earliest: 7,
  latest: 21.5,
  sameNote: 10,
};

/** Each flagged log with the signals it raised. */
export function fabricationSignals(logs: SignalLog[], rules: SignalRules = DEFAULT_SIGNAL_RULES): Map<string, Set<Signal>> {
  const flags = new Map<string, Set<Signal>>();
  const flag = (id: string, signal: Signal) => flags.set(id, (flags.get(id) ?? new Set()).add(signal));
  const byVolunteer = new Map<number, SignalLog[]>();
  for (const l of logs) byVolunteer.set(l.volunteerId, [...(byVolunteer.get(l.volunteerId) ?? []), l]);
  for (const own of byVolunteer.values()) {
    own.sort((a, b) => a.at.getTime() - b.at.getTime());
    // Bursts: a run of logs each within burstSeconds of the one before.
    let start = 0;
    for (let i = 1; i <= own.length; i++) {
      const gap = i < own.length ? (own[i].at.getTime() - own[i - 1].at.getTime()) / 1000 : Infinity;
      if (gap > rules.burstSeconds) {
        if (i - start >= rules.burstSize) for (let k = start; k < i; k++) flag(own[k].id, "burst");
        start = i;
      }
    }
    for (let i = 1; i < own.length; i++) {
      const [a, b] = [own[i - 1], own[i]];
      const seconds = (b.at.getTime() - a.at.getTime()) / 1000;
      if (
        a.buildingId === b.buildingId &&
        a.floor !== null &&
        b.floor !== null &&
        Math.abs(a.floor - b.floor) >= rules.floorJump &&
        seconds < rules.floorJumpSeconds
      )
        flag(b.id, "floorJump");
    }
  }
  for (const l of logs) {
    const local = new Date(l.at.getTime() + BEIJING);
    const hour = local.getUTCHours() + local.getUTCMinutes() / 60;
    if (hour < rules.earliest || hour > rules.latest) flag(l.id, "offHours");
    if (l.checkFailed) flag(l.id, "spotCheckFailed");
  }
  // The same note typed by one volunteer on many households in one day (a standard phrase used by
  // many volunteers over weeks is normal).
  const byNote = new Map<string, SignalLog[]>();
  for (const l of logs)
    if (l.note) {
      const key = `${l.volunteerId} ${beijingDay(l.at)} ${l.note}`;
      byNote.set(key, [...(byNote.get(key) ?? []), l]);
    }
  for (const same of byNote.values())
    if (new Set(same.map((l) => l.householdId)).size >= rules.sameNote) for (const l of same) flag(l.id, "sameNote");
  const byDevice = new Map<string, SignalLog[]>();
  for (const l of logs) if (l.deviceId) byDevice.set(l.deviceId, [...(byDevice.get(l.deviceId) ?? []), l]);
  for (const same of byDevice.values())
    if (new Set(same.map((l) => l.volunteerId)).size > 1) for (const l of same) flag(l.id, "sharedDevice");
  return flags;
}

/** A phone's clock may run a little ahead of the server's. */
export const CLOCK_SKEW_MS = 5 * 60_000;

/** Why a queued item (a visit log, a spot-check result) is refused before its own kind is looked at. */
export type QueuedItemRefusal =
  "badClientKey" | "repeatedInRequest" | "roundClosed" | "badHousehold" | "badTime" | "inFuture" | "noteTooLong";

type QueuedItemInput = { clientKey?: unknown; householdId?: unknown; at?: unknown; note?: unknown };

/**
 * The checks every item a phone queues goes through, in this order: its client key (well formed,
 * not twice in one request; `seen` collects them), the round still open, a household id,
 * `ownChecks` (the item's own fields: an outcome, a sampled household, a result), a time that
 * is not in the future nor before `earliest` (refused as `tooEarly`), and a note of at most 500
 * characters. The first failing check names the refusal.
 */
export function checkQueuedItem<R extends string>(
  v: QueuedItemInput,
  context: {
    seen: Set<string>;
    open: boolean;
    now: Date;
    earliest: Date;
    tooEarly: R;
    ownChecks: (householdId: number) => R | null;
  },
):
  | { clientKey: string; refusal: QueuedItemRefusal | R }
  | { clientKey: string; refusal: null; householdId: number; at: Date; note: string | null } {
  const clientKey = typeof v.clientKey === "string" ? v.clientKey : "";
  const refused = (refusal: QueuedItemRefusal | R) => ({ clientKey, refusal });
  if (!/^[\w:.-]{8,100}$/.test(clientKey)) return refused("badClientKey");
  if (context.seen.has(clientKey)) return refused("repeatedInRequest");
  context.seen.add(clientKey);
  if (!context.open) return refused("roundClosed");
  if (!(typeof v.householdId === "number" && Number.isSafeInteger(v.householdId) && v.householdId > 0)) return refused("badHousehold");
  const own = context.ownChecks(v.householdId);
  if (own) return refused(own);
  const at = typeof v.at === "string" && /^\d{4}-\d{2}-\d{2}T/.test(v.at) ? new Date(v.at) : null;
  if (!at || Number.isNaN(at.getTime())) return refused("badTime");
  if (at.getTime() > context.now.getTime() + CLOCK_SKEW_MS) return refused("inFuture");
  if (at.getTime() < context.earliest.getTime()) return refused(context.tooEarly);
  const note = typeof v.note === "string" && v.note.trim() !== "" ? v.note.trim() : null;
  if (note && note.length > 500) return refused("noteTooLong");
  return { clientKey, refusal: null, householdId: v.householdId, at, note };
}
