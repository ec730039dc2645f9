// The callback workbench, the follow-up loop, the evaluation's sample and the 12345 rates on a
// real PostgreSQL: claims under concurrency, reveals only for the holder (audited by the route),
// the retry rules, the loop to a second callback, and every rate against an independent count.
import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "~/db.server";
import { run as ticketRatesCommand } from "~/commands/ticket-rates";
import {
  callbackQueue,
  claimTicket,
  completeFollowUp,
  listFollowUps,
  recordCallback,
  revealPhone,
  ticketForCallback,
} from "~/models/callbacks.server";
import { callbackStateDifferences as differences, rebuildCallbackStates, writeCallbackStates } from "~/models/callback-states.server";
import { migrate } from "../../db/migrate";
import { drawSample, sampleView } from "~/models/evaluation-sample.server";
import { placeTicketRates, ticketRates } from "~/models/ticket-rates.server";
import { DEFAULT_SAMPLE_RULE, drawEvaluationSample, monthsBefore, sampleSwing } from "~/domain/tickets";
import type { ScriptResult } from "~/domain/callbacks";
import { createUser, signIn, type CurrentUser } from "~/models/users.server";
import { commitSession } from "~/utils/session.server";
import { protectPhone } from "~/utils/phone-crypto.server";
import { loader as apiLoader } from "~/routes/api.ticket-rates";
import { loader as forecastLoader } from "~/routes/planning.forecast";
import { loader as bulletinLoader } from "~/routes/bulletin._index";
import { addWeeks } from "~/domain/measures";
import { seedDemoCounty, seedDepartmentAccount, DEMO_PASSWORD } from "../../db/seed/index";
import { seedDemoCallbacks } from "../../db/seed/demo-callbacks";
import { CLIENT, signedIn } from "./helpers";

let countyId: number;
let agent: CurrentUser;
let agent2: CurrentUser;
let dept: CurrentUser;
let otherDept: CurrentUser;
let chengguan: number;
const now = new Date();

const failed = (outcome: "no_answer" | "busy" | "switched_off"): ScriptResult => ({
  outcome,
  satisfaction: null,
  resolved: null,
  notes: null,
});
const reached = (satisfaction: "satisfied" | "basic" | "unsatisfied", resolved: boolean): ScriptResult => ({
  outcome: "reached",
  satisfaction,
  resolved,
  notes: satisfaction === "unsatisfied" ? "仍有噪音" : null,
});
/** Beijing wall-clock time today (or `daysAgo` earlier). */
const beijing = (hour: number, daysAgo = 1) => {
  const day = new Date(now.getTime() - daysAgo * 86_400_000 + 8 * 3_600_000);
  day.setUTCHours(0, 0, 0, 0);
  return new Date(day.getTime() - 8 * 3_600_000 + hour * 3_600_000);
};

let seq = 0;
/** A completed ticket of 县城管局 with a number, inserted directly. */
async function ticket(extra: { rating?: string | null; completedDaysAgo?: number; phone?: string } = {}) {
  const phone = protectPhone(extra.phone ?? "13812345678")!;
  const completedAt = new Date(now.getTime() - (extra.completedDaysAgo ?? 3) * 86_400_000);
  const [row] = await sql<{ id: number }[]>`
    insert into tickets (county_id, ticket_no, received_at, completed_at, due_at, department_id, category, street,
                         phone_enc, phone_hash, phone_masked, original_satisfaction)
    values (${countyId}, ${`T-${++seq}`}, ${new Date(completedAt.getTime() - 86_400_000)}, ${completedAt},
            ${new Date(completedAt.getTime() + 86_400_000)}, ${chengguan}, '噪音扰民', '测试街道',
            ${phone.enc}, ${phone.hash}, ${phone.masked}, ${extra.rating === undefined ? "unsatisfied" : extra.rating})
    returning id`;
  return row.id;
}

beforeAll(async () => {
  ({ countyId } = await seedDemoCounty());
  await seedDemoCallbacks(countyId, { now, tickets: 1500 });
  await seedDepartmentAccount(countyId);
  chengguan = (await sql<{ id: number }[]>`select id from departments where county_id = ${countyId} and name = '县城管局'`)[0].id;
  const [root] = await sql<{ id: number }[]>`select id from places where county_id = ${countyId} and level = 'county'`;
  const [water] = await sql<{ id: number }[]>`select id from departments where county_id = ${countyId} and name = '县水务集团'`;
  const made = await createUser(countyId, {
    username: "water",
    displayName: "水务承办人",
    phone: null,
    role: "department",
    scope: { placeId: root.id },
    departmentId: water.id,
    password: DEMO_PASSWORD,
  });
  if (!("id" in made)) throw new Error(made.problem);
  agent = await signedIn("hotline", DEMO_PASSWORD);
  agent2 = await signedIn("hotline2", DEMO_PASSWORD);
  dept = await signedIn("dept", DEMO_PASSWORD);
  otherDept = await signedIn("water", DEMO_PASSWORD);
});

