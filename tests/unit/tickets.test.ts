// 12345 tickets without a database: headers, dates, rows (on the NYC 311 fixtures, a layout
// nobody here wrote), and the evaluation's seeded sample.
import { readFileSync } from "node:fs";
import path from "node:path";
import Papa from "papaparse";
import { describe, expect, it } from "vitest";
import {
  drawEvaluationSample,
  drawPositions,
  missingColumns,
  monthsBefore,
  NYC311_MAPPING,
  onTime,
  parseTicketTime,
  recogniseColumns,
  sampleSwing,
  ticketFromRow,
  type TicketRow,
  satisfactionLevel,
} from "~/domain/tickets";
import { readTable } from "~/utils/tabular.server";

const fixture = (name: string) => path.resolve(__dirname, "../fixtures", name);

describe("parseTicketTime", () => {
  const beijing = (iso: string) => new Date(`${iso}+08:00`).toISOString();
  it.each([
    ["2024-01-05 08:00", "2024-01-05T08:00:00"],
    ["2024-01-05 08:00:30", "2024-01-05T08:00:30"],
    ["2024/1/5 8:00", "2024-01-05T08:00:00"],
    ["2024/1/5 8:00:07", "2024-01-05T08:00:07"],
    ["2024-01-05T08:00", "2024-01-05T08:00:00"],
    ["2024-01-05", "2024-01-05T00:00:00"],
    ["01/05/2024 08:00:00 AM", "2024-01-05T08:00:00"],
    ["01/05/2024 12:30:00 AM", "2024-01-05T00:30:00"],
    ["01/05/2024 12:30:00 PM", "2024-01-05T12:30:00"],
    ["01/05/2024 08:15:00 PM", "2024-01-05T20:15:00"],
    // Excel: 45296 = 2024-01-05, .3333… = 08:00.
    ["45296.333333333", "2024-01-05T08:00:00"],
  ])("reads %s as Beijing wall-clock time", (text, wall) => {
    expect(parseTicketTime(text)?.toISOString()).toBe(beijing(wall));
  });

  it("reads Excel serial numbers, and other offsets when asked", () => {
    expect(parseTicketTime(45296.5)?.toISOString()).toBe(beijing("2024-01-05T12:00:00"));
    expect(parseTicketTime("2024-01-05 08:00", -5)?.toISOString()).toBe("2024-01-05T13:00:00.000Z");
  });

  it.each(["", "2024-02-30 08:00", "2024-13-01", "13/45/2024 08:00:00 AM", "01/05/2024 13:00:00 PM", "yesterday", "2024-01-05 25:00"])(
    "refuses %j",
    (text) => expect(parseTicketTime(text)).toBeNull(),
  );
});

describe("columns", () => {
  it("recognises the common Chinese headers, full-width and spaced ones too", () => {
    const headers = [
      "工单号",
      "来电时间",
      "办结时间",
      "截止时间",
      "责任单位",
      "事项分类",
      "诉求内容",
      "联系电话",
      "来电人",
      "所属街道",
      "所属社区",
      "办理结果",
      "满意度",
      "备注",
    ];
    expect(recogniseColumns(headers).columns).toEqual({
      number: "工单号",
      receivedAt: "来电时间",
      completedAt: "办结时间",
      dueAt: "截止时间",
      department: "责任单位",
      category: "事项分类",
      content: "诉求内容",
      phone: "联系电话",
      caller: "来电人",
      street: "所属街道",
      community: "所属社区",
      result: "办理结果",
      rating: "满意度",
    });
    expect(recogniseColumns([" 工单编号 ", "受理时间"]).columns).toEqual({ number: " 工单编号 ", receivedAt: "受理时间" });
    expect(missingColumns(recogniseColumns(["受理时间", "承办单位"]), ["受理时间", "承办单位"])).toEqual(["number"]);
  });
});

