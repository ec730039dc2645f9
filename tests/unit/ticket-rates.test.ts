// The weekly bulletin's department ranking (12345): ranked by satisfaction after callbacks, red /
// yellow / green by where the 95% Wilson interval lies against the target, none under the
// minimum n. Intervals checked against Wilson's published formula, worked by hand:
// 95/100 → 88.8–97.8%, 80/100 → 71.1–86.7%, 60/100 → 50.2–69.1%.
import { describe, expect, it } from "vitest";
import { rankDepartments, ticketRateUnit, type TicketUnitCounts } from "~/domain/ticket-rates";

const unit = (name: string, satisfied: number, rated: number): ReturnType<typeof ticketRateUnit> => {
  const c: TicketUnitCounts = {
    name,
    tickets: rated + 5,
    completed: rated,
    completedWithDue: rated,
    onTime: rated,
    called: rated,
    reached: rated,
    ratedBefore: rated,
    satisfiedBefore: satisfied,
    ratedAfter: rated,
    satisfiedAfter: satisfied,
    resolvedAnswered: 0,
    resolvedYes: 0,
    followUpsOpen: 0,
    followUpsOverdue: 0,
  };
  return ticketRateUnit(c);
};

describe("the bulletin's department ranking", () => {
  const ranked = rankDepartments(
    [unit("县城管局", 60, 100), unit("县住建局", 95, 100), unit("县水务集团", 11, 12), unit("县交通局", 80, 100)],
    {
      target: 0.85,
      minN: 30,
    },
  );

  it("ranks from the highest satisfaction after callbacks; a unit under the minimum n is neither ranked nor coloured", () => {
    expect(ranked.map((r) => [r.unit.name, r.rank])).toEqual([
      ["县住建局", 1],
      ["县交通局", 2],
      ["县城管局", 3],
      ["县水务集团", null],
    ]);
    expect(ranked[3].status).toBeNull();
  });

  it("colours by the interval against the target: wholly above green, wholly below red, across it yellow", () => {
    const byName = new Map(ranked.map((r) => [r.unit.name, r]));
    const shown = (name: string) => {
      const f = byName.get(name)!.unit.satisfactionAfter;
      return [Math.round(f.lower * 1000) / 10, Math.round(f.upper * 1000) / 10];
    };
    expect(shown("县住建局")).toEqual([88.8, 97.8]);
    expect(shown("县交通局")).toEqual([71.1, 86.7]);
    expect(shown("县城管局")).toEqual([50.2, 69.1]);
    expect(["县住建局", "县交通局", "县城管局"].map((n) => byName.get(n)!.status)).toEqual(["green", "yellow", "red"]);
  });
});
