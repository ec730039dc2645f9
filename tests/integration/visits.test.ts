// Door-to-door visits on a real PostgreSQL: a round over 锦湖社区, buildings assigned to two
// volunteers, the phone's JSON interface with every kind of bad input, and coverage counted
// against an independent count of the logs.
import { beforeAll, describe, expect, it, vi } from "vitest";
import { run as coverageCommand } from "~/commands/coverage";
import { sql } from "~/db.server";
import {
  assign,
  createRound,
  coverage,
  flaggedLogs,
  reviewLogs,
  roundByCode,
  setRoundDeadlines,
  withdraw,
  type VisitRound,
} from "~/models/visits.server";
import { createUser, type CurrentUser } from "~/models/users.server";
import { action as visitsAction } from "~/routes/api.visits";
import { action as roundAction } from "~/routes/rounds.$code";
import { loader as assignmentLoader } from "~/routes/api.visits.assignment";
import { loader as coverageLoader } from "~/routes/api.coverage";
import { loader as listsLoader } from "~/routes/coverage.lists[.]xlsx";
import ExcelJS from "exceljs";
import { seedDemoCounty, DEMO_PASSWORD } from "../../db/seed/index";
import { DEMO_ROUND, seedDemoVisits } from "../../db/seed/demo-visits";
import { placeId, postJson, sessionCookie, signedIn } from "./helpers";

let countyId: number;
let admin: CurrentUser;
let volunteer: CurrentUser;
let other: CurrentUser;
let round: VisitRound;
let jinhu: number;
/** Buildings of 锦湖社区 in register order: [0] and [1] for the demo volunteer, [2] for the other. */
let buildings: { id: number; households: number[] }[];
const context = { cspNonce: "", clientIp: "127.0.0.1" };
const cookie = (username: string) => sessionCookie(username, DEMO_PASSWORD);
const post = async (username: string, body: unknown) => postJson(visitsAction, "http://test/api/visits", await cookie(username), body);

let seq = 0;
const visit = (householdId: number, outcome: string, at = "2026-11-20T10:00:00+08:00", extra: Record<string, unknown> = {}) => ({
  clientKey: `test-${++seq}-${Math.random().toString(36).slice(2, 10)}`,
  householdId,
  outcome,
  at,
  ...extra,
});

beforeAll(async () => {
  ({ countyId } = await seedDemoCounty());
  admin = await signedIn("admin", DEMO_PASSWORD);
  volunteer = await signedIn("volunteer", DEMO_PASSWORD);
  jinhu = await placeId(countyId, "禾城街道", "锦湖社区");
  const created = await createUser(countyId, {
    username: "vol2",
    displayName: "第二志愿者",
    phone: null,
    role: "volunteer",
    scope: { placeId: jinhu },
    password: DEMO_PASSWORD,
  });
  if (!("id" in created)) throw new Error(created.problem);
  other = await signedIn("vol2", DEMO_PASSWORD);
  const made = await createRound(admin, {
    code: "test-round",
    name: "测试走访",
    startsAt: new Date("2026-11-01T00:00:00+08:00"),
    firstDeadline: new Date("2027-01-05T00:00:00+08:00"),
    finalDeadline: new Date("2027-01-08T00:00:00+08:00"),
    campaignId: null,
    message: null,
    unreachableAfter: 3,
    targetPlaceIds: [jinhu],
  });
  if (!("id" in made)) throw new Error(made.problem);
  round = (await roundByCode(countyId, "test-round"))!;
  const rows = await sql<{ id: number; households: number[] }[]>`
    select b.id, array(select h.id from households h where h.building_id = b.id and not h.vacant order by h.id) as households
    from places b where b.level = 'building' and b.path @> array[${jinhu}]::int[] order by b.path, b.sort_order, b.id limit 3`;
  buildings = rows;
  expect(await assign(admin, round, { volunteerId: volunteer.id, placeIds: [rows[0].id, rows[1].id] })).toEqual({ assigned: 2 });
  expect(await assign(admin, round, { volunteerId: other.id, placeIds: [rows[2].id] })).toEqual({ assigned: 1 });
});

