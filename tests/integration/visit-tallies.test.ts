// The coverage tallies (db/migrations/014): after concurrent random syncs from several volunteers
// (shared stairwells, undos, vacant confirmed on a second day), reviews (rejections, acceptances,
// a rejected undo) and a register import that adds households and changes vacancy, every level's
// coverage equals a count made here in plain SQL from the households and their state rows (which
// coverageDifferences checks against the logs), for the county office, a community and a grid;
// the pace's finished households per day equal a plain count too, and a recount from scratch
// (visit_recount_tallies) leaves the tallies exactly as the changes left them.
import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "~/db.server";
import { mulberry32 } from "~/domain/sampling";
import { beijingDay, COVERAGE_LEVELS, type CoverageLevel, type VisitOutcome } from "~/domain/visits";
import { confirmRegisterImport, previewRegisterImport } from "~/models/register.server";
import { createUser, type CurrentUser } from "~/models/users.server";
import {
  assign,
  coverage,
  coverageDifferences,
  createRound,
  recordVisits,
  reviewLogs,
  roundByCode,
  type CoverageUnit,
  type VisitRound,
} from "~/models/visits.server";
import { DEMO_PASSWORD, seedDemoCounty } from "../../db/seed/index";
import { generateDemoRegister, registerToCsv } from "../../db/seed/demo-county";
import { placeId, signedIn, wholeCounty } from "./helpers";

let countyId: number;
let admin: CurrentUser;
let round: VisitRound;
let jinhu: number;
let dongyuan: number;
type Volunteer = { id: number; countyId: number; households: number[] };
const volunteers: Volunteer[] = [];
const rng = mulberry32(14);
let key = 0;

const COUNTS = ["households", "toReach", "reached", "notHome", "refused", "vacant", "unreachable", "pending"] as const;
type Counts = Record<(typeof COUNTS)[number], number>;
type Scope = { countyId: number; scopePlaceId: number; scopeGridId: number | null };

const day = (d: number, hour: number) => new Date(Date.UTC(2026, 10, d, hour - 8, Math.floor(rng() * 60)));
const randomAt = () => day(3 + Math.floor(rng() * 25), 7 + Math.floor(rng() * 15));
const pick = <T>(items: T[]) => items[Math.floor(rng() * items.length)];

async function householdsOf(v: Volunteer) {
  v.households = (
    await sql<{ id: number }[]>`
      select h.id from households h where not h.vacant and exists (
        select 1 from visit_assignments a where a.round_id = ${round.id} and a.volunteer_id = ${v.id} and a.withdrawn_at is null
          and h.path @> array[a.place_id])
      order by h.id`
  ).map((r) => r.id);
}

beforeAll(async () => {
  ({ countyId } = await seedDemoCounty());
  admin = await signedIn("admin", DEMO_PASSWORD);
  jinhu = await placeId(countyId, "禾城街道", "锦湖社区");
  dongyuan = await placeId(countyId, "青湖街道", "东苑社区");
  const made = await createRound(admin, {
    code: "tally-round",
    name: "计数测试",
    startsAt: new Date("2026-11-01T00:00:00+08:00"),
    firstDeadline: new Date("2027-01-05T00:00:00+08:00"),
    finalDeadline: new Date("2027-01-08T00:00:00+08:00"),
    campaignId: null,
    message: null,
    unreachableAfter: 3,
    targetPlaceIds: [jinhu, dongyuan],
  });
  if (!("id" in made)) throw new Error(made.problem);
  round = (await roundByCode(countyId, "tally-round"))!;
  // Two volunteers in each community, three buildings each; each one's first stairwell also goes to
  // the other volunteer of the community, so two volunteers log (and disagree about) its households.
  for (const [c, community] of [jinhu, dongyuan].entries()) {
    const buildings = await sql<{ id: number; stairwell: number | null }[]>`
      select b.id, (select s.id from places s where s.parent_id = b.id and s.level = 'stairwell' order by s.sort_order, s.id limit 1) as stairwell
      from places b where b.level = 'building' and b.path @> array[${community}]::int[]
        and exists (select 1 from places s where s.parent_id = b.id and s.level = 'stairwell')
      order by b.path, b.id limit 6`;
    expect(buildings).toHaveLength(6);
    const pair: Volunteer[] = [];
    for (let i = 0; i < 2; i++) {
      const created = await createUser(countyId, {
        username: `tally-vol${c}${i}`,
        displayName: `计数志愿者${c}${i}`,
        phone: null,
        role: "volunteer",
        scope: { placeId: community },
        password: DEMO_PASSWORD,
      });
      if (!("id" in created)) throw new Error(created.problem);
      pair.push({ id: created.id, countyId, households: [] });
    }
    for (let i = 0; i < 2; i++) {
      const own = buildings.slice(i * 3, i * 3 + 3).map((b) => b.id);
      const shared = buildings[(1 - i) * 3].stairwell!;
      expect(await assign(admin, round, { volunteerId: pair[i].id, placeIds: [...own, shared] })).toEqual({ assigned: 4 });
    }
    volunteers.push(...pair);
  }
  for (const v of volunteers) await householdsOf(v);
});

