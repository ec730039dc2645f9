// Spot checks (抽查补漏) and teams on a real PostgreSQL: a round over 锦湖社区 with visits logged
// through the model, a seeded draw that leaves out the checker's own work and can be repeated, the
// checker's JSON interface with bad input, the confirmation rate against a direct count, the
// failed check on the review page; teams and scope of assignments.
import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "~/db.server";
import { wilsonInterval } from "~/domain/stats";
import { checkedHouseholds, confirmationRates, drawSpotChecks, spotChecksOf } from "~/models/spot-checks.server";
import { createTeam, teamProgress, teamsOf } from "~/models/teams.server";
import { createUser, signIn, type CurrentUser } from "~/models/users.server";
import { assign, createRound, flaggedLogs, recordVisits, roundByCode, setRoundState, type VisitRound } from "~/models/visits.server";
import { action as resultsAction } from "~/routes/api.spot-checks";
import { loader as checkLoader } from "~/routes/api.spot-checks.assignment";
import { loader as assignmentLoader } from "~/routes/api.visits.assignment";
import { commitSession } from "~/utils/session.server";
import { DEMO_PASSWORD, seedDemoCounty } from "../../db/seed/index";
import { CLIENT, placeId, signedIn, wholeCounty } from "./helpers";

let countyId: number;
let admin: CurrentUser;
let volunteer: CurrentUser;
let checker: CurrentUser;
let round: VisitRound;
let jinhu: number;
let buildings: { id: number; households: number[] }[];
const context = { cspNonce: "", clientIp: "127.0.0.1" };
const cookies = new Map<string, string>();

async function cookie(username: string) {
  if (!cookies.has(username)) {
    const session = await signIn(username, DEMO_PASSWORD, CLIENT);
    if (!session.ok) throw new Error("sign-in failed");
    cookies.set(username, (await commitSession(new Request("http://test/"), session.token)).split(";")[0]);
  }
  return cookies.get(username)!;
}