describe("the phone's assignment", () => {
  it("lists only the buildings assigned to the volunteer, every household pending", async () => {
    const response = (await assignmentLoader({
      request: new Request("http://test/api/visits/assignment?round=test-round", { headers: { Cookie: await cookie("volunteer") } }),
      params: {},
      context,
    })) as Response;
    const body = await response.json();
    expect(body.round).toMatchObject({ code: "test-round", rules: { unreachableAfter: 3 } });
    expect(body.buildings.map((b: { placeId: number }) => b.placeId).sort()).toEqual([buildings[0].id, buildings[1].id].sort());
    const households = body.buildings.flatMap((b: { stairwells: { households: { id: number; status: string; attempts: number }[] }[] }) =>
      b.stairwells.flatMap((s) => s.households),
    );
    expect(households.map((h: { id: number }) => h.id).sort((a: number, b: number) => a - b)).toEqual(
      [...buildings[0].households, ...buildings[1].households].sort((a, b) => a - b),
    );
    expect(households.every((h: { status: string; attempts: number }) => h.status === "pending" && h.attempts === 0)).toBe(true);
    expect(body.buildings[0]).toHaveProperty("compound");
  });

  it("answers a signed-out phone with JSON 401, not a redirect", async () => {
    const response = await assignmentLoader({
      request: new Request("http://test/api/visits/assignment?round=test-round"),
      params: {},
      context,
    }).catch((r) => r);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: "not signed in" });
  });
});

