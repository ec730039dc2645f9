// The households' current states (db/migrations/010_visit_states.sql) under concurrent syncs from
// several volunteers, conflicting logs on shared stairwells, undos and reviews (reject, accept,
// reject again) racing the syncs: the state rows never disagree with a recomputation from the
// logs, and coverage equals an independent SQL count of the logs.
import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "~/db.server";
import { householdVisitState, type VisitLog, type VisitOutcome } from "~/domain/visits";
import {
  assign,
  coverage,
  coverageDifferences,
  createRound,
  rebuildVisitStates,
  recordVisits,
  reviewLogs,
  roundByCode,
  type VisitRound,
} from "~/models/visits.server";
import { createUser, type CurrentUser } from "~/models/users.server";
import { mulberry32 } from "~/domain/sampling";
import { seedDemoCounty, DEMO_PASSWORD } from "../../db/seed/index";
import { placeId, signedIn, wholeCounty } from "./helpers";

let countyId: number;
let admin: CurrentUser;
let round: VisitRound;
let jinhu: number;
const volunteers: { id: number; countyId: number; households: number[] }[] = [];

beforeAll(async () => {
  ({ countyId } = await seedDemoCounty());
  admin = await signedIn("admin", DEMO_PASSWORD);
  jinhu = await placeId(countyId, "禾城街道", "锦湖社区");
  const made = await createRound(admin, {
    code: "state-round",
    name: "状态测试",
    startsAt: new Date("2026-11-01T00:00:00+08:00"),
    firstDeadline: new Date("2027-01-05T00:00:00+08:00"),
    finalDeadline: new Date("2027-01-08T00:00:00+08:00"),
    campaignId: null,
    message: null,
    unreachableAfter: 3,
    targetPlaceIds: [jinhu],
  });
  if (!("id" in made)) throw new Error(made.problem);
  round = (await roundByCode(countyId, "state-round"))!;
  // Four volunteers: each has a building; the first stairwell of each building also goes to the
  // next volunteer, so two volunteers log (and disagree about) the households of four stairwells.
  const buildings = await sql<{ id: number; stairwell: number | null }[]>`
    select b.id, (select s.id from places s where s.parent_id = b.id and s.level = 'stairwell' order by s.sort_order, s.id limit 1) as stairwell
    from places b where b.level = 'building' and b.path @> array[${jinhu}]::int[]
      and exists (select 1 from places s where s.parent_id = b.id and s.level = 'stairwell')
    order by b.path, b.id limit 4`;
  expect(buildings).toHaveLength(4);
  for (let i = 0; i < 4; i++) {
    const created = await createUser(countyId, {
      username: `state-vol${i}`,
      displayName: `并发志愿者${i}`,
      phone: null,
      role: "volunteer",
      scope: { placeId: jinhu },
      password: DEMO_PASSWORD,
    });
    if (!("id" in created)) throw new Error(created.problem);
    volunteers.push({ id: created.id, countyId, households: [] });
  }
  for (let i = 0; i < 4; i++) {
    const shared = buildings[(i + 3) % 4].stairwell!;
    expect(await assign(admin, round, { volunteerId: volunteers[i].id, placeIds: [buildings[i].id, shared] })).toEqual({ assigned: 2 });
  }
  for (const v of volunteers) {
    v.households = (
      await sql<{ id: number }[]>`
        select h.id from households h where not h.vacant and exists (
          select 1 from visit_assignments a where a.round_id = ${round.id} and a.volunteer_id = ${v.id} and a.withdrawn_at is null
            and h.path @> array[a.place_id])
        order by h.id`
    ).map((r) => r.id);
  }
});