/** A phone's queue: random outcomes at random times, and vacant confirmed on a second day for a few households. */
function queue(v: Volunteer, length: number) {
  const outcomes: VisitOutcome[] = ["reached", "reached", "notHome", "notHome", "notHome", "refused", "vacant", "other"];
  const visits: { clientKey: string; householdId: number; outcome: VisitOutcome; at: string; undoes?: string }[] = [];
  for (let i = 0; i < length; i++)
    visits.push({
      clientKey: `tally-${v.id}-${++key}`,
      householdId: pick(v.households),
      outcome: pick(outcomes),
      at: randomAt().toISOString(),
    });
  for (let i = 0; i < 4; i++) {
    const householdId = pick(v.households);
    const d = 3 + Math.floor(rng() * 20);
    for (const on of [d, d + 2])
      visits.push({ clientKey: `tally-${v.id}-${++key}`, householdId, outcome: "vacant", at: day(on, 10).toISOString() });
  }
  // Takes back some of its own taps (in this queue).
  for (const target of visits.filter((_, i) => i % 9 === 4))
    visits.push({
      clientKey: `tally-${v.id}-${++key}`,
      householdId: target.householdId,
      outcome: "notHome",
      at: randomAt().toISOString(),
      undoes: target.clientKey,
    });
  return visits;
}

async function syncAll(length: number) {
  const results = await Promise.all(
    volunteers.flatMap((v) => [recordVisits(v, round, queue(v, length)), recordVisits(v, round, queue(v, length))]),
  );
  expect(results.flat().filter((r) => r.status !== "stored")).toEqual([]);
}

/** Rejects and accepts some reached logs and rejects a few undos, all at once. */
async function review(salt: number) {
  const reached = await sql<{ id: string }[]>`
    select id::text from visit_logs where round_id = ${round.id} and outcome = 'reached' and review_state = 'unreviewed' order by id`;
  const undos = await sql<{ id: string }[]>`
    select id::text from visit_logs where round_id = ${round.id} and undoes is not null and review_state = 'unreviewed' order by id`;
  const reject = reached.filter((_, i) => i % 5 === salt % 5).map((r) => r.id);
  const accept = reached.filter((_, i) => i % 5 === (salt + 1) % 5).map((r) => r.id);
  const counted = await Promise.all([
    reviewLogs(admin, round, reject.slice(0, reject.length / 2), { state: "rejected", reason: "批量录入" }),
    reviewLogs(admin, round, accept, { state: "accepted", reason: null }),
    reviewLogs(admin, round, reject.slice(reject.length / 2), { state: "rejected", reason: "同一设备" }),
    reviewLogs(
      admin,
      round,
      undos.slice(0, 3).map((u) => u.id),
      { state: "rejected", reason: "误撤销" },
    ),
  ]);
  expect(counted.reduce((a, b) => a + b, 0)).toBe(reject.length + accept.length + Math.min(3, undos.length));
}

/**
 * Households of the round by status per unit of a level, inside a scope, counted here from the
 * households and their state rows; the round's targets written out (not read from the round).
 */