describe("claims", () => {
  it("gives a ticket to exactly one of many agents claiming at once, and keeps it theirs", async () => {
    const id = await ticket();
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => claimTicket(i % 2 ? agent : agent2, id)));
    const won = results.filter((r) => r?.ok);
    const [claim] = await sql<{ agentId: number }[]>`select agent_id as "agentId" from callback_claims where ticket_id = ${id}`;
    // Both agents may renew their own hold; the other one is refused every time.
    const winner = claim.agentId;
    expect(results.every((r, i) => r?.ok === ((i % 2 ? agent : agent2).id === winner))).toBe(true);
    expect(won.length).toBe(6);
    expect(results.filter((r) => r && !r.ok).every((r) => r && !r.ok && r.problem === "heldByOther")).toBe(true);
  });

  it("lets another agent take a ticket once the hold has expired", async () => {
    const id = await ticket();
    expect((await claimTicket(agent, id))?.ok).toBe(true);
    expect((await claimTicket(agent2, id))?.ok).toBe(false);
    await sql`update callback_claims set expires_at = now() - interval '1 second' where ticket_id = ${id}`;
    expect((await claimTicket(agent2, id))?.ok).toBe(true);
    expect(await revealPhone(agent, id)).toBeNull();
  });

  it("reveals the full number only to the agent holding the claim", async () => {
    const id = await ticket({ phone: "139 0011 2233" });
    expect(await revealPhone(agent, id)).toBeNull();
    await claimTicket(agent, id);
    expect(await revealPhone(agent, id)).toEqual({ ticketNo: expect.any(String), phone: "13900112233" });
    expect(await revealPhone(agent2, id)).toBeNull();
    const detail = await ticketForCallback(agent2, id);
    expect(detail!.ticket.phoneMasked).toBe("139****2233");
    expect(JSON.stringify(detail)).not.toContain("13900112233");
  });
});

