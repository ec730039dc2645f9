// A household's door-to-door status from its visit logs: the rules of a round, by hand.
import { describe, expect, it } from "vitest";
import {
  beijingDay,
  countedLogs,
  fabricationSignals,
  householdVisitState,
  needsVisit,
  pace,
  timeSlot,
  type SignalLog,
  type VisitLog,
  type VisitOutcome,
} from "~/domain/visits";

let seq = 0;
/** A log at a Beijing wall-clock time ("2026-12-20 19:30"). */
const log = (when: string, outcome: VisitOutcome, volunteerId = 1, extra: Partial<VisitLog> = {}): VisitLog => ({
  id: `v${++seq}`,
  at: new Date(`${when.replace(" ", "T")}:00+08:00`),
  outcome,
  volunteerId,
  ...extra,
});
const state = (...logs: VisitLog[]) => householdVisitState(logs);

describe("Beijing days and time slots", () => {
  it("cuts the day at 12:00 and 18:00 Beijing time, whatever the server's zone", () => {
    expect(
      ["2026-12-20 07:00", "2026-12-20 11:59", "2026-12-20 12:00", "2026-12-20 17:59", "2026-12-20 18:00", "2026-12-20 23:59"].map((w) =>
        timeSlot(log(w, "notHome").at),
      ),
    ).toEqual(["morning", "morning", "afternoon", "afternoon", "evening", "evening"]);
    // 00:30 in Beijing is 16:30 UTC the day before.
    expect(beijingDay(new Date("2026-12-19T16:30:00Z"))).toBe("2026-12-20");
  });
});