async function directCounts(level: CoverageLevel, scope: Scope): Promise<{ units: Map<string, Counts>; total: Counts }> {
  const depth: Partial<Record<CoverageLevel, number>> = { county: 1, street: 2, community: 3, compound: 4, building: 5 };
  const unit =
    depth[level] !== undefined
      ? sql`'p' || (hh.path[${depth[level]!}])::text`
      : level === "stairwell"
        ? sql`'p' || hh.place_id::text`
        : level === "grid"
          ? sql`'g' || gb.grid_id::text`
          : level === "unit"
            ? sql`'u' || g.responsible_unit`
            : sql`'v' || v.id::text`;
  const joins =
    level === "grid"
      ? sql`join grid_buildings gb on gb.building_id = hh.building_id`
      : level === "unit"
        ? sql`join grid_buildings gb on gb.building_id = hh.building_id join grids g on g.id = gb.grid_id and g.responsible_unit is not null`
        : level === "volunteer"
          ? sql`cross join lateral unnest(hh.volunteers) as v(id)`
          : sql``;
  const inScope =
    scope.scopeGridId !== null
      ? sql`h.building_id in (select building_id from grid_buildings where grid_id = ${scope.scopeGridId})`
      : sql`h.path @> array[${scope.scopePlaceId}]::int[]`;
  const rows = await sql<(Counts & { unit: string })[]>`
    with hh as (
      select h.path, h.place_id, h.building_id, h.vacant, coalesce(s.status, 'pending') as status, coalesce(s.volunteers, '{}') as volunteers
      from households h left join visit_household_states s on s.round_id = ${round.id} and s.household_id = h.id
      where h.county_id = ${countyId} and (h.path @> array[${jinhu}]::int[] or h.path @> array[${dongyuan}]::int[]) and ${inScope}
    ), keyed as (
      select ${unit} as unit, hh.vacant, hh.status from hh ${joins}
      union all
      select 'total', hh.vacant, hh.status from hh
    )
    select unit, count(*)::int as households,
      (count(*) filter (where not vacant))::int as "toReach",
      (count(*) filter (where not vacant and status = 'reached'))::int as reached,
      (count(*) filter (where not vacant and status = 'notHome'))::int as "notHome",
      (count(*) filter (where not vacant and status = 'refused'))::int as refused,
      (count(*) filter (where not vacant and status = 'vacant'))::int as vacant,
      (count(*) filter (where not vacant and status = 'unreachable'))::int as unreachable,
      (count(*) filter (where not vacant and status = 'pending'))::int as pending
    from keyed group by unit`;
  const counts = (r: Counts) => Object.fromEntries(COUNTS.map((k) => [k, r[k]])) as Counts;
  const units = new Map(rows.filter((r) => r.unit !== "total").map((r) => [r.unit, counts(r)]));
  return { units, total: counts(rows.find((r) => r.unit === "total")!) };
}

const unitKey = (level: CoverageLevel, u: CoverageUnit) =>
  level === "grid" ? `g${u.gridId}` : level === "unit" ? `u${u.name}` : level === "volunteer" ? `v${u.userId}` : `p${u.placeId}`;
const countsOf = (u: CoverageUnit) => Object.fromEntries(COUNTS.map((k) => [k, u[k]])) as Counts;

async function tallies() {
  const [places, areas, people, days] = await Promise.all([
    sql`select * from visit_place_counts where round_id = ${round.id} order by place_id`,
    sql`select * from visit_area_counts where round_id = ${round.id} order by place_id`,
    sql`select * from visit_volunteer_counts where round_id = ${round.id} order by place_id, volunteer_id`,
    sql`select place_id, day::text, households from visit_finished_days where round_id = ${round.id} order by place_id, day`,
  ]);
  return { places: [...places], areas: [...areas], people: [...people], days: [...days] };
}

const NOW = new Date("2026-11-29T12:00:00+08:00");

async function expectExact() {
  expect(await coverageDifferences(round, countyId)).toBe(0);
  const community = await signedIn("community", DEMO_PASSWORD);
  const grid = await signedIn("grid", DEMO_PASSWORD);
  expect(community.scopePlaceId).toBe(jinhu);
  expect(grid.scopeGridId).not.toBeNull();
  // And a scope below every area level: the stairwell with the most households logged.
  const [{ stairwell }] = await sql<{ stairwell: number }[]>`
    select h.place_id as stairwell from visit_household_states s join households h on h.id = s.household_id
    join places p on p.id = h.place_id and p.level = 'stairwell'
    where s.round_id = ${round.id} group by 1 order by count(*) desc, 1 limit 1`;
  const stairwellScope = { countyId, scopePlaceId: stairwell, scopeGridId: null };
  for (const scope of [await wholeCounty(countyId), community, grid, stairwellScope]) {
    for (const level of COVERAGE_LEVELS) {
      const shown = await coverage(scope, round, level, NOW);
      const direct = await directCounts(level, scope);
      expect(new Map(shown.units.map((u) => [unitKey(level, u), countsOf(u)])), `${level} in scope ${scope.scopePlaceId}`).toEqual(
        direct.units,
      );
      expect(countsOf(shown.total)).toEqual(direct.total);
      for (const u of shown.units) expect(u.coverage).toMatchObject({ successes: u.reached, n: u.toReach - u.vacant });
    }
  }
  // The pace's households finished per Beijing day (their last counted log), over its window, for
  // the county office and for a community's staff; every day for the whole county.
  const since = beijingDay(new Date(NOW.getTime() - 4 * 86_400_000));
  for (const scope of [await wholeCounty(countyId), community]) {
    const finished = await sql<{ day: string; households: number }[]>`
      select to_char((s.last_at at time zone 'Asia/Shanghai')::date, 'YYYY-MM-DD') as day, count(*)::int as households
      from visit_household_states s join households h on h.id = s.household_id
      where s.round_id = ${round.id} and not h.vacant and s.status in ('reached', 'refused', 'vacant', 'unreachable')
        and h.path @> array[${scope.scopePlaceId}]::int[]
      group by 1 order by 1`;
    const { finishedByDay } = await coverage(scope, round, "county", NOW);
    expect(finishedByDay).toEqual(finished.filter((f) => f.day >= since));
    expect(finishedByDay.length).toBeGreaterThan(2);
    if (scope.scopePlaceId !== jinhu) {
      const [{ all }] = await sql<{ all: number }[]>`
        select coalesce(sum(households), 0)::int as all from visit_finished_days where round_id = ${round.id} and place_id = ${scope.scopePlaceId}`;
      expect(all).toBe(finished.reduce((sum, f) => sum + f.households, 0));
    }
  }
  // A recount from scratch agrees with the changes, row for row (no row left at 0 either).
  const kept = await tallies();
  await sql`select visit_recount_tallies(${round.id})`;
  expect(await tallies()).toEqual(kept);
}