describe("attempts", () => {
  it("makes a ticket unreachable after failed attempts in three different time slots, not before", async () => {
    const id = await ticket();
    await claimTicket(agent, id);
    // Two failures in the same morning slot count once.
    for (const [outcome, at] of [
      ["no_answer", beijing(9, 3)],
      ["busy", beijing(10, 2)],
      ["switched_off", beijing(14, 2)],
    ] as const) {
      const r = await recordCallback(agent, id, failed(outcome), {}, at);
      expect(r.ok && r.state.kind).toBe("due");
    }
    const last = await recordCallback(agent, id, failed("no_answer"), {}, beijing(19, 1));
    expect(last.ok && last.state).toEqual({ kind: "unreachable", round: 1 });
    expect((await claimTicket(agent, id))?.ok).toBe(false);
    const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from callbacks where ticket_id = ${id}`;
    expect(n).toBe(4);
  });

  it("does not retry a wrong number or a refusal, and warns outside 08:30–20:30", async () => {
    const id = await ticket();
    await claimTicket(agent, id);
    const r = await recordCallback(agent, id, { ...failed("no_answer"), outcome: "refused" }, {}, beijing(21, 1));
    expect(r.ok && r.outsideHours).toBe(true);
    expect(r.ok && r.state).toEqual({ kind: "noRetry", round: 1, outcome: "refused" });
    expect(await recordCallback(agent, id, reached("satisfied", true), {})).toEqual({ ok: false, problem: "notHeld" });
  });

  it("stores a call posted twice with its form's key once, also when both copies arrive together", async () => {
    const count = async (id: number) => (await sql<{ n: number }[]>`select count(*)::int as n from callbacks where ticket_id = ${id}`)[0].n;
    // A failed attempt repeated: one attempt, so the slot rule still needs three slots.
    const id = await ticket();
    await claimTicket(agent, id);
    const key = "0b6c8f3e-2a41-4d7e-9c55-6f1e2d3c4b5a";
    const first = await recordCallback(agent, id, failed("no_answer"), {}, beijing(9, 2), key);
    const again = await recordCallback(agent, id, failed("no_answer"), {}, beijing(9, 2), key);
    expect(first).toMatchObject({ ok: true, duplicate: false });
    expect(again).toMatchObject({ ok: true, duplicate: true, callbackId: first.ok && first.callbackId });
    expect(await count(id)).toBe(1);
    // The final call ends the hold; its repeat is still answered with the stored call, not "not held".
    const together = "7d1e9a52-3b6f-4c08-a2e4-91f0c3d5b6e7";
    const copies = await Promise.all(
      [1, 2, 3].map(() => recordCallback(agent, id, reached("unsatisfied", false), {}, beijing(15, 1), together)),
    );
    expect(copies.filter((c) => c.ok && !c.duplicate)).toHaveLength(1);
    expect(copies.every((c) => c.ok && c.state.kind === "followUp" && c.followUpId !== null)).toBe(true);
    expect(new Set(copies.map((c) => c.ok && c.followUpId)).size).toBe(1);
    expect(await count(id)).toBe(2);
    const [{ followups }] = await sql<{ followups: number }[]>`select count(*)::int as followups from followups where ticket_id = ${id}`;
    expect(followups).toBe(1);
    // Another agent cannot take over a key.
    expect(await recordCallback(agent2, id, failed("busy"), {}, beijing(10, 1), key)).toEqual({ ok: false, problem: "notHeld" });
  });

  it("refuses a call by an agent who does not hold the ticket", async () => {
    const id = await ticket();
    expect(await recordCallback(agent2, id, reached("satisfied", true), {})).toEqual({ ok: false, problem: "notHeld" });
  });
});

describe("the follow-up loop", () => {
  it("opens a follow-up for the department, scoped to its account, then queues and keeps a second callback", async () => {
    const id = await ticket({ rating: "basic" });
    await claimTicket(agent, id);
    await recordCallback(agent, id, failed("no_answer"), {}, beijing(9));
    const first = await recordCallback(agent, id, reached("unsatisfied", false), { contact_result: "接通" }, beijing(15));
    expect(first.ok && first.state).toEqual({ kind: "followUp", round: 1 });
    const tasks = await listFollowUps({ countyId, departmentId: dept.departmentId }, { ticketId: id });
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ status: "open", department: "县城管局", notes: "仍有噪音" });
    // Another department neither sees nor completes it.
    expect(await listFollowUps({ countyId, departmentId: otherDept.departmentId }, { ticketId: id })).toHaveLength(0);
    expect(await completeFollowUp(otherDept, tasks[0].id, null)).toBeNull();
    expect(
      (await callbackQueue(agent, { departmentId: chengguan, category: null, street: "测试街道" }, { now })).map((q) => q.id),
    ).not.toContain(id);
    expect(await completeFollowUp(dept, tasks[0].id, "已处理")).toMatchObject({ ticketId: id });
    expect(await completeFollowUp(dept, tasks[0].id, "again")).toBeNull();
    const queue = await callbackQueue(agent, { departmentId: chengguan, category: null, street: "测试街道" }, { now, limit: 500 });
    expect(queue.find((q) => q.id === id)).toMatchObject({ round: 2 });
    await claimTicket(agent, id);
    const second = await recordCallback(agent, id, reached("satisfied", true), {}, beijing(16));
    expect(second.ok && second.state).toEqual({ kind: "closed", round: 2, rating: "satisfied" });
    const detail = await ticketForCallback(agent, id);
    expect(detail!.ticket.originalSatisfaction).toBe("basic");
    expect(detail!.callbacks.map((c) => [c.round, c.outcome, c.satisfaction])).toEqual([
      [1, "no_answer", null],
      [1, "reached", "unsatisfied"],
      [2, "reached", "satisfied"],
    ]);
    await expect(sql`update callbacks set satisfaction = 'satisfied' where ticket_id = ${id}`).rejects.toThrow(/never changed/);
  });
});

describe("the queue", () => {
  it("puts the current sample first, then the originally unsatisfied or unrated, most recent first; only due tickets", async () => {
    const queue = await callbackQueue(agent, { departmentId: null, category: null, street: null }, { now, limit: 1000 });
    const firstOutside = queue.findIndex((q) => !q.inSample);
    expect(firstOutside).toBeGreaterThan(0);
    expect(queue.slice(firstOutside).every((q) => !q.inSample)).toBe(true);
    const outside = queue.slice(firstOutside).filter((q) => q.round === 1);
    const urgent = (q: (typeof queue)[number]) => q.originalSatisfaction === null || q.originalSatisfaction === "unsatisfied";
    const firstCalm = outside.findIndex((q) => !urgent(q));
    expect(firstCalm).toBeGreaterThan(0);
    expect(outside.slice(firstCalm).every((q) => !urgent(q))).toBe(true);
    // Nothing closed, unreachable or waiting for a follow-up is offered.
    const [{ closed }] = await sql<{ closed: number }[]>`
      select count(*)::int as closed from callbacks where ticket_id = any(${queue.filter((q) => q.round === 1).map((q) => q.id)}::int[])
        and outcome in ('reached', 'wrong_number', 'refused')`;
    expect(closed).toBe(0);
  });
});

describe("the evaluation sample", () => {
  it("draws the same tickets from the same rule and seed, saves the rule, and counts satisfaction as an independent count does", async () => {
    const rule = { ...DEFAULT_SAMPLE_RULE, asOf: now, seed: 77 };
    const a = await drawSample(agent, rule);
    const b = await drawSample(agent, rule);
    const ids = async (sampleId: number) =>
      (await sql<{ id: number }[]>`select ticket_id as id from evaluation_sample_tickets where sample_id = ${sampleId} order by 1`).map(
        (r) => r.id,
      );
    expect(a.drawn).toBe(200);
    expect(await ids(a.id)).toEqual(await ids(b.id));
    // The tickets the domain's draw takes from every ticket of the county read whole: PostgreSQL
    // numbering the parts gives the same ones.
    const whole = await sql<{ id: number; completedAt: Date | null; rating: string | null }[]>`
      select t.id, t.completed_at as "completedAt", coalesce(l.satisfaction, t.original_satisfaction) as rating
      from tickets t left join lateral (
        select satisfaction from callbacks c where c.ticket_id = t.id and c.outcome = 'reached' order by called_at desc, id desc limit 1) l on true
      where t.county_id = ${countyId}`;
    const completed = whole.filter((t): t is typeof t & { completedAt: Date } => t.completedAt !== null);
    expect(await ids(a.id)).toEqual(
      drawEvaluationSample(completed, rule)
        .map((t) => t.id)
        .sort((x, y) => x - y),
    );
    const [independent] = await sql<{ eligible: number; recent: number }[]>`
      select (select count(*)::int from tickets where county_id = ${countyId} and completed_at >= ${now}::timestamptz - interval '6 months' and completed_at < ${now}) as eligible,
             (select count(*)::int from evaluation_sample_tickets s join tickets t on t.id = s.ticket_id
               where s.sample_id = ${a.id} and t.completed_at >= ${now}::timestamptz - interval '3 months') as recent`;
    expect(a.eligible).toBe(independent.eligible);
    expect(independent.recent).toBe(Math.round(200 * DEFAULT_SAMPLE_RULE.recentShare));
    const view = (await sampleView(countyId, b.id))!;
    expect(view.sample).toMatchObject({ months: 6, recentMonths: 3, size: 200, seed: 77 });
    const [counts] = await sql<{ rated: number; satisfied: number; notCalled: number }[]>`
      with latest as (
        select ticket_id, (array_agg(satisfaction order by called_at desc, id desc))[1] as satisfaction
        from callbacks where outcome = 'reached' group by ticket_id)
      select count(coalesce(l.satisfaction, t.original_satisfaction))::int as rated,
             count(*) filter (where coalesce(l.satisfaction, t.original_satisfaction) <> 'unsatisfied')::int as satisfied,
             count(*) filter (where l.ticket_id is null)::int as "notCalled"
      from evaluation_sample_tickets s join tickets t on t.id = s.ticket_id left join latest l on l.ticket_id = t.id
      where s.sample_id = ${b.id}`;
    expect([view.satisfaction.successes, view.satisfaction.n]).toEqual([counts.satisfied, counts.rated]);
    expect(view.tickets.filter((t) => !t.calledBack)).toHaveLength(counts.notCalled);
    expect(view.swing!.draws).toBe(1000);
    expect(view.swing!.p5).toBeLessThanOrEqual(view.swing!.p95);
    // The swing from the tickets read whole, with their ratings as they stand now.
    expect(view.swing).toEqual(
      sampleSwing(
        completed.map((t) => ({ ...t, satisfied: t.rating === null ? null : t.rating !== "unsatisfied" })),
        view.sample,
        1000,
        77,
      ),
    );

    // The forecast page's 12345 part (3 points) reads the latest sample: the same counts, and the
    // points the share of 3 its satisfaction gives (proportional scoring), its interval's too.
    const session = await signIn("admin", DEMO_PASSWORD, CLIENT);
    if (!session.ok) throw new Error("sign-in failed");
    const cookie = (await commitSession(new Request("http://test/"), session.token)).split(";")[0];
    const page = (await forecastLoader({
      request: new Request("http://test/planning/forecast", { headers: { Cookie: cookie } }),
      params: {},
      context: { cspNonce: "", clientIp: null },
    })) as Awaited<ReturnType<typeof forecastLoader>>;
    const hotline = page.hotline!;
    expect(hotline.drawn).toBe(200);
    expect([hotline.estimate.successes, hotline.estimate.n]).toEqual([counts.satisfied, counts.rated]);
    expect(hotline.forecast!.maxPoints).toBe(3);
    expect(hotline.forecast!.points).toBeCloseTo((3 * counts.satisfied) / counts.rated, 12);
    expect(hotline.forecast!.lower).toBeCloseTo(3 * hotline.estimate.lower, 12);
    expect(hotline.forecast!.upper).toBeCloseTo(3 * hotline.estimate.upper, 12);
  });
});

describe("overdue follow-ups", () => {
  it("lists exactly the open follow-ups past their due time, soonest due first, for the office and for the department", async () => {
    const id = await ticket();
    const [cb] = await sql<{ id: number }[]>`
      insert into callbacks (county_id, ticket_id, round, agent_id, called_at, outcome, satisfaction, resolved)
      values (${countyId}, ${id}, 1, ${agent.id}, ${now}, 'reached', 'unsatisfied', false) returning id`;
    const [cb2] = await sql<{ id: number }[]>`
      insert into callbacks (county_id, ticket_id, round, agent_id, called_at, outcome, satisfaction, resolved)
      values (${countyId}, ${id}, 1, ${agent.id}, ${now}, 'reached', 'unsatisfied', false) returning id`;
    await sql`insert into followups (county_id, ticket_id, callback_id, department_id, due_at, status, done_at) values
      (${countyId}, ${id}, ${cb.id}, ${chengguan}, ${new Date(now.getTime() - 3_600_000)}, 'open', null),
      (${countyId}, ${id}, ${cb2.id}, ${chengguan}, ${new Date(now.getTime() - 86_400_000)}, 'done', ${now})`;
    await writeCallbackStates(sql, countyId, [id]);
    const independent = await sql<{ id: number }[]>`
      select id from followups where county_id = ${countyId} and status = 'open' and due_at < ${now} order by due_at, id`;
    expect(independent.length).toBeGreaterThan(0);
    const office = await listFollowUps({ countyId, departmentId: null }, { status: "overdue", now, limit: 100_000 });
    expect(office.map((f) => f.id)).toEqual(independent.map((f) => f.id));
    expect(office.every((f) => f.overdue && f.status === "open")).toBe(true);
    // The department sees its own overdue tasks only, the done one not among them.
    const own = await listFollowUps({ countyId, departmentId: dept.departmentId }, { status: "overdue", now, limit: 100_000 });
    const [{ n }] = await sql<{ n: number }[]>`
      select count(*)::int as n from followups where county_id = ${countyId} and status = 'open' and due_at < ${now}
        and department_id = ${dept.departmentId}`;
    expect(own).toHaveLength(n);
    expect(own.some((f) => f.ticketId === id && f.status === "done")).toBe(false);
  });
});

describe("the queue's retry and second-callback sources", () => {
  it("hold only tickets still due, so a short page is not filled and then emptied by finished ones", async () => {
    const category = "队列界限测试";
    const at = (daysAgo: number, beijingHour: number) => {
      const d = new Date(now.getTime() - daysAgo * 86_400_000);
      d.setUTCHours(beijingHour - 8, 0, 0, 0);
      return d;
    };
    const make = async (completedDaysAgo: number) => {
      const id = await ticket({ rating: "unsatisfied", completedDaysAgo });
      await sql`update tickets set category = ${category} where id = ${id}`;
      return id;
    };
    const call = (id: number, round: 1 | 2, outcome: string, calledAt: Date, satisfaction: string | null = null) =>
      sql`insert into callbacks (county_id, ticket_id, round, agent_id, called_at, outcome, satisfaction, resolved)
          values (${countyId}, ${id}, ${round}, ${agent.id}, ${calledAt}, ${outcome}, ${satisfaction}, ${satisfaction ? false : null})
          returning id`;
    // The most recent: unreachable in the first round (no answer in all three slots), or in the second.
    const finished: number[] = [];
    for (let i = 0; i < 4; i++) {
      const id = await make(1);
      for (const hour of [9, 14, 19]) await call(id, 1, "no_answer", at(1, hour));
      finished.push(id);
      const second = await make(1);
      const [reached] = await call(second, 1, "reached", at(2, 10), "unsatisfied");
      await sql`insert into followups (county_id, ticket_id, callback_id, due_at, status, done_at)
                values (${countyId}, ${second}, ${reached.id}, ${now}, 'done', ${now})`;
      for (const hour of [9, 14, 19]) await call(second, 2, "busy", at(1, hour));
      finished.push(second);
    }
    // Older, still due: one failed in two slots, one second callback tried once.
    const retry = await make(5);
    for (const hour of [9, 14]) await call(retry, 1, "switched_off", at(4, hour));
    const secondDue = await make(6);
    const [reached] = await call(secondDue, 1, "reached", at(5, 10), "unsatisfied");
    await sql`insert into followups (county_id, ticket_id, callback_id, due_at, status, done_at)
              values (${countyId}, ${secondDue}, ${reached.id}, ${now}, 'done', ${now})`;
    await call(secondDue, 2, "no_answer", at(4, 9));
    // Calls written straight into the table, as a bulk load does: their state rows are written after.
    expect(await differences(sql, countyId)).toBeGreaterThan(0);
    await writeCallbackStates(sql, countyId, [...finished, retry, secondDue]);
    expect(await differences(sql, countyId)).toBe(0);
    const queue = await callbackQueue(agent, { departmentId: null, category, street: null }, { now, limit: 2 });
    expect(queue.map((q) => q.id).sort()).toEqual([retry, secondDue].sort());
    expect(queue.find((q) => q.id === secondDue)!.round).toBe(2);
    expect(queue.some((q) => finished.includes(q.id))).toBe(false);
  });
});

describe("ticket rates", () => {
  it("counts every rate by department as an independent count of the tables does", async () => {
    const units = await ticketRates(countyId, "department", "", { now });
    const independent = await sql<
      {
        name: string;
        tickets: number;
        completed: number;
        withDue: number;
        onTime: number;
        called: number;
        reached: number;
        after: number;
        afterYes: number;
      }[]
    >`
      select d.name,
        (select count(*)::int from tickets t where t.department_id = d.id) as tickets,
        (select count(*)::int from tickets t where t.department_id = d.id and completed_at is not null) as completed,
        (select count(*)::int from tickets t where t.department_id = d.id and completed_at is not null and due_at is not null) as "withDue",
        (select count(*)::int from tickets t where t.department_id = d.id and completed_at <= due_at) as "onTime",
        (select count(distinct c.ticket_id)::int from callbacks c join tickets t on t.id = c.ticket_id where t.department_id = d.id) as called,
        (select count(distinct c.ticket_id)::int from callbacks c join tickets t on t.id = c.ticket_id where t.department_id = d.id and c.outcome = 'reached') as reached,
        (select count(*)::int from tickets t where t.department_id = d.id and (original_satisfaction is not null
            or exists (select 1 from callbacks c where c.ticket_id = t.id and c.outcome = 'reached'))) as after,
        (select count(*)::int from tickets t where t.department_id = d.id and coalesce(
            (select c.satisfaction from callbacks c where c.ticket_id = t.id and c.outcome = 'reached' order by c.called_at desc, c.id desc limit 1),
            t.original_satisfaction) in ('satisfied', 'basic')) as "afterYes"
      from departments d where d.county_id = ${countyId} order by d.name`;
    expect(units.map((u) => u.name)).toEqual(independent.map((d) => d.name));
    for (const [i, d] of independent.entries()) {
      const u = units[i];
      expect([u.tickets, u.completed.successes, u.onTime.n, u.onTime.successes, u.contact.n, u.contact.successes]).toEqual([
        d.tickets,
        d.completed,
        d.withDue,
        d.onTime,
        d.called,
        d.reached,
      ]);
      expect([u.satisfactionAfter.n, u.satisfactionAfter.successes]).toEqual([d.after, d.afterYes]);
    }
    expect(units.some((u) => u.contact.n > 0 && u.satisfactionAfter.successes !== u.satisfactionBefore.successes)).toBe(true);
  });

  it("counts tickets by the register's community and street where a ticket is linked to one, else by the name it gives", async () => {
    const none = "（未写）";
    for (const [by, index, level, column] of [
      ["community", 3, "community", "community"],
      ["street", 2, "street", "street"],
    ] as const) {
      const units = await ticketRates(countyId, by, none, { now });
      const independent = await sql<{ name: string | null; tickets: number; completed: number; satisfied: number }[]>`
        select coalesce(
            (select u.name from places p join places u on u.id = p.path[${index}] and u.level = ${level} where p.id = t.place_id),
            t.${sql(column)}) as name,
          count(*)::int as tickets, count(t.completed_at)::int as completed,
          count(*) filter (where t.original_satisfaction in ('satisfied', 'basic'))::int as satisfied
        from tickets t where t.county_id = ${countyId} group by 1 order by 1 nulls last`;
      expect(units.map((u) => [u.name, u.tickets, u.completed.successes, u.satisfactionBefore.successes])).toEqual(
        independent.map((d) => [d.name ?? none, d.tickets, d.completed, d.satisfied]),
      );
      expect(units.filter((u) => u.name !== none).length, by).toBeGreaterThan(1);
    }
    // The seven communities of the demo register all have tickets.
    const communities = await sql<{ name: string }[]>`select name from places where county_id = ${countyId} and level = 'community'`;
    const named = (await ticketRates(countyId, "community", none, { now })).map((u) => u.name);
    expect(communities.every((c) => named.includes(c.name))).toBe(true);
  });

  it("gives a place's page the rates of the tickets linked to it or inside it", async () => {
    const [jinhu] = await sql<{ id: number; streetId: number }[]>`
      select id, parent_id as "streetId" from places where county_id = ${countyId} and level = 'community' and name = '锦湖社区'`;
    for (const placeId of [jinhu.id, jinhu.streetId]) {
      const unit = await placeTicketRates(countyId, placeId, "x", now);
      const [d] = await sql<{ tickets: number; completed: number; withDue: number; onTime: number }[]>`
        select count(*)::int as tickets, count(completed_at)::int as completed,
          count(*) filter (where completed_at is not null and due_at is not null)::int as "withDue",
          count(*) filter (where completed_at <= due_at)::int as "onTime"
        from tickets t join places p on p.id = t.place_id
        where t.county_id = ${countyId} and (p.id = ${placeId} or p.parent_id = ${placeId})`;
      expect(d.tickets).toBeGreaterThan(0);
      expect([unit.tickets, unit.completed.successes, unit.onTime.n, unit.onTime.successes]).toEqual([
        d.tickets,
        d.completed,
        d.withDue,
        d.onTime,
      ]);
    }
    const [empty] = await sql<{ id: number }[]>`
      insert into places (county_id, parent_id, level, name) values (${countyId}, ${jinhu.streetId}, 'community', '新建社区') returning id`;
    const none = await placeTicketRates(countyId, empty.id, "新建社区", now);
    expect([none.tickets, none.completed.n, none.satisfactionAfter.rate]).toEqual([0, 0, null]);
    await sql`delete from places where id = ${empty.id}`;
  });

  it("ranks the departments in the weekly bulletin by satisfaction after callbacks: counts as an independent count, ranks only at the printed n ≥ the minimum, 红/黄/绿 by the printed interval", async () => {
    const session = await signIn("admin", DEMO_PASSWORD, CLIENT);
    if (!session.ok) throw new Error("sign-in failed");
    const cookie = (await commitSession(new Request("http://test/"), session.token)).split(";")[0];
    // A minimum between the departments' sizes, so that some are ranked and some are not.
    const sizes = (await ticketRates(countyId, "department", "", { now })).map((u) => u.satisfactionAfter.n).sort((a, b) => a - b);
    const minN = sizes[Math.floor(sizes.length / 2)];
    expect(minN).toBeGreaterThan(sizes[0]);
    const asked = new Date();
    const page = (await bulletinLoader({
      request: new Request(`http://test/bulletin?target=85&minN=${minN}`, { headers: { Cookie: cookie } }),
      params: {},
      context: { cspNonce: "", clientIp: null },
    })) as Awaited<ReturnType<typeof bulletinLoader>>;
    // The week's end, or now when no campaign has weeks (as here: this county has tickets only).
    const until = page.week ? new Date(`${addWeeks(page.week, 1)}T00:00:00+08:00`) : asked;
    // Tickets the evaluation could draw at the week's end: completed in the 6 months before it.
    const independent = await sql<{ name: string; rated: number; satisfied: number }[]>`
      select d.name,
        count(r.rating)::int as rated, count(*) filter (where r.rating in ('satisfied', 'basic'))::int as satisfied
      from tickets t join departments d on d.id = t.department_id
        cross join lateral (select coalesce(
          (select c.satisfaction from callbacks c where c.ticket_id = t.id and c.outcome = 'reached' order by c.called_at desc, c.id desc limit 1),
          t.original_satisfaction) as rating) r
      where t.county_id = ${countyId} and t.completed_at >= ${monthsBefore(until, 6)} and t.completed_at < ${until}
      group by d.name`;
    const rows = page.departments;
    expect(rows.length).toBe(independent.length);
    for (const d of independent) {
      const row = rows.find((r) => r.unit.name === d.name)!;
      expect([row.unit.satisfactionAfter.successes, row.unit.satisfactionAfter.n, row.figure.weighted.n], d.name).toEqual([
        d.satisfied,
        d.rated,
        d.rated,
      ]);
      expect(row.figure.weighted.rate).toBeCloseTo(d.rated ? d.satisfied / d.rated : NaN, 12);
    }
    const ranked = rows.filter((r) => r.rank !== null);
    expect(ranked.length).toBeGreaterThan(0);
    expect(ranked.length).toBeLessThan(rows.length);
    for (const r of rows) {
      if (r.figure.weighted.n < minN) {
        expect([r.rank, r.status, r.figure.belowMinimum]).toEqual([null, null, true]);
        continue;
      }
      // The interval as the page prints it (one decimal of a percent).
      const [lower, upper] = [r.figure.weighted.lower, r.figure.weighted.upper].map((x) => Number((x * 100).toFixed(1)));
      expect(r.status).toBe(upper < 85 ? "red" : lower > 85 ? "green" : "yellow");
    }
    expect(ranked.map((r) => r.rank)).toEqual(ranked.map((_, i) => i + 1));
    for (let i = 1; i < ranked.length; i++)
      expect(ranked[i].figure.weighted.rate!).toBeLessThanOrEqual(ranked[i - 1].figure.weighted.rate!);
  });

  it("answers the same under /api/ticket-rates, and JSON 401/403 to those who may not read it", async () => {
    const cookieOf = async (username: string) => {
      const session = await signIn(username, DEMO_PASSWORD, CLIENT);
      if (!session.ok) throw new Error("sign-in failed");
      return (await commitSession(new Request("http://test/"), session.token)).split(";")[0];
    };
    const call = async (cookie: string | null, query = "?by=category") => {
      const request = new Request(`http://test/api/ticket-rates${query}`, { headers: cookie ? { Cookie: cookie } : {} });
      try {
        return (await apiLoader({ request, params: {}, context: { cspNonce: "", clientIp: null } })) as Response;
      } catch (thrown) {
        if (thrown instanceof Response) return thrown;
        throw thrown;
      }
    };
    expect((await call(null)).status).toBe(401);
    expect((await call(await cookieOf("dept"))).status).toBe(403);
    const response = await call(await cookieOf("hotline"));
    expect(response.status).toBe(200);
    const body = (await response.json()) as { units: { name: string; tickets: number; onTime: Record<string, number> }[] };
    const [{ n }] = await sql<
      { n: number }[]
    >`select count(*)::int as n from tickets where county_id = ${countyId} and category = '噪音扰民'`;
    const noise = body.units.find((u) => u.name === "噪音扰民")!;
    expect(noise.tickets).toBe(n);
    expect(Object.keys(noise.onTime).sort()).toEqual(["lower", "n", "rate", "successes", "upper"]);
  });

  it("prints the table and the JSON from the command line", async () => {
    const lines: string[] = [];
    const log = console.log;
    console.log = (line: string) => lines.push(line);
    try {
      expect(await ticketRatesCommand(["--by", "month", "--json"])).toBe(0);
      expect(await ticketRatesCommand(["--by", "weekday"])).toBe(2);
    } finally {
      console.log = log;
    }
    const json = JSON.parse(lines[0]) as { units: { name: string; tickets: number }[] };
    const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from tickets where county_id = ${countyId}`;
    expect(json.units.reduce((sum, u) => sum + u.tickets, 0)).toBe(n);
    expect(json.units.every((u) => /^\d{4}-\d{2}$/.test(u.name))).toBe(true);
  });
});

describe("the tickets' callback state rows", () => {
  it("stay equal to callbackState over every ticket's calls and follow-ups, and migration 020 writes them for tickets called before it", async () => {
    // Every call and follow-up of this file so far went through recordCallback or completeFollowUp,
    // or a rebuild after a bulk load.
    expect(await differences(sql, countyId)).toBe(0);
    const [{ rows }] = await sql<
      { rows: number }[]
    >`select count(*)::int as rows from ticket_callback_states where county_id = ${countyId}`;
    const [{ called }] = await sql<{ called: number }[]>`
      select count(*)::int as called from tickets t where t.county_id = ${countyId}
        and (exists (select 1 from callbacks c where c.ticket_id = t.id) or exists (select 1 from followups f where f.ticket_id = t.id))`;
    expect(rows).toBe(called);
    expect(rows).toBeGreaterThan(5);
    // An import that changes a called ticket's original rating or completion moves it in the queue.
    const [moved] = await sql<{ id: number }[]>`
      select ticket_id as id from ticket_callback_states where county_id = ${countyId} and kind = 'due' and urgent order by ticket_id limit 1`;
    expect(moved).toBeDefined();
    await sql`update tickets set original_satisfaction = 'satisfied', completed_at = completed_at - interval '1 day' where id = ${moved.id}`;
    expect(await differences(sql, countyId)).toBe(0);
    const [order] = await sql<{ urgent: boolean }[]>`select urgent from ticket_callback_states where ticket_id = ${moved.id}`;
    expect(order.urgent).toBe(false);
    // A repair rewrites them all the same.
    await sql`update ticket_callback_states set kind = 'closed', failed = 0 where county_id = ${countyId}`;
    expect(await differences(sql, countyId)).toBeGreaterThan(0);
    expect(await rebuildCallbackStates(sql, countyId)).toBe(called);
    expect(await differences(sql, countyId)).toBe(0);
    // A database from before migration 020: the calls are there, the table is not.
    await sql`drop table ticket_callback_states`;
    await sql`drop function ticket_callback_states_follow() cascade`;
    await sql`delete from schema_migrations where version = 20`;
    expect(await migrate(sql)).toEqual(["20_callback_states"]);
    expect(await differences(sql, countyId)).toBe(0);
    const [{ after }] = await sql<
      { after: number }[]
    >`select count(*)::int as after from ticket_callback_states where county_id = ${countyId}`;
    expect(after).toBe(called);
  });
});