describe("householdVisitState", () => {
  it("is pending without logs, and notHome after a knock nobody answered", () => {
    expect(state()).toMatchObject({ status: "pending", attempts: 0, last: null, untriedSlots: ["morning", "afternoon", "evening"] });
    expect(state(log("2026-12-20 19:00", "notHome"))).toMatchObject({
      status: "notHome",
      attempts: 1,
      triedSlots: 1,
      untriedSlots: ["morning", "afternoon"],
    });
  });

  it("is reached once the material was delivered, and a later not-home does not take it back", () => {
    const s = state(log("2026-12-20 19:00", "notHome"), log("2026-12-21 10:00", "reached"), log("2026-12-22 10:00", "notHome", 2));
    expect(s.status).toBe("reached");
    expect(s.attempts).toBe(3);
    expect(s.last).toMatchObject({ outcome: "notHome", volunteerId: 2 });
  });

  it("is unreachable only after three tries in three different (day, slot) pairs", () => {
    // Three knocks in one evening are one try.
    const evening = [log("2026-12-20 19:00", "notHome"), log("2026-12-20 19:40", "notHome"), log("2026-12-20 20:30", "notHome")];
    expect(state(...evening)).toMatchObject({ status: "notHome", triedSlots: 1 });
    // The same slot on another day counts: (20 evening), (21 evening), (22 morning).
    const s = state(...evening, log("2026-12-21 19:00", "notHome"), log("2026-12-22 09:00", "other"));
    expect(s).toMatchObject({ status: "unreachable", triedSlots: 3, untriedSlots: ["afternoon"] });
    expect(needsVisit(s.status)).toBe(false);
  });

  it("follows the round's number of tries", () => {
    const logs = [log("2026-12-20 09:00", "notHome"), log("2026-12-20 15:00", "notHome")];
    expect(householdVisitState(logs, { unreachableAfter: 2 }).status).toBe("unreachable");
    expect(householdVisitState(logs, { unreachableAfter: 3 }).status).toBe("notHome");
  });

  it("needs a second vacant log on another day before a household is vacant", () => {
    const first = log("2026-12-20 10:00", "vacant");
    expect(state(first)).toMatchObject({ status: "notHome", vacantUnconfirmed: true });
    expect(state(first, log("2026-12-20 19:00", "vacant", 2)).status).toBe("notHome");
    expect(state(first, log("2026-12-23 19:00", "vacant", 2))).toMatchObject({ status: "vacant", vacantUnconfirmed: false });
  });

  it("counts a refusal unless somebody reached the household, and flags volunteers who disagree", () => {
    expect(state(log("2026-12-20 10:00", "refused"))).toMatchObject({ status: "refused", conflict: false });
    const disputed = state(log("2026-12-20 10:00", "refused", 1), log("2026-12-21 10:00", "reached", 2));
    expect(disputed).toMatchObject({ status: "reached", conflict: true });
    expect(
      state(log("2026-12-20 10:00", "reached", 1), log("2026-12-22 10:00", "vacant", 2), log("2026-12-24 10:00", "vacant", 2)).conflict,
    ).toBe(true);
    // One volunteer changing their mind is not a conflict.
    expect(state(log("2026-12-20 10:00", "refused", 1), log("2026-12-21 10:00", "reached", 1)).conflict).toBe(false);
  });

  it("takes back an undone log and a rejected one, keeping both in the history", () => {
    const tap = log("2026-12-20 10:00", "reached");
    const undo = log("2026-12-20 10:01", "notHome", 1, { undoes: tap.id });
    expect(state(tap, undo)).toMatchObject({ status: "pending", attempts: 0 });
    expect(countedLogs([tap, undo])).toEqual([]);
    const fake = log("2026-12-20 03:00", "reached", 3, { rejected: true });
    expect(state(fake, log("2026-12-21 19:00", "notHome")).status).toBe("notHome");
    // A rejected undo takes nothing back.
    expect(state(tap, { ...undo, rejected: true }).status).toBe("reached");
  });

  it("dates the first counted reached log, and forgets a reach that was rejected or undone", () => {
    expect(state(log("2026-12-20 10:00", "notHome")).reachedAt).toBeNull();
    const first = log("2026-12-21 19:00", "reached", 1);
    // Synced late but earlier in time: the earliest reach is the date that counts.
    expect(state(log("2026-12-23 10:00", "reached", 2), first).reachedAt).toEqual(first.at);
    const rejected = log("2026-12-19 10:00", "reached", 3, { rejected: true });
    expect(state(rejected, first).reachedAt).toEqual(first.at);
    const tap = log("2026-12-18 10:00", "reached");
    expect(state(tap, log("2026-12-18 10:01", "notHome", 1, { undoes: tap.id }), first).reachedAt).toEqual(first.at);
  });

  it("dates the first try and the first refusal, which give the refused status at any past moment", () => {
    expect(state()).toMatchObject({ firstAt: null, refusedAt: null });
    const knock = log("2026-12-20 10:00", "notHome");
    const no = log("2026-12-21 19:00", "refused", 2);
    const yes = log("2026-12-24 10:00", "reached", 1);
    expect(state(yes, no, knock)).toMatchObject({ status: "reached", firstAt: knock.at, refusedAt: no.at, reachedAt: yes.at });
    // An undone or rejected refusal is no refusal.
    const tap = log("2026-12-22 10:00", "refused");
    const undo = log("2026-12-22 10:01", "notHome", 1, { undoes: tap.id });
    expect(state(knock, tap, undo).refusedAt).toBeNull();
    expect(state(knock, { ...no, rejected: true }).refusedAt).toBeNull();

    // Against the rule itself: the status of the logs up to t (as they count today) is refused
    // exactly when refusedAt <= t and not reachedAt <= t, and tried exactly when firstAt <= t.
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const outcomes: VisitOutcome[] = ["reached", "notHome", "refused", "vacant", "other"];
    for (let trial = 0; trial < 300; trial++) {
      const logs: VisitLog[] = [];
      for (let i = 0; i < 1 + Math.floor(random() * 6); i++) {
        const when = `2026-12-${String(10 + Math.floor(random() * 15)).padStart(2, "0")} ${String(8 + Math.floor(random() * 12)).padStart(2, "0")}:00`;
        const undoes = logs.length > 0 && random() < 0.15 ? logs[Math.floor(random() * logs.length)].id : null;
        logs.push(log(when, outcomes[Math.floor(random() * 5)], 1 + Math.floor(random() * 2), { undoes, rejected: random() < 0.1 }));
      }
      const whole = householdVisitState(logs);
      const counted = countedLogs(logs);
      for (let day = 9; day <= 26; day++) {
        const t = new Date(`2026-12-${day}T23:59:59+08:00`);
        const then = householdVisitState(counted.filter((l) => l.at <= t));
        const atOrBefore = (d: Date | null) => d !== null && d <= t;
        expect(then.status === "refused").toBe(atOrBefore(whole.refusedAt) && !atOrBefore(whole.reachedAt));
        expect(then.status !== "pending").toBe(atOrBefore(whole.firstAt));
      }
    }
  });

  it("orders logs by time whatever order they arrive in (an offline phone syncs late)", () => {
    const late = log("2026-12-22 10:00", "notHome", 2);
    const early = log("2026-12-20 10:00", "notHome", 1);
    expect(state(late, early).last).toMatchObject({ volunteerId: 2 });
  });
});