describe("the NYC 311 export through the nyc311 mapping", () => {
  it("reads every 2011 ticket, and counts tickets and on-time closures by agency as an independent count does", async () => {
    const bytes = new Uint8Array(readFileSync(fixture("nyc311-sample-2011.csv")));
    const table = await readTable(bytes, "nyc311-sample-2011.csv");
    expect(missingColumns(NYC311_MAPPING, table.headers)).toEqual([]);
    const tickets: TicketRow[] = [];
    for (const { cells } of table.rows) {
      const result = ticketFromRow(Object.fromEntries(table.headers.map((h, i) => [h, cells[i] ?? ""])), NYC311_MAPPING);
      if (!("ticket" in result)) throw new Error(JSON.stringify(result.problems));
      tickets.push(result.ticket);
    }
    // The independent count: papaparse and V8's own date reading, nothing of ours.
    const file = Papa.parse<Record<string, string>>(readFileSync(fixture("nyc311-sample-2011.csv"), "utf8"), {
      header: true,
      skipEmptyLines: true,
    });
    expect(tickets).toHaveLength(file.data.length);
    expect(file.data.length).toBe(999);
    const count = new Map<string, { tickets: number; withDue: number; onTime: number }>();
    for (const r of file.data) {
      const c = count.get(r.Agency) ?? { tickets: 0, withDue: 0, onTime: 0 };
      c.tickets += 1;
      if (r["Closed Date"] && r["Due Date"]) {
        c.withDue += 1;
        if (new Date(r["Closed Date"]).getTime() <= new Date(r["Due Date"]).getTime()) c.onTime += 1;
      }
      count.set(r.Agency, c);
    }
    const ours = new Map<string, { tickets: number; withDue: number; onTime: number }>();
    for (const t of tickets) {
      const c = ours.get(t.department!) ?? { tickets: 0, withDue: 0, onTime: 0 };
      c.tickets += 1;
      const on = onTime(t);
      if (on !== null) {
        c.withDue += 1;
        if (on) c.onTime += 1;
      }
      ours.set(t.department!, c);
    }
    expect(Object.fromEntries(ours)).toEqual(Object.fromEntries(count));
    expect(count.size).toBeGreaterThan(5);
  });

  it("reads the older 2013 layout with the same mapping; open tickets have no completion time", async () => {
    const table = await readTable(new Uint8Array(readFileSync(fixture("nyc311-sample-2013.csv"))), "nyc311-sample-2013.csv");
    const results = table.rows.map(({ cells }) =>
      ticketFromRow(Object.fromEntries(table.headers.map((h, i) => [h, cells[i] ?? ""])), NYC311_MAPPING),
    );
    const tickets = results.flatMap((r) => ("ticket" in r ? [r.ticket] : []));
    expect(tickets).toHaveLength(199);
    const open = tickets.filter((t) => t.completedAt === null);
    expect(open.length).toBeGreaterThan(0);
    expect(open.every((t) => onTime(t) === null)).toBe(true);
  });

  it("lists a row's problems by field: a missing number, a bad date", () => {
    const mapping = recogniseColumns(["工单编号", "受理时间", "办结时间"]);
    expect(ticketFromRow({ 工单编号: "", 受理时间: "2024-01-05 08:00", 办结时间: "" }, mapping)).toEqual({
      problems: [{ field: "number", key: "tickets.error.missing" }],
    });
    expect(ticketFromRow({ 工单编号: "A1", 受理时间: "2024-01-05 08:00", 办结时间: "下周" }, mapping)).toEqual({
      problems: [{ field: "completedAt", key: "tickets.error.date" }],
    });
    expect(ticketFromRow({ 工单编号: "A1", 受理时间: "x".repeat(20_001), 办结时间: "" }, mapping)).toEqual({
      problems: [{ field: "receivedAt", key: "tickets.error.tooLong" }],
    });
  });
});