describe("coverage tallies", () => {
  it("start with every household of the round's targets pending", async () => {
    const { total } = await coverage(await wholeCounty(countyId), round, "county");
    const [{ households, toReach }] = await sql<{ households: number; toReach: number }[]>`
      select count(*)::int as households, (count(*) filter (where not vacant))::int as "toReach" from households
      where path @> array[${jinhu}]::int[] or path @> array[${dongyuan}]::int[]`;
    expect(total).toMatchObject({ households, toReach, pending: toReach, reached: 0 });
    expect(toReach).toBeGreaterThan(1000);
  });

  it("equal a direct count at every level through concurrent syncs, undos and reviews", async () => {
    await syncAll(60);
    await expectExact();
    await Promise.all([syncAll(40), review(0)]);
    await expectExact();
    // Everything happened: reached, refusals, confirmed vacancy, unreachable, pending again after an undo.
    const statuses = await sql<{ status: string }[]>`
      select distinct status from visit_household_states where round_id = ${round.id} order by 1`;
    expect(statuses.map((s) => s.status)).toEqual(["notHome", "pending", "reached", "refused", "unreachable", "vacant"]);
  });

  it("follow a register import that adds households and changes vacancy", async () => {
    const logged = await sql<{ building: string; stairwell: string | null; room: string; status: string }[]>`
      select b.name as building, case when st.level = 'stairwell' then st.name end as stairwell, h.room, s.status
      from visit_household_states s join households h on h.id = s.household_id
      join places b on b.id = h.building_id join places st on st.id = h.place_id
      where s.round_id = ${round.id} and h.path @> array[${jinhu}]::int[] and s.status in ('reached', 'notHome') order by h.id`;
    const flip = new Set(logged.filter((_, i) => i % 4 === 0).map((l) => `${l.building}/${l.stairwell ?? ""}/${l.room}`));
    const rows = generateDemoRegister().filter((r) => r.community === "锦湖社区");
    const changed = rows.filter((r, i) => flip.has(`${r.building}/${r.stairwell ?? ""}/${r.room}`) || i % 97 === 0);
    const assignedBuilding = await sql<{ building: string; stairwell: string | null; compound: string }[]>`
      select b.name as building, cp.name as compound, (select s.name from places s where s.parent_id = b.id and s.level = 'stairwell'
        order by s.sort_order, s.id limit 1) as stairwell
      from visit_assignments a join places b on b.id = a.place_id join places cp on cp.id = b.parent_id
      where a.round_id = ${round.id} and a.volunteer_id = ${volunteers[0].id} and b.level = 'building' order by b.id limit 1`;
    const template = rows.find((r) => r.compound === assignedBuilding[0].compound && r.building === assignedBuilding[0].building)!;
    const added = Array.from({ length: 12 }, (_, i) => ({
      ...template,
      stairwell: assignedBuilding[0].stairwell,
      room: `99${String(i + 1).padStart(2, "0")}`,
      vacant: i % 6 === 5,
    }));
    const file = [...changed.map((r) => ({ ...r, vacant: !r.vacant })), ...added];
    const preview = await previewRegisterImport(admin, { name: "tally.csv", data: new TextEncoder().encode(registerToCsv(file)) });
    if (!preview.ok) throw new Error(JSON.stringify(preview.issues));
    expect(preview.summary).toMatchObject({ householdsCreated: 12, householdsUpdated: changed.length });
    const before = (await coverage(await wholeCounty(countyId), round, "county")).total;
    // The preview changed nothing.
    await expectExact();
    const applied = await confirmRegisterImport(admin, preview.importId, null);
    expect(applied).toMatchObject({ ok: true });
    const after = (await coverage(await wholeCounty(countyId), round, "county")).total;
    expect(after.households).toBe(before.households + 12);
    expect(after.toReach).not.toBe(before.toReach);
    await expectExact();
    // The new households are the volunteers' to visit now; then another wave and a review.
    for (const v of volunteers) await householdsOf(v);
    await Promise.all([syncAll(40), review(2)]);
    await expectExact();
  });
});