/** Every status counted from the logs by the domain function, household by household (the replay coverage used to do). */
async function replayed(buildingIds: number[]) {
  const rows = await sql<(VisitLog & { householdId: number; buildingId: number })[]>`
    select l.household_id as "householdId", h.building_id as "buildingId", l.id::text as id, l.volunteer_id as "volunteerId", l.outcome,
      l.at, l.undoes::text as undoes, l.review_state = 'rejected' as rejected
    from visit_logs l join households h on h.id = l.household_id where l.round_id = ${round.id}`;
  const logs = new Map<number, VisitLog[]>();
  for (const r of rows) logs.set(r.householdId, [...(logs.get(r.householdId) ?? []), r]);
  const counts = new Map(buildingIds.map((b) => [b, { reached: 0, notHome: 0, refused: 0, vacant: 0, unreachable: 0, pending: 0 }]));
  const households = await sql<{ id: number; buildingId: number }[]>`
    select id, building_id as "buildingId" from households where building_id = any(${buildingIds}::int[]) and not vacant`;
  for (const h of households) counts.get(h.buildingId)![householdVisitState(logs.get(h.id) ?? [], round).status] += 1;
  return counts;
}

describe("household states kept beside the logs", () => {
  it("stay equal to a recomputation from the logs through concurrent syncs, undos and reviews", async () => {
    const rng = mulberry32(10);
    const outcomes: VisitOutcome[] = ["reached", "notHome", "notHome", "refused", "vacant", "other"];
    let key = 0;
    const at = () => new Date(Date.parse("2026-11-02T00:00:00Z") + Math.floor(rng() * 25 * 86_400_000)).toISOString();
    // Each volunteer sends eight batches of 25 logs at once (an offline phone's queue, twice for
    // some: a resend must store nothing), every batch over households shared with a neighbour too.
    const batches = volunteers.flatMap((v) =>
      Array.from({ length: 8 }, () =>
        Array.from({ length: 25 }, () => ({
          clientKey: `state-${v.id}-${++key}`,
          householdId: v.households[Math.floor(rng() * v.households.length)],
          outcome: outcomes[Math.floor(rng() * outcomes.length)],
          at: at(),
        })),
      ).map((visits) => ({ v, visits })),
    );
    const resent = batches.filter((_, i) => i % 5 === 0);
    const first = await Promise.all([...batches, ...resent].map(({ v, visits }) => recordVisits(v, round, visits)));
    const stored = first.flat().filter((r) => r.status === "stored").length;
    expect(stored).toBe(batches.length * 25);
    expect(first.flat().filter((r) => r.status === "duplicate")).toHaveLength(resent.length * 25);
    expect(await coverageDifferences(round, countyId)).toBe(0);

    // Reviews race a second wave of syncs (with undos of the first wave's logs): rejections of
    // reached logs, acceptances, and a rejection of an undo (which brings the undone log back).
    const reached = await sql<{ id: string; volunteerId: number; clientKey: string; householdId: number }[]>`
      select id::text, volunteer_id as "volunteerId", client_key as "clientKey", household_id as "householdId" from visit_logs
      where round_id = ${round.id} and outcome = 'reached' order by id`;
    // Every reached log of a quarter of the households rejected, another quarter's accepted.
    const toReject = reached.filter((r) => r.householdId % 4 === 0).map((r) => r.id);
    const toAccept = reached.filter((r) => r.householdId % 4 === 1).map((r) => r.id);
    const undos = volunteers.map((v) =>
      reached
        .filter((r) => r.volunteerId === v.id)
        .slice(0, 6)
        .map((r) => ({ clientKey: `state-undo-${r.id}`, householdId: r.householdId, outcome: "notHome", at: at(), undoes: r.clientKey })),
    );
    const second = volunteers.map((v) =>
      Array.from({ length: 40 }, () => ({
        clientKey: `state-${v.id}-${++key}`,
        householdId: v.households[Math.floor(rng() * v.households.length)],
        outcome: outcomes[Math.floor(rng() * outcomes.length)],
        at: at(),
      })),
    );
    const results = await Promise.all([
      ...volunteers.map((v, i) => recordVisits(v, round, [...second[i].slice(0, 20), ...undos[i], ...second[i].slice(20)])),
      reviewLogs(admin, round, toReject.slice(0, toReject.length / 2), { state: "rejected", reason: "夜间批量录入" }),
      reviewLogs(admin, round, toAccept, { state: "accepted", reason: null }),
      reviewLogs(admin, round, toReject.slice(toReject.length / 2), { state: "rejected", reason: "同一设备" }),
    ]);
    expect(results.slice(0, 4).flat()).toSatisfy((r: { status: string }[]) => r.every((x) => x.status === "stored"));
    const undoIds = await sql<{ id: string }[]>`
      select id::text from visit_logs where round_id = ${round.id} and undoes is not null order by id limit 3`;
    await reviewLogs(
      admin,
      round,
      undoIds.map((u) => u.id),
      { state: "rejected", reason: "误撤销" },
    );
    expect(await coverageDifferences(round, countyId)).toBe(0);

    // Coverage per building: the statuses a full replay of the logs gives, and reached and refused
    // also counted in plain SQL (a counted log: not rejected, not an undo, not taken back by a
    // counted undo).
    const units = (await coverage(await wholeCounty(countyId), round, "building")).units.filter(
      (u) => u.reached + u.notHome + u.refused > 0,
    );
    const ids = units.map((u) => u.placeId!);
    expect(ids.length).toBeGreaterThanOrEqual(4);
    const replay = await replayed(ids);
    const independent = await sql<{ buildingId: number; reached: number; refused: number; toReach: number }[]>`
      with counted as (
        select l.* from visit_logs l
        where l.round_id = ${round.id} and l.review_state <> 'rejected' and l.undoes is null
          and not exists (select 1 from visit_logs u where u.undoes = l.id and u.review_state <> 'rejected')
      ), per as (
        select household_id, bool_or(outcome = 'reached') as reached, bool_or(outcome = 'refused') as refused from counted group by 1
      )
      select h.building_id as "buildingId", count(*)::int as "toReach",
        (count(*) filter (where p.reached))::int as reached,
        (count(*) filter (where p.refused and not p.reached))::int as refused
      from households h left join per p on p.household_id = h.id
      where h.building_id = any(${ids}::int[]) and not h.vacant group by 1`;
    for (const u of units) {
      const direct = independent.find((d) => d.buildingId === u.placeId)!;
      expect({ reached: u.reached, refused: u.refused, toReach: u.toReach }).toEqual({
        reached: direct.reached,
        refused: direct.refused,
        toReach: direct.toReach,
      });
      const { reached, notHome, refused, vacant, unreachable, pending } = u;
      expect({ reached, notHome, refused, vacant, unreachable, pending }).toEqual(replay.get(u.placeId!));
    }
    // Some households really are disputed, and the rejections moved some away from reached.
    const [{ conflicts, unreached }] = await sql<{ conflicts: number; unreached: number }[]>`
      select (count(*) filter (where conflict))::int as conflicts,
        (count(*) filter (where status <> 'reached' and exists (
          select 1 from visit_logs l where l.round_id = s.round_id and l.household_id = s.household_id and l.outcome = 'reached')))::int as unreached
      from visit_household_states s where round_id = ${round.id}`;
    expect(conflicts).toBeGreaterThan(0);
    expect(unreached).toBeGreaterThan(0);
  });

  it("notices a state row that disagrees with the logs, and a rebuild repairs it", async () => {
    const [row] = await sql<{ householdId: number }[]>`
      select household_id as "householdId" from visit_household_states where round_id = ${round.id} and status = 'reached' limit 1`;
    await sql`update visit_household_states set status = 'refused' where round_id = ${round.id} and household_id = ${row.householdId}`;
    await sql`delete from visit_household_states where round_id = ${round.id} and household_id = (
      select household_id from visit_household_states where round_id = ${round.id} and household_id <> ${row.householdId} limit 1)`;
    expect(await coverageDifferences(round, countyId)).toBe(2);
    const households = await rebuildVisitStates(round, countyId);
    const [{ logged }] = await sql<{ logged: number }[]>`
      select count(distinct household_id)::int as logged from visit_logs where round_id = ${round.id}`;
    expect(households).toBe(logged);
    expect(await coverageDifferences(round, countyId)).toBe(0);
  });
});