describe("the evaluation's sample", () => {
  const asOf = new Date("2026-12-15T00:00:00+08:00");
  // 3,000 completed tickets over the 8 months before the evaluation day, one every ~2 hours.
  const tickets = Array.from({ length: 3000 }, (_, i) => ({
    id: i + 1,
    completedAt: new Date(asOf.getTime() - (i + 1) * 7_000_000),
    satisfied: i % 10 === 0 ? null : i % 7 !== 0,
  }));
  const rule = { asOf, months: 6, recentMonths: 3, recentShare: 2 / 3, size: 200 };

  it("draws 200 completed tickets of the last six months, two thirds from the last three, the same for the same seed", () => {
    const sample = drawEvaluationSample(tickets, { ...rule, seed: 7 });
    expect(sample).toHaveLength(200);
    expect(new Set(sample.map((t) => t.id)).size).toBe(200);
    const from = monthsBefore(asOf, 6).getTime();
    const split = monthsBefore(asOf, 3).getTime();
    expect(sample.every((t) => t.completedAt.getTime() >= from && t.completedAt < asOf)).toBe(true);
    expect(sample.filter((t) => t.completedAt.getTime() >= split)).toHaveLength(133);
    expect(drawEvaluationSample([...tickets].reverse(), { ...rule, seed: 7 })).toEqual(sample);
    expect(drawEvaluationSample(tickets, { ...rule, seed: 8 }).map((t) => t.id)).not.toEqual(sample.map((t) => t.id));
    // A saved sample is redrawn the same by later versions: these are the ids the first version
    // (before the database handed over only the drawn positions) drew with seed 7.
    const ids = sample.map((t) => t.id);
    expect(ids.slice(0, 6)).toEqual([668, 689, 533, 871, 976, 452]);
    expect(ids.slice(-3)).toEqual([1254, 1770, 1839]);
    expect(ids.reduce((a, b) => a + b, 0)).toBe(186389);
  });

  it("draws positions from the part sizes alone, the same as drawing the tickets", () => {
    const from = monthsBefore(asOf, 6).getTime();
    const split = monthsBefore(asOf, 3).getTime();
    const eligible = tickets.filter((t) => t.completedAt.getTime() >= from).sort((a, b) => a.id - b.id);
    const recent = eligible.filter((t) => t.completedAt.getTime() >= split);
    const earlier = eligible.filter((t) => t.completedAt.getTime() < split);
    const at = drawPositions({ recent: recent.length, earlier: earlier.length }, { ...rule, seed: 7 });
    expect([...at.recent.map((i) => recent[i]), ...at.earlier.map((i) => earlier[i])]).toEqual(
      drawEvaluationSample(tickets, { ...rule, seed: 7 }),
    );
    expect(drawPositions({ recent: 3, earlier: 0 }, { ...rule, seed: 7 }).recent.sort()).toEqual([0, 1, 2]);
  });

  it("fills from the other part when one has too few tickets", () => {
    const recentOnly = tickets.filter((t) => t.completedAt.getTime() >= monthsBefore(asOf, 3).getTime()).slice(0, 50);
    const old = tickets.filter((t) => t.completedAt.getTime() < monthsBefore(asOf, 3).getTime());
    const sample = drawEvaluationSample([...recentOnly, ...old], { ...rule, seed: 1 });
    expect(sample).toHaveLength(200);
    expect(sample.filter((t) => recentOnly.includes(t))).toHaveLength(50);
  });

  it("counts months by the calendar", () => {
    expect(monthsBefore(new Date("2026-08-31T04:00:00Z"), 6).toISOString()).toBe("2026-02-28T04:00:00.000Z");
    expect(monthsBefore(new Date("2026-12-15T00:00:00Z"), 3).toISOString()).toBe("2026-09-15T00:00:00.000Z");
  });

  it("shows how far the evaluated satisfaction swings over many draws, around the rate of the eligible tickets", () => {
    const swing = sampleSwing(tickets, rule, 300, 42)!;
    const eligible = tickets.filter((t) => t.completedAt.getTime() >= monthsBefore(asOf, 6).getTime() && t.satisfied !== null);
    const rate = eligible.filter((t) => t.satisfied).length / eligible.length;
    expect(swing.draws).toBe(300);
    expect(swing.p5).toBeLessThan(rate);
    expect(swing.p95).toBeGreaterThan(rate);
    expect(Math.abs(swing.p50 - rate)).toBeLessThan(0.02);
    // About ±1.645 standard errors of a proportion from ~180 rated tickets.
    const se = Math.sqrt((rate * (1 - rate)) / 180);
    expect(swing.p95 - swing.p5).toBeGreaterThan(2 * 1.2 * se);
    expect(swing.p95 - swing.p5).toBeLessThan(2 * 2.2 * se);
    expect(sampleSwing(tickets, rule, 300, 42)).toEqual(swing);
    // A draw's rate depends on how many of each part are satisfied, not on which tickets: the
    // same tickets with their ids shuffled swing the same.
    const ids = tickets.map((t) => t.id).sort((a, b) => ((a * 7919) % 3001) - ((b * 7919) % 3001));
    expect(
      sampleSwing(
        tickets.map((t, i) => ({ ...t, id: ids[i] })),
        rule,
        300,
        42,
      ),
    ).toEqual(swing);
  });
});

describe("satisfactionLevel", () => {
  it.each([
    ["满意", "satisfied"],
    ["非常满意", "satisfied"],
    [" 基本满意 ", "basic"],
    ["不满意", "unsatisfied"],
    ["非常不满意", "unsatisfied"],
    ["Dissatisfied", "unsatisfied"],
    ["一般", null],
    ["未评价", null],
    [null, null],
  ] as const)("%s → %s", (raw, level) => {
    expect(satisfactionLevel(raw)).toBe(level);
  });
});
