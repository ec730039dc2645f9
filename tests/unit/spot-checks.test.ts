// The spot-check rules (app/domain/spot-checks.ts): the frame, the draw, the size and the rate.
import { describe, expect, it } from "vitest";
import { confirmationTallies, drawSpotCheck, reachedLog, sampleCount } from "~/domain/spot-checks";
import { wilsonInterval } from "~/domain/stats";
import type { VisitLog } from "~/domain/visits";

const frame = Array.from({ length: 40 }, (_, i) => ({ householdId: 100 + i, logId: String(i + 1), volunteerId: i < 10 ? 7 : 8 }));

describe("spot checks", () => {
  it("sizes a share rounding up and never beyond the frame", () => {
    expect(sampleCount({ kind: "share", value: 5 }, 30)).toBe(2);
    expect(sampleCount({ kind: "share", value: 100 }, 30)).toBe(30);
    expect(sampleCount({ kind: "number", value: 50 }, 30)).toBe(30);
    expect(sampleCount({ kind: "number", value: 3 }, 0)).toBe(0);
  });

  it("leaves the checker's own households out, and the same seed draws the same households whatever the frame's order", () => {
    const a = drawSpotCheck(frame, { size: { kind: "number", value: 12 }, seed: 11, checkerId: 7 });
    const b = drawSpotCheck([...frame].reverse(), { size: { kind: "number", value: 12 }, seed: 11, checkerId: 7 });
    expect(a.excludedOwn).toBe(10);
    expect(a.drawn).toHaveLength(12);
    expect(a.drawn.every((h) => h.volunteerId === 8)).toBe(true);
    expect(b.drawn).toEqual(a.drawn);
    expect(drawSpotCheck(frame, { size: { kind: "number", value: 12 }, seed: 12, checkerId: 7 }).drawn).not.toEqual(a.drawn);
  });

  it("checks the first counted reached log: undone and rejected ones do not count", () => {
    const at = (h: number) => new Date(Date.UTC(2026, 10, 20, h));
    const logs: VisitLog[] = [
      { id: "1", at: at(1), outcome: "reached", volunteerId: 1, rejected: true },
      { id: "2", at: at(2), outcome: "reached", volunteerId: 2 },
      { id: "3", at: at(3), outcome: "reached", volunteerId: 2, undoes: "2" },
      { id: "4", at: at(4), outcome: "notHome", volunteerId: 3 },
      { id: "5", at: at(5), outcome: "reached", volunteerId: 4 },
    ];
    expect(reachedLog(logs)?.id).toBe("5");
    expect(reachedLog(logs.slice(0, 4))).toBeNull();
  });

  it("rates confirmed ÷ (confirmed + not confirmed) per group with the Wilson interval; could-not-check stays out", () => {
    const tallies = confirmationTallies([
      ...Array.from({ length: 8 }, () => ({ key: "a", outcome: "confirmed" as const })),
      { key: "a", outcome: "notConfirmed" },
      { key: "a", outcome: "notConfirmed" },
      { key: "a", outcome: "couldNotCheck" },
      { key: "a", outcome: null },
      { key: "b", outcome: "couldNotCheck" },
    ]);
    expect(tallies.get("a")).toMatchObject({ confirmed: 8, notConfirmed: 2, couldNotCheck: 1, unchecked: 1 });
    expect(tallies.get("a")!.rate).toMatchObject({ rate: 0.8, n: 10, ...wilsonInterval(8, 10) });
    // Newcombe (1998) method 3, 8/10: 0.4902 – 0.9433.
    expect(tallies.get("a")!.rate.lower).toBeCloseTo(0.4902, 4);
    expect(tallies.get("a")!.rate.upper).toBeCloseTo(0.9433, 4);
    expect(tallies.get("b")!.rate).toMatchObject({ rate: null, n: 0 });
  });
});