describe("sending visits", () => {
  it("stores good visits, answers a resend as duplicate, and refuses each bad one with its reason", async () => {
    const [h1, h2] = buildings[0].households;
    const good = visit(h1, "reached", "2026-11-20T10:00:00+08:00", { note: "材料已送达" });
    const elsewhere = buildings[2].households[0];
    const first = await post("volunteer", {
      round: "test-round",
      visits: [
        good,
        visit(h2, "notHome"),
        visit(elsewhere, "reached"),
        visit(h2, "moved"),
        visit(h2, "notHome", new Date(Date.now() + 3_600_000).toISOString()),
        visit(h2, "notHome", "2026-10-01T10:00:00+08:00"),
        visit(h2, "notHome", "yesterday"),
        { ...visit(h2, "notHome"), clientKey: "x" },
        visit(h2, "other", "2026-11-20T10:00:00+08:00", { note: "长".repeat(501) }),
      ],
    });
    expect(first.status).toBe(200);
    const { results } = await first.json();
    expect(results.map((r: { status: string; reason?: string }) => r.reason ?? r.status)).toEqual([
      "stored",
      "stored",
      "notAssigned",
      "badOutcome",
      "inFuture",
      "beforeRound",
      "badTime",
      "badClientKey",
      "noteTooLong",
    ]);
    expect(results[2].message).toBe("这户不在分配给您的楼栋里，记录没有保存。");
    const again = await (await post("volunteer", { round: "test-round", visits: [good] })).json();
    expect(again.results).toEqual([{ clientKey: good.clientKey, status: "duplicate" }]);
    const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from visit_logs where client_key = ${good.clientKey}`;
    expect(n).toBe(1);
    const [stored] = await sql`select outcome, note, volunteer_id from visit_logs where client_key = ${good.clientKey}`;
    expect(stored).toEqual({ outcome: "reached", note: "材料已送达", volunteer_id: volunteer.id });
  });

  it("refuses a whole request of 500 visits with 413, and a body that is not JSON with 400, storing nothing", async () => {
    const before = (await sql<{ n: number }[]>`select count(*)::int as n from visit_logs`)[0].n;
    const many = Array.from({ length: 500 }, () => visit(buildings[0].households[0], "notHome"));
    const big = await post("volunteer", { round: "test-round", visits: many });
    expect(big.status).toBe(413);
    expect((await post("volunteer", "{not json")).status).toBe(400);
    expect((await post("volunteer", { round: "nope", visits: [] })).status).toBe(404);
    expect((await sql<{ n: number }[]>`select count(*)::int as n from visit_logs`)[0].n).toBe(before);
  });

  it("takes back the last tap with an undo, keeping both logs", async () => {
    const h = buildings[1].households[0];
    const tap = visit(h, "refused");
    const undo = visit(h, "refused", "2026-11-20T10:01:00+08:00", { undoes: tap.clientKey });
    const { results } = await (await post("volunteer", { round: "test-round", visits: [tap, undo] })).json();
    expect(results.map((r: { status: string }) => r.status)).toEqual(["stored", "stored"]);
    const [units] = [(await coverage(admin, round, "building")).units.find((u) => u.placeId === buildings[1].id)!];
    expect(units.refused).toBe(0);
    expect(units.pending).toBe(buildings[1].households.length);
    const bogus = await (
      await post("volunteer", { round: "test-round", visits: [visit(h, "reached", undefined, { undoes: "no-such-key" })] })
    ).json();
    expect(bogus.results[0].reason).toBe("undoNotFound");
  });

  it("refuses, with a reason the phone shows, what a volunteer logged offline after their building was given to someone else; keeps both volunteers' logs", async () => {
    const h = buildings[1].households[1];
    // Queued on the phone while offline…
    const queued = visit(h, "refused", "2026-11-21T19:00:00+08:00");
    // …meanwhile the building goes to the other volunteer, who reaches the household.
    await withdraw(admin, round, volunteer.id, [buildings[1].id]);
    await assign(admin, round, { volunteerId: other.id, placeIds: [buildings[1].id] });
    const theirs = await (await post("vol2", { round: "test-round", visits: [visit(h, "reached", "2026-11-21T20:00:00+08:00")] })).json();
    expect(theirs.results[0].status).toBe("stored");
    const mine = await (await post("volunteer", { round: "test-round", visits: [queued] })).json();
    expect(mine.results[0]).toMatchObject({
      status: "refused",
      reason: "assignmentWithdrawn",
      message: expect.stringContaining("已改派给别人"),
    });
    // The history keeps the withdrawn assignment.
    const [{ n }] = await sql<
      { n: number }[]
    >`select count(*)::int as n from visit_assignments where round_id = ${round.id} and place_id = ${buildings[1].id}`;
    expect(n).toBe(2);
  });

  it("keeps conflicting logs of two volunteers and lets the rule decide", async () => {
    const h = buildings[2].households[1];
    await post("vol2", { round: "test-round", visits: [visit(h, "refused", "2026-11-22T10:00:00+08:00")] });
    // The building goes back to the first volunteer, who delivers the material a day later.
    await assign(admin, round, { volunteerId: volunteer.id, placeIds: [buildings[2].id] });
    await post("volunteer", { round: "test-round", visits: [visit(h, "reached", "2026-11-23T10:00:00+08:00")] });
    const logs = await sql`select volunteer_id, outcome from visit_logs where household_id = ${h} order by at`;
    expect(logs).toEqual([
      { volunteer_id: other.id, outcome: "refused" },
      { volunteer_id: volunteer.id, outcome: "reached" },
    ]);
    const unit = (await coverage(admin, round, "building")).units.find((u) => u.placeId === buildings[2].id)!;
    expect(unit.reached).toBeGreaterThanOrEqual(1);
    expect(unit.refused).toBe(0);
  });

  it("refuses everything in a round the office has ended, and takes logs again once it is reopened", async () => {
    const setState = async (username: string, state: string) => {
      const request = new Request("http://test/rounds/test-round", {
        method: "POST",
        headers: { Cookie: await cookie(username), "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ intent: "state", state }),
      });
      return (await roundAction({ request, params: { code: "test-round" }, context }).catch((thrown: unknown) => thrown)) as {
        status?: number;
        init?: ResponseInit | null;
      };
    };
    // Community staff assign inside a round; only the county office ends it.
    expect((await setState("community", "closed")).status).toBe(403);
    expect((await roundByCode(countyId, "test-round"))!.state).toBe("open");
    expect((await setState("admin", "ended")).init?.status).toBe(400);
    expect((await setState("admin", "closed")).init?.status ?? 200).toBe(200);
    expect((await roundByCode(countyId, "test-round"))!.state).toBe("closed");
    const [audit] =
      await sql`select details from audit_log where action = 'round.state' and target = 'test-round' order by id desc limit 1`;
    expect(audit.details).toEqual({ from: "open", to: "closed" });
    const household = buildings[0].households[2];
    const { results } = await (await post("volunteer", { round: "test-round", visits: [visit(household, "reached")] })).json();
    expect(results[0].reason).toBe("roundClosed");
    await setState("admin", "open");
    const again = await (await post("volunteer", { round: "test-round", visits: [visit(household, "notHome")] })).json();
    expect(again.results[0].status).toBe("stored");
  });

  it("moves a round's deadlines for the county office only, in order, audited", async () => {
    const move = async (username: string, fields: Record<string, string>) => {
      const request = new Request("http://test/rounds/test-round", {
        method: "POST",
        headers: { Cookie: await cookie(username), "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ intent: "deadlines", ...fields }),
      });
      return (await roundAction({ request, params: { code: "test-round" }, context }).catch((thrown: unknown) => thrown)) as {
        status?: number;
        init?: ResponseInit | null;
        data?: { errors: Record<string, string> };
      };
    };
    const before = (await roundByCode(countyId, "test-round"))!;
    expect((await move("community", { firstDeadline: "2027-01-10T18:00", finalDeadline: "2027-01-12T18:00" })).status).toBe(403);
    // The final deadline before the first, a first deadline before the start, a date that is not one: nothing changes.
    const wrongOrder = await move("admin", { firstDeadline: "2027-01-10T18:00", finalDeadline: "2027-01-09T18:00" });
    expect(wrongOrder.init?.status).toBe(400);
    expect(wrongOrder.data?.errors).toEqual({ finalDeadline: "rounds.error.order" });
    const beforeStart = await move("admin", { firstDeadline: "2020-01-01T00:00", finalDeadline: "2027-01-09T18:00" });
    expect(beforeStart.data?.errors).toEqual({ firstDeadline: "rounds.error.order" });
    expect((await move("admin", { firstDeadline: "下周一", finalDeadline: "2027-01-09T18:00" })).data?.errors).toEqual({
      firstDeadline: "rounds.error.time",
    });
    const unchanged = (await roundByCode(countyId, "test-round"))!;
    expect([unchanged.firstDeadline, unchanged.finalDeadline]).toEqual([before.firstDeadline, before.finalDeadline]);

    expect((await move("admin", { firstDeadline: "2027-01-10T18:00", finalDeadline: "2027-01-12T18:00" })).init?.status ?? 200).toBe(200);
    const moved = (await roundByCode(countyId, "test-round"))!;
    // Beijing time in the form: 18:00 on 10 January is 10:00 UTC.
    expect(moved.firstDeadline.toISOString()).toBe("2027-01-10T10:00:00.000Z");
    expect(moved.finalDeadline.toISOString()).toBe("2027-01-12T10:00:00.000Z");
    expect(moved.startsAt).toEqual(before.startsAt);
    const [audit] =
      await sql`select details from audit_log where action = 'round.deadlines' and target = 'test-round' order by id desc limit 1`;
    expect(audit.details).toEqual({
      from: { firstDeadline: before.firstDeadline.toISOString(), finalDeadline: before.finalDeadline.toISOString() },
      to: { firstDeadline: "2027-01-10T10:00:00.000Z", finalDeadline: "2027-01-12T10:00:00.000Z" },
    });
    await setRoundDeadlines(countyId, before.id, before);
  });

  it("never changes or deletes a stored log", async () => {
    await expect(sql`update visit_logs set outcome = 'reached' where round_id = ${round.id}`).rejects.toThrow(/kept as it was sent/);
    await expect(sql`delete from visit_logs where round_id = ${round.id}`).rejects.toThrow(/never deleted/);
  });
});

describe("coverage", () => {
  it("counts households to reach and their statuses per building and community as an independent count of the logs does", async () => {
    const response = (await coverageLoader({
      request: new Request("http://test/api/coverage?round=test-round&level=community", { headers: { Cookie: await cookie("community") } }),
      params: {},
      context,
    })) as Response;
    const { units } = await response.json();
    expect(units).toHaveLength(1);
    const [community] = units;
    const [{ toReach }] = await sql<{ toReach: number }[]>`
      select count(*)::int as "toReach" from households where path @> array[${jinhu}]::int[] and not vacant`;
    // Independently: a household is reached when it has a reached log that nobody took back.
    const [{ reached }] = await sql<{ reached: number }[]>`
      select count(distinct l.household_id)::int as reached from visit_logs l
      where l.round_id = ${round.id} and l.outcome = 'reached' and l.undoes is null
        and not exists (select 1 from visit_logs u where u.undoes = l.id)`;
    expect(community).toMatchObject({ name: "锦湖社区", placeId: jinhu, toReach, reached });
    expect(community.reached + community.notHome + community.refused + community.vacant + community.unreachable + community.pending).toBe(
      toReach,
    );
    expect(community.coverage).toEqual({ successes: reached, n: toReach - community.vacant, rate: reached / (toReach - community.vacant) });
    const byVolunteer = (await coverage(admin, round, "volunteer")).units;
    expect(byVolunteer.map((u) => u.userId).sort()).toEqual([volunteer.id, other.id].sort());
  });

  it("prints the same units on the command line, as JSON and as a table", async () => {
    let output = "";
    vi.spyOn(console, "log").mockImplementation((...parts) => void (output += `${parts.join(" ")}\n`));
    expect(await coverageCommand(["--round", "test-round", "--level", "building", "--json"])).toBe(0);
    const json = JSON.parse(output);
    expect(json.units).toEqual(JSON.parse(JSON.stringify((await coverage(admin, round, "building")).units)));
    output = "";
    expect(await coverageCommand(["--round", "test-round", "--level", "community"])).toBe(0);
    expect(output).toContain("锦湖社区");
    expect(output).toContain("覆盖率");
    vi.spyOn(console, "error").mockImplementation(() => {});
    expect(await coverageCommand(["--round", "nope"])).toBe(2);
    vi.restoreAllMocks();
  });
});

describe("the lists to act on", () => {
  it("list households to knock on again with the times not tried, refusals, buildings not started and quiet volunteers, as XLSX", async () => {
    const h = buildings[0].households[3];
    await post("volunteer", {
      round: "test-round",
      visits: [visit(h, "notHome", "2026-11-24T19:30:00+08:00"), visit(buildings[0].households[4], "refused", "2026-11-24T19:40:00+08:00")],
    });
    const response = (await listsLoader({
      request: new Request("http://test/coverage/lists.xlsx?round=test-round", { headers: { Cookie: await cookie("admin") } }),
      params: {},
      context,
    })) as Response;
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await response.arrayBuffer());
    expect(workbook.worksheets.map((w) => w.name)).toEqual(["需再次上门", "拒访", "未开始的楼栋", "两天没有登记的志愿者"]);
    const [revisit, refusals, notStarted, quiet] = workbook.worksheets;
    const [{ room }] = await sql<{ room: string }[]>`select room from households where id = ${h}`;
    const row = revisit
      .getSheetValues()
      .find((r) => Array.isArray(r) && String(r[1]).endsWith(` ${room}`) && String(r[4]).length > 0) as unknown[];
    expect(row[2]).toBe(1);
    expect(row[4]).toBe("12:00 前、12:00–18:00");
    expect(refusals.rowCount).toBeGreaterThan(1);
    expect(String(refusals.getRow(2).getCell(2).value)).toMatch(/志愿者/);
    // The county's other buildings of 锦湖社区 have no logs at all.
    expect(notStarted.rowCount - 1).toBeGreaterThan(0);
    // Everyone logged within two days of now? No: the test logs are in November.
    expect(quiet.rowCount - 1).toBe(2);
    const [audit] = await sql<{ action: string }[]>`select action from audit_log order by id desc limit 1`;
    expect(audit.action).toBe("visits.export");
  });
});

describe("the demo round", () => {
  // Seeding about 60,000 logs, a team and a spot check takes about a minute on a shared machine.
  it(
    "has tens of thousands of logs over the seven communities, the demo volunteer with households still to visit, and a planted night-time burst",
    { timeout: 180_000 },
    async () => {
      const logs = await seedDemoVisits(countyId, { now: new Date("2026-12-02T12:00:00+08:00") });
      expect(logs).toBeGreaterThan(55_000);
      const demo = (await roundByCode(countyId, DEMO_ROUND))!;
      const response = (await assignmentLoader({
        request: new Request(`http://test/api/visits/assignment?round=${DEMO_ROUND}`, { headers: { Cookie: await cookie("volunteer") } }),
        params: {},
        context,
      })) as Response;
      const mine = await response.json();
      const statuses = mine.buildings.flatMap((b: { stairwells: { households: { status: string }[] }[] }) =>
        b.stairwells.flatMap((s) => s.households.map((h) => h.status)),
      );
      expect(mine.buildings.length).toBeGreaterThan(3);
      expect(statuses.filter((s: string) => s === "pending").length).toBeGreaterThan(10);
      expect(statuses.filter((s: string) => s === "reached").length).toBeGreaterThan(10);
      const communities = (await coverage(admin, demo, "community")).units;
      expect(communities).toHaveLength(7);
      for (const c of communities) expect(c.coverage.rate).toBeGreaterThan(0.5);
      const [burst] = await sql<{ n: number }[]>`
      select count(*)::int as n from visit_logs where round_id = ${demo.id}
        and extract(hour from at at time zone 'Asia/Shanghai') < 5`;
      expect(burst.n).toBe(40);

      // The planted logs are flagged (burst, night, same note); rejecting them takes them out of coverage, not out of the history.
      const flagged = await flaggedLogs(admin, demo);
      const planted = flagged.filter((l) => l.signals.includes("burst"));
      expect(planted).toHaveLength(40);
      expect(planted.every((l) => l.signals.includes("offHours") && l.signals.includes("sameNote"))).toBe(true);
      const community = async () => (await coverage(admin, demo, "community")).units.reduce((sum, u) => sum + u.reached, 0);
      const before = await community();
      expect(
        await reviewLogs(
          admin,
          demo,
          planted.map((l) => l.id),
          { state: "rejected", reason: "40 户 5 秒一户，凌晨 2 点" },
        ),
      ).toBe(40);
      // Households the planted logs alone made "reached" drop out; those a real visit also reached stay.
      const [{ alsoReached }] = await sql<{ alsoReached: number }[]>`
      select count(distinct l.household_id)::int as "alsoReached" from visit_logs l
      where l.id = any(${planted.map((p) => p.id)}::bigint[])
        and exists (select 1 from visit_logs o where o.household_id = l.household_id and o.round_id = l.round_id
                    and o.id <> l.id and o.outcome = 'reached' and o.review_state <> 'rejected')`;
      expect(await community()).toBe(before - (40 - alsoReached));
      const [{ n }] = await sql<
        { n: number }[]
      >`select count(*)::int as n from visit_logs where round_id = ${demo.id} and review_state = 'rejected'`;
      expect(n).toBe(40);
    },
  );
});