describe("pace", () => {
  const now = new Date("2026-12-20T15:00:00+08:00");
  const deadline = new Date("2027-01-05T00:00:00+08:00"); // by 5 January: the 4th is the last day

  it("counts the days left, today included, and what is needed a day", () => {
    const p = pace({ remaining: 320, finishedByDay: [], deadline, now });
    expect(p.daysLeft).toBe(16); // 20 December … 4 January
    expect(p.neededPerDay).toBe(20);
    expect(p).toMatchObject({ lastThreeDays: 0, projected: null, late: true });
  });

  it("projects the end at the last three days' pace and says when it misses the deadline", () => {
    // 30 finished over 18–20 December (and older ones, and a day after today, that do not count): 10 a day.
    const finished = [
      { day: "2026-12-01", households: 40 },
      { day: "2026-12-17", households: 25 },
      { day: "2026-12-18", households: 12 },
      { day: "2026-12-19", households: 8 },
      { day: "2026-12-20", households: 10 },
      { day: "2026-12-21", households: 50 },
    ];
    const onTime = pace({ remaining: 100, finishedByDay: finished, deadline, now });
    expect(onTime).toMatchObject({ lastThreeDays: 10, projected: "2026-12-29", late: false });
    const behind = pace({ remaining: 200, finishedByDay: finished, deadline, now });
    expect(behind).toMatchObject({ projected: "2027-01-08", late: true });
  });

  it("is done when nothing is left, and has no days once the deadline has passed", () => {
    expect(pace({ remaining: 0, finishedByDay: [], deadline, now })).toMatchObject({ projected: "2026-12-20", late: false });
    expect(pace({ remaining: 5, finishedByDay: [], deadline, now: new Date("2027-01-06T09:00:00+08:00") })).toMatchObject({
      daysLeft: 0,
      neededPerDay: null,
      late: true,
    });
  });
});

describe("fabrication signals", () => {
  let n = 0;
  const at = (beijing: string, plusSeconds = 0) =>
    new Date(new Date(`${beijing.replace(" ", "T")}:00+08:00`).getTime() + plusSeconds * 1000);
  const s = (over: Partial<SignalLog>): SignalLog => ({
    id: `s${++n}`,
    volunteerId: 1,
    householdId: n,
    buildingId: 10,
    floor: 1,
    at: at("2026-12-20 10:00"),
    note: null,
    deviceId: "d1",
    ...over,
  });

  it("flags a run of ten logs seconds apart, not a volunteer working a stairwell at a walking pace", () => {
    const burst = Array.from({ length: 10 }, (_, i) => s({ at: at("2026-12-20 10:00", i * 5) }));
    const walking = Array.from({ length: 10 }, (_, i) => s({ volunteerId: 2, deviceId: "d2", at: at("2026-12-20 10:00", i * 40) }));
    const flags = fabricationSignals([...burst, ...walking]);
    expect(burst.every((l) => flags.get(l.id)?.has("burst"))).toBe(true);
    expect(walking.some((l) => flags.has(l.id))).toBe(false);
    // Nine are not a burst.
    expect(fabricationSignals(burst.slice(0, 9)).size).toBe(0);
  });

  it("flags a jump of many floors in seconds, logs at night, one note on many households and a shared phone", () => {
    const jump = [s({ floor: 1, at: at("2026-12-20 10:00") }), s({ floor: 12, at: at("2026-12-20 10:00", 8) })];
    const night = s({ at: at("2026-12-20 02:10") });
    const late = s({ at: at("2026-12-20 21:45") });
    const fine = s({ at: at("2026-12-20 21:20") });
    const copied = Array.from({ length: 10 }, (_, i) => s({ note: "已发放宣传资料", at: at("2026-12-21 10:00", i * 120) }));
    const shared = [
      s({ volunteerId: 3, deviceId: "phone-x", at: at("2026-12-22 10:00") }),
      s({ volunteerId: 4, deviceId: "phone-x", at: at("2026-12-22 11:00") }),
    ];
    const flags = fabricationSignals([...jump, night, late, fine, ...copied, ...shared]);
    expect([...(flags.get(jump[1].id) ?? [])]).toEqual(["floorJump"]);
    expect(flags.has(jump[0].id)).toBe(false);
    expect(flags.get(night.id)?.has("offHours")).toBe(true);
    expect(flags.get(late.id)?.has("offHours")).toBe(true);
    expect(flags.has(fine.id)).toBe(false);
    expect(copied.every((l) => flags.get(l.id)?.has("sameNote"))).toBe(true);
    expect(shared.every((l) => flags.get(l.id)?.has("sharedDevice"))).toBe(true);
  });

  it("does not flag a standard phrase that many volunteers use, or one volunteer's over many days", () => {
    const phrase = "已宣讲，住户支持创文";
    const many = Array.from({ length: 12 }, (_, i) =>
      s({ volunteerId: 100 + i, deviceId: `p${i}`, note: phrase, at: at("2026-12-21 10:00", i * 600) }),
    );
    const spread = Array.from({ length: 12 }, (_, i) =>
      s({ volunteerId: 200, deviceId: "q", note: phrase, at: at(`2026-12-${String(10 + i).padStart(2, "0")} 10:00`) }),
    );
    expect(fabricationSignals([...many, ...spread]).size).toBe(0);
  });
});