async function call(handler: (args: never) => unknown, request: Request): Promise<Response> {
  try {
    return (await handler({ request, params: {}, context } as never)) as Response;
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

const postResults = async (username: string, body: unknown) =>
  call(
    resultsAction,
    new Request("http://test/api/spot-checks", {
      method: "POST",
      body: JSON.stringify(body),
      headers: { Cookie: await cookie(username), "Content-Type": "application/json" },
    }),
  );

let seq = 0;
const key = () => `check-${++seq}-${Math.random().toString(36).slice(2, 10)}`;
const at = "2026-11-20T10:00:00+08:00";

/** Logs each household of `ids` with `outcome` as `user`, through the model the phone's API uses. */
async function log(user: CurrentUser, ids: number[], outcome: string) {
  const results = await recordVisits(
    user,
    round,
    ids.map((id) => ({ clientKey: key(), householdId: id, outcome, at })),
  );
  expect(results.every((r) => r.status === "stored")).toBe(true);
}

beforeAll(async () => {
  ({ countyId } = await seedDemoCounty());
  admin = await signedIn("admin", DEMO_PASSWORD);
  volunteer = await signedIn("volunteer", DEMO_PASSWORD);
  jinhu = await placeId(countyId, "禾城街道", "锦湖社区");
  const created = await createUser(countyId, {
    username: "checker",
    displayName: "核查志愿者",
    phone: null,
    role: "volunteer",
    scope: { placeId: jinhu },
    password: DEMO_PASSWORD,
  });
  if (!("id" in created)) throw new Error(created.problem);
  checker = await signedIn("checker", DEMO_PASSWORD);
  const made = await createRound(admin, {
    code: "check-round",
    name: "抽查测试",
    startsAt: new Date("2026-11-01T00:00:00+08:00"),
    firstDeadline: new Date("2027-01-05T00:00:00+08:00"),
    finalDeadline: new Date("2027-01-08T00:00:00+08:00"),
    campaignId: null,
    message: null,
    unreachableAfter: 3,
    targetPlaceIds: [jinhu],
  });
  if (!("id" in made)) throw new Error(made.problem);
  round = (await roundByCode(countyId, "check-round"))!;
  buildings = await sql<{ id: number; households: number[] }[]>`
    select b.id, array(select h.id from households h where h.building_id = b.id and not h.vacant order by h.id) as households
    from places b where b.level = 'building' and b.path @> array[${jinhu}]::int[] order by b.path, b.sort_order, b.id limit 4`;
  await assign(admin, round, { volunteerId: volunteer.id, placeIds: [buildings[0].id] });
  await assign(admin, round, { volunteerId: checker.id, placeIds: [buildings[1].id] });
  // The volunteer reaches 12 households (one is then not home again: still reached) and finds 3 not home;
  // the checker reaches 5 of their own.
  await log(volunteer, buildings[0].households.slice(0, 12), "reached");
  await log(volunteer, buildings[0].households.slice(0, 1), "notHome");
  await log(volunteer, buildings[0].households.slice(12, 15), "notHome");
  await log(checker, buildings[1].households.slice(0, 5), "reached");
});

describe("drawing a spot check", () => {
  it("draws from the reached households only, never the checker's own, saved with its seed, and the same seed draws the same households", async () => {
    const first = await drawSpotChecks(admin, round, {
      area: { placeId: jinhu },
      size: { kind: "number", value: 8 },
      seed: 4242,
      checkerId: checker.id,
    });
    expect(first).toMatchObject({ frame: 17, excludedOwn: 5, drawn: 8 });
    const again = await drawSpotChecks(admin, round, {
      area: { placeId: jinhu },
      size: { kind: "number", value: 8 },
      seed: 4242,
      checkerId: checker.id,
    });
    if (!("id" in first) || !("id" in again)) throw new Error("no draw");
    const drawn = (id: number) =>
      sql<{ householdId: number; volunteerId: number; outcome: string }[]>`
        select sh.household_id as "householdId", sh.volunteer_id as "volunteerId", l.outcome
        from spot_check_households sh join visit_logs l on l.id = sh.visit_log_id where sh.spot_check_id = ${id} order by sh.draw_order`;
    const a = await drawn(first.id);
    expect(a.map((r) => r.householdId)).toEqual((await drawn(again.id)).map((r) => r.householdId));
    // All of them logged reached by the volunteer, in the 12 they reached.
    expect(a.every((r) => r.volunteerId === volunteer.id && r.outcome === "reached")).toBe(true);
    expect(a.every((r) => buildings[0].households.slice(0, 12).includes(r.householdId))).toBe(true);
    expect(new Set(a.map((r) => r.householdId)).size).toBe(8);
    const [saved] = await sql`select seed, size_kind, size_value, checker_id, created_by from spot_checks where id = ${first.id}`;
    expect(saved).toEqual({ seed: 4242, size_kind: "number", size_value: 8, checker_id: checker.id, created_by: admin.id });
    // A different seed, another sample (of the same 12).
    const other = await drawSpotChecks(admin, round, {
      area: { placeId: jinhu },
      size: { kind: "number", value: 8 },
      seed: 99,
      checkerId: checker.id,
    });
    if (!("id" in other)) throw new Error("no draw");
    expect((await drawn(other.id)).map((r) => r.householdId)).not.toEqual(a.map((r) => r.householdId));
  });

  it("sizes by share, rounding up; refuses an area outside the drawer's scope, an unknown checker, an empty frame and a closed round", async () => {
    const share = await drawSpotChecks(admin, round, {
      area: { placeId: buildings[0].id },
      size: { kind: "share", value: 25 },
      seed: 7,
      checkerId: checker.id,
    });
    expect(share).toMatchObject({ frame: 12, drawn: 3 });
    const community = await signedIn("community", DEMO_PASSWORD);
    const elsewhere = await placeId(countyId, "禾城街道", "锦湖社区");
    const [otherCommunity] = await sql<{ id: number }[]>`
      select id from places where county_id = ${countyId} and level = 'community' and id <> ${elsewhere} order by id limit 1`;
    expect(
      await drawSpotChecks(community, round, {
        area: { placeId: otherCommunity.id },
        size: { kind: "number", value: 5 },
        seed: 1,
        checkerId: checker.id,
      }),
    ).toEqual({ problem: "areaNotFound" });
    expect(
      await drawSpotChecks(community, round, { area: { placeId: jinhu }, size: { kind: "number", value: 5 }, seed: 1, checkerId: 999_999 }),
    ).toEqual({ problem: "checkerNotFound" });
    expect(
      await drawSpotChecks(admin, round, {
        area: { placeId: buildings[2].id },
        size: { kind: "number", value: 5 },
        seed: 1,
        checkerId: checker.id,
      }),
    ).toEqual({ problem: "nothingToDraw" });
    expect(
      await drawSpotChecks(
        admin,
        { ...round, state: "closed" },
        { area: { placeId: jinhu }, size: { kind: "number", value: 5 }, seed: 1, checkerId: checker.id },
      ),
    ).toEqual({ problem: "roundClosed" });
  });
});

describe("the checker's phone and the confirmation rate", () => {
  it("downloads only the checker's own check, stores results once, refuses bad ones with a reason, and the rate moves by exactly those results", async () => {
    const drawn = await drawSpotChecks(admin, round, {
      area: { placeId: buildings[0].id },
      size: { kind: "number", value: 6 },
      seed: 2026,
      checkerId: checker.id,
    });
    if (!("id" in drawn)) throw new Error(drawn.problem);
    const get = async (username: string) =>
      call(
        checkLoader,
        new Request(`http://test/api/spot-checks/assignment?check=${drawn.id}`, { headers: { Cookie: await cookie(username) } }),
      );
    expect((await get("volunteer")).status).toBe(404);
    const body = await (await get("checker")).json();
    const ids: number[] = body.buildings.flatMap((b: { stairwells: { households: { id: number }[] }[] }) =>
      b.stairwells.flatMap((s) => s.households.map((h) => h.id)),
    );
    expect(ids).toHaveLength(6);
    expect(body.spotCheck).toMatchObject({ id: drawn.id, round: { code: "check-round" } });
    const signedOut = await call(checkLoader, new Request(`http://test/api/spot-checks/assignment?check=${drawn.id}`));
    expect(signedOut.status).toBe(401);

    const before = await confirmationRates(admin, round);
    const volunteerBefore = before.volunteers.find((v) => v.id === volunteer.id)!;
    const results = [
      { clientKey: key(), householdId: ids[0], result: "confirmed", at: new Date().toISOString() },
      { clientKey: key(), householdId: ids[1], result: "confirmed", at: new Date().toISOString() },
      { clientKey: key(), householdId: ids[2], result: "notConfirmed", at: new Date().toISOString(), note: "住户说没人来过" },
      { clientKey: key(), householdId: ids[3], result: "couldNotCheck", at: new Date().toISOString() },
    ];
    const outsider = buildings[0].households.find((h) => !ids.includes(h))!;
    const response = await postResults("checker", {
      check: drawn.id,
      results: [
        ...results,
        { clientKey: key(), householdId: outsider, result: "confirmed", at: new Date().toISOString() },
        { clientKey: key(), householdId: ids[4], result: "maybe", at: new Date().toISOString() },
        { clientKey: key(), householdId: ids[4], result: "confirmed", at: "2026-11-01T00:00:00+08:00" },
        { clientKey: key(), householdId: ids[4], result: "confirmed", at: "2099-01-01T00:00:00Z" },
        { clientKey: "short", householdId: ids[4], result: "confirmed", at: new Date().toISOString() },
      ],
    });
    expect(response.status).toBe(200);
    const answered = (await response.json()).results;
    expect(answered.map((r: { status: string; reason?: string }) => r.reason ?? r.status)).toEqual([
      "stored",
      "stored",
      "stored",
      "stored",
      "notInSample",
      "badResult",
      "beforeDraw",
      "inFuture",
      "badClientKey",
    ]);
    expect(answered[4].message).toBe("这户不在您的抽查名单里");
    // A resend of the same four: duplicates, nothing stored twice.
    const replay = await (await postResults("checker", { check: drawn.id, results })).json();
    expect(replay.results.map((r: { status: string }) => r.status)).toEqual(["duplicate", "duplicate", "duplicate", "duplicate"]);
    const [stored] = await sql<{ n: number }[]>`select count(*)::int as n from spot_check_results where spot_check_id = ${drawn.id}`;
    expect(stored.n).toBe(4);
    // Someone else than the checker: the check is not found.
    expect((await postResults("volunteer", { check: drawn.id, results: [] })).status).toBe(404);

    const after = await confirmationRates(admin, round);
    const volunteerAfter = after.volunteers.find((v) => v.id === volunteer.id)!;
    expect(volunteerAfter.confirmed - volunteerBefore.confirmed).toBe(2);
    expect(volunteerAfter.notConfirmed - volunteerBefore.notConfirmed).toBe(1);
    expect(volunteerAfter.couldNotCheck - volunteerBefore.couldNotCheck).toBe(1);
    // Against a direct count of the latest results of the volunteer's checked households.
    const [direct] = await sql<{ confirmed: number; failed: number }[]>`
      select count(*) filter (where last = 'confirmed')::int as confirmed, count(*) filter (where last = 'notConfirmed')::int as failed
      from (select (select r.result from spot_check_results r where r.spot_check_id = sh.spot_check_id and r.household_id = sh.household_id
                    order by r.at desc, r.id desc limit 1) as last
            from spot_check_households sh join spot_checks c on c.id = sh.spot_check_id
            where c.round_id = ${round.id} and sh.volunteer_id = ${volunteer.id}) x`;
    expect(volunteerAfter.rate.n).toBe(direct.confirmed + direct.failed);
    expect(volunteerAfter.rate.rate).toBeCloseTo(direct.confirmed / (direct.confirmed + direct.failed), 12);
    expect(volunteerAfter.rate).toMatchObject(wilsonInterval(direct.confirmed, direct.confirmed + direct.failed));
    const jinhuRow = after.communities.find((c) => c.name === "锦湖社区")!;
    expect(jinhuRow.rate.n).toBe(direct.confirmed + direct.failed);

    // A later result corrects the earlier one: the latest counts.
    await postResults("checker", {
      check: drawn.id,
      results: [{ clientKey: key(), householdId: ids[3], result: "confirmed", at: new Date(Date.now() + 1000).toISOString() }],
    });
    const corrected = (await confirmationRates(admin, round, drawn.id)).volunteers[0];
    expect(corrected).toMatchObject({ confirmed: 3, notConfirmed: 1, couldNotCheck: 0, unchecked: 2 });
    const [listed] = await spotChecksOf(admin, { checkId: drawn.id });
    expect(listed).toMatchObject({ drawn: 6, confirmed: 3, notConfirmed: 1, couldNotCheck: 0, seed: 2026 });
    expect((await checkedHouseholds(admin, drawn.id)).find((h) => h.householdId === ids[2])).toMatchObject({
      outcome: "notConfirmed",
      note: "住户说没人来过",
    });

    // The failed check flags the volunteer's reached log for review.
    const flagged = (await flaggedLogs(await wholeCounty(countyId), round)).filter((l) => l.signals.includes("spotCheckFailed"));
    const [failedLog] = await sql<{ id: string }[]>`
      select visit_log_id::text as id from spot_check_households where spot_check_id = ${drawn.id} and household_id = ${ids[2]}`;
    expect(flagged.map((l) => l.id)).toContain(failedLog.id);

    // Closed round: results are refused with the reason.
    await setRoundState(countyId, round.id, "closed");
    try {
      const closed = await (
        await postResults("checker", {
          check: drawn.id,
          results: [{ clientKey: key(), householdId: ids[5], result: "confirmed", at: new Date().toISOString() }],
        })
      ).json();
      expect(closed.results[0]).toMatchObject({ status: "refused", reason: "roundClosed" });
    } finally {
      await setRoundState(countyId, round.id, "open");
    }
  });
});

describe("teams and the scope of assignments", () => {
  it("gives a building to a team: every member sees and logs it, the leader sees the progress; reassigning keeps the history", async () => {
    const made = await createTeam(admin, round, { name: "第一小组", leaderId: volunteer.id, memberIds: [checker.id] });
    if (!("id" in made)) throw new Error(made.problem);
    expect(await createTeam(admin, round, { name: "第一小组", leaderId: checker.id, memberIds: [] })).toEqual({ problem: "nameTaken" });
    expect(await assign(admin, round, { teamId: made.id, placeIds: [buildings[2].id] })).toEqual({ assigned: 1 });
    const assigned = async (username: string) => {
      const response = await call(
        assignmentLoader,
        new Request("http://test/api/visits/assignment?round=check-round", { headers: { Cookie: await cookie(username) } }),
      );
      return ((await response.json()).buildings as { placeId: number }[]).map((b) => b.placeId);
    };
    expect(await assigned("checker")).toContain(buildings[2].id);
    expect(await assigned("volunteer")).toContain(buildings[2].id);
    await log(checker, buildings[2].households.slice(0, 2), "reached");
    const [progress] = await teamProgress(volunteer, round);
    expect(progress).toMatchObject({ name: "第一小组", households: buildings[2].households.length, done: 2 });
    expect(progress.members.find((m) => m.id === checker.id)!.logs).toBeGreaterThanOrEqual(7);
    expect(await teamProgress(checker, round)).toEqual([]);

    expect(await assign(admin, round, { volunteerId: volunteer.id, placeIds: [buildings[2].id] })).toEqual({ assigned: 1 });
    expect(await assigned("checker")).not.toContain(buildings[2].id);
    const history = await sql<{ team: number | null; withdrawn: boolean }[]>`
      select team_id as team, withdrawn_at is not null as withdrawn from visit_assignments
      where round_id = ${round.id} and place_id = ${buildings[2].id} order by id`;
    expect(history).toEqual([
      { team: made.id, withdrawn: true },
      { team: null, withdrawn: false },
    ]);
    const refused = await recordVisits(checker, round, [
      { clientKey: key(), householdId: buildings[2].households[3], outcome: "reached", at },
    ]);
    expect(refused[0]).toMatchObject({ status: "refused", reason: "assignmentWithdrawn" });
  });

  it("lets grid leaders and community staff assign, and build teams, only inside their scope", async () => {
    const grid = await signedIn("grid", DEMO_PASSWORD);
    const community = await signedIn("community", DEMO_PASSWORD);
    const [inGrid] = await sql<{ id: number }[]>`
      select gb.building_id as id from grid_buildings gb where gb.grid_id = ${grid.scopeGridId} order by gb.building_id limit 1`;
    const [outsideGrid] = await sql<{ id: number }[]>`
      select b.id from places b where b.level = 'building' and b.path @> array[${jinhu}]::int[]
        and b.id not in (select building_id from grid_buildings where grid_id = ${grid.scopeGridId}) order by b.id limit 1`;
    const [otherCommunityBuilding] = await sql<{ id: number }[]>`
      select b.id from places b join places cm on cm.id = b.path[3]
      where b.level = 'building' and b.county_id = ${countyId} and cm.id <> ${jinhu} order by b.id limit 1`;
    const [otherGrid] = await sql<{ id: number }[]>`
      select g.id from grids g where g.county_id = ${countyId}
        and exists (select 1 from grid_buildings gb join places b on b.id = gb.building_id where gb.grid_id = g.id and not b.path @> array[${jinhu}]::int[])
      order by g.id limit 1`;
    // A round over the whole county, so that only scope decides.
    const county = await createRound(admin, {
      code: "county-round",
      name: "全县",
      startsAt: new Date("2026-11-01T00:00:00+08:00"),
      firstDeadline: new Date("2027-01-05T00:00:00+08:00"),
      finalDeadline: new Date("2027-01-08T00:00:00+08:00"),
      campaignId: null,
      message: null,
      unreachableAfter: 3,
      targetPlaceIds: (await sql<{ id: number }[]>`select id from places where county_id = ${countyId} and level = 'community'`).map(
        (r) => r.id,
      ),
    });
    if (!("id" in county)) throw new Error(county.problem);
    const whole = (await roundByCode(countyId, "county-round"))!;
    expect(await assign(grid, whole, { volunteerId: volunteer.id, placeIds: [inGrid.id] })).toEqual({ assigned: 1 });
    expect(await assign(grid, whole, { volunteerId: volunteer.id, placeIds: [outsideGrid.id] })).toEqual({ problem: "placeNotFound" });
    expect(await assign(community, whole, { volunteerId: volunteer.id, placeIds: [otherCommunityBuilding.id] })).toEqual({
      problem: "placeNotFound",
    });
    expect(await assign(community, whole, { volunteerId: volunteer.id, gridIds: [otherGrid.id] })).toEqual({ problem: "placeNotFound" });
    expect(await assign(community, whole, { volunteerId: volunteer.id, gridIds: [grid.scopeGridId!] })).toEqual({ assigned: 1 });
    const [otherCommunity] = await sql<{ id: number }[]>`
      select id from places where county_id = ${countyId} and level = 'community' and id <> ${jinhu} order by id limit 1`;
    const outsider = await createUser(countyId, {
      username: "outsider",
      displayName: "外社区志愿者",
      phone: null,
      role: "volunteer",
      scope: { placeId: otherCommunity.id },
      password: DEMO_PASSWORD,
    });
    if (!("id" in outsider)) throw new Error(outsider.problem);
    expect(await createTeam(community, whole, { name: "越界小组", leaderId: volunteer.id, memberIds: [outsider.id] })).toEqual({
      problem: "personNotFound",
    });
    // The office may build it; community staff then neither see nor use it.
    const wide = await createTeam(admin, whole, { name: "跨社区小组", leaderId: volunteer.id, memberIds: [outsider.id] });
    if (!("id" in wide)) throw new Error(wide.problem);
    const team = await createTeam(community, whole, { name: "锦湖小组", leaderId: volunteer.id, memberIds: [checker.id] });
    if (!("id" in team)) throw new Error(team.problem);
    expect((await teamsOf(community, whole)).map((t) => t.name)).toEqual(["锦湖小组"]);
    expect((await teamsOf(admin, whole)).map((t) => t.name).sort()).toEqual(["跨社区小组", "锦湖小组"].sort());
  });
});
