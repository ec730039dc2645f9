// Spot checks of door-to-door visits (抽查补漏, db/migrations/009_spot_checks_and_teams.sql): the
// office draws a seeded sample of households logged reached in an area and gives it to a checker,
// who records on the phone whether each visit is confirmed. The rules are in
// app/domain/spot-checks.ts; scope is in every WHERE (inScope) as in visits.server.ts.
import { sql } from "~/db.server";
import {
  confirmationTallies,
  confirmationTally,
  drawSpotCheck,
  isCheckResult,
  reachedLog,
  type CheckResult,
  type ConfirmationTally,
  type FrameHousehold,
  type SpotCheckSize,
} from "~/domain/spot-checks";
import { checkQueuedItem, CLOCK_SKEW_MS, floorOf, householdVisitState } from "~/domain/visits";
import { gridInScope, inScope } from "~/models/places.server";
import type { ScopedUser } from "~/models/users.server";
import { roundGrids } from "~/models/teams.server";
import { assignablePeople, householdLogs, roundById, type VisitRound } from "~/models/visits.server";

export type SpotCheckArea = { placeId: number; gridId?: undefined } | { gridId: number; placeId?: undefined };

export type DrawProblem = "roundClosed" | "areaNotFound" | "checkerNotFound" | "nothingToDraw";

/** SQL: the households of an area (a place's subtree, or a grid's buildings). */
function inArea(area: SpotCheckArea) {
  return area.gridId !== undefined
    ? sql`h.building_id in (select gb.building_id from grid_buildings gb where gb.grid_id = ${area.gridId})`
    : sql`h.path @> array[${area.placeId}]::int[]`;
}

/** Draws a spot check and saves it with its parameters and seed; the caller audits it. */
export async function drawSpotChecks(
  actor: ScopedUser & { id: number },
  round: VisitRound,
  input: { area: SpotCheckArea; size: SpotCheckSize; seed: number; checkerId: number },
): Promise<{ id: number; drawn: number; frame: number; excludedOwn: number } | { problem: DrawProblem }> {
  if (round.state !== "open") return { problem: "roundClosed" };
  const { area } = input;
  const [found] =
    area.gridId !== undefined
      ? await sql`
          select 1 from grids g where g.id = ${area.gridId} and g.county_id = ${actor.countyId}
            and ${gridInScope(actor, "g.id")}`
      : await sql`
          select 1 from places p where p.id = ${area.placeId} and p.county_id = ${actor.countyId}
            and p.level in ('community', 'compound', 'building') and ${inScope(actor, "p.path")}`;
  if (!found) return { problem: "areaNotFound" };
  if (!(await assignablePeople(actor)).some((p) => p.id === input.checkerId)) return { problem: "checkerNotFound" };
  const households = await sql<{ id: number }[]>`
    select h.id from households h
    where h.county_id = ${actor.countyId} and not h.vacant and ${inScope(actor, "h.path")} and ${inArea(area)}
      and exists (select 1 from visit_round_targets t where t.round_id = ${round.id} and h.path @> array[t.place_id])
    order by h.id`;
  const logs = await householdLogs(
    round,
    households.map((h) => h.id),
  );
  const frame: FrameHousehold[] = [];
  for (const h of households) {
    const own = logs.get(h.id) ?? [];
    if (householdVisitState(own, { unreachableAfter: round.unreachableAfter }).status !== "reached") continue;
    const log = reachedLog(own)!;
    frame.push({ householdId: h.id, logId: log.id, volunteerId: log.volunteerId });
  }
  const { drawn, excludedOwn } = drawSpotCheck(frame, input);
  if (drawn.length === 0) return { problem: "nothingToDraw" };
  return sql.begin(async (tx) => {
    const [check] = await tx<{ id: number }[]>`
      insert into spot_checks (county_id, round_id, place_id, grid_id, size_kind, size_value, seed, checker_id, frame_size, excluded_own, created_by)
      values (${actor.countyId}, ${round.id}, ${area.placeId ?? null}, ${area.gridId ?? null}, ${input.size.kind}, ${input.size.value},
              ${input.seed}, ${input.checkerId}, ${frame.length}, ${excludedOwn}, ${actor.id})
      returning id`;
    await tx`insert into spot_check_households ${tx(
      drawn.map((h, i) => ({
        spot_check_id: check.id,
        county_id: actor.countyId,
        household_id: h.householdId,
        visit_log_id: h.logId,
        volunteer_id: h.volunteerId,
        draw_order: i + 1,
      })),
    )}`;
    return { id: check.id, drawn: drawn.length, frame: frame.length, excludedOwn };
  });
}

export type SpotCheck = {
  id: number;
  roundId: number;
  area: string;
  sizeKind: SpotCheckSize["kind"];
  sizeValue: number;
  seed: number;
  checkerId: number;
  checker: string;
  frame: number;
  excludedOwn: number;
  createdBy: string | null;
  createdAt: Date;
  drawn: number;
  confirmed: number;
  notConfirmed: number;
  couldNotCheck: number;
};

/** SQL: the latest result of each drawn household of the checks `sh` (alias), as `outcome`. */
const latestResult = sql`
  (select r.result from spot_check_results r where r.spot_check_id = sh.spot_check_id and r.household_id = sh.household_id
   order by r.at desc, r.id desc limit 1)`;

const checkColumns = sql`
  c.id, c.round_id as "roundId", c.size_kind as "sizeKind", c.size_value as "sizeValue", c.seed, c.checker_id as "checkerId",
  u.display_name as checker, c.frame_size as frame, c.excluded_own as "excludedOwn", cb.display_name as "createdBy", c.created_at as "createdAt",
  coalesce(ap.name, g.name) as area`;

/** SQL: the check `c` is over an area inside the user's scope. */
function checkInScope(user: ScopedUser) {
  return sql`(ap.id is not null and ${inScope(user, "ap.path")}
    or g.id is not null and ${gridInScope(user, "g.id")})`;
}

/** A round's spot checks (or one check) over areas inside the user's scope, newest first, with their counts. */
export async function spotChecksOf(user: ScopedUser, which: { roundId: number } | { checkId: number }): Promise<SpotCheck[]> {
  return sql<SpotCheck[]>`
    select ${checkColumns},
      (select count(*)::int from spot_check_households sh where sh.spot_check_id = c.id) as drawn,
      (select count(*)::int from spot_check_households sh where sh.spot_check_id = c.id and ${latestResult} = 'confirmed') as confirmed,
      (select count(*)::int from spot_check_households sh where sh.spot_check_id = c.id and ${latestResult} = 'notConfirmed') as "notConfirmed",
      (select count(*)::int from spot_check_households sh where sh.spot_check_id = c.id and ${latestResult} = 'couldNotCheck') as "couldNotCheck"
    from spot_checks c join users u on u.id = c.checker_id left join users cb on cb.id = c.created_by
      left join places ap on ap.id = c.place_id left join grids g on g.id = c.grid_id
    where c.county_id = ${user.countyId} and ${checkInScope(user)}
      and ${"roundId" in which ? sql`c.round_id = ${which.roundId}` : sql`c.id = ${which.checkId}`}
    order by c.created_at desc, c.id desc`;
}

export type CheckedHousehold = {
  householdId: number;
  address: string;
  volunteer: string;
  visitedAt: Date;
  outcome: CheckResult | null;
  checkedAt: Date | null;
  note: string | null;
};

/** One spot check's households (inside the user's scope) with the visit checked and the outcome. */
export async function checkedHouseholds(user: ScopedUser, checkId: number): Promise<CheckedHousehold[]> {
  return sql<CheckedHousehold[]>`
    select sh.household_id as "householdId", u.display_name as volunteer, l.at as "visitedAt",
      concat_ws(' ', cm.name, cp.name, b.name, case when s.level = 'stairwell' then s.name end, h.room) as address,
      last.result as outcome, last.at as "checkedAt", last.note
    from spot_check_households sh
    join households h on h.id = sh.household_id join visit_logs l on l.id = sh.visit_log_id join users u on u.id = sh.volunteer_id
    join places s on s.id = h.place_id join places b on b.id = h.building_id
    join places cp on cp.id = b.parent_id join places cm on cm.id = cp.parent_id
    left join lateral (select r.result, r.at, r.note from spot_check_results r
                       where r.spot_check_id = sh.spot_check_id and r.household_id = sh.household_id
                       order by r.at desc, r.id desc limit 1) last on true
    where sh.spot_check_id = ${checkId} and sh.county_id = ${user.countyId} and ${inScope(user, "h.path")}
    order by sh.draw_order`;
}

export type ConfirmationRow = { id: number; name: string } & ConfirmationTally;

/**
 * The confirmation rate per volunteer (of the checked log) and per community, over the round's
 * spot checks (or one of them), counting the drawn households inside the user's scope.
 */
export async function confirmationRates(
  user: ScopedUser,
  round: VisitRound,
  checkId?: number,
): Promise<{ volunteers: ConfirmationRow[]; communities: ConfirmationRow[]; total: ConfirmationTally }> {
  const rows = await sql<{ volunteerId: number; volunteer: string; communityId: number; community: string; outcome: CheckResult | null }[]>`
    select sh.volunteer_id as "volunteerId", u.display_name as volunteer, cm.id as "communityId", cm.name as community,
      ${latestResult} as outcome
    from spot_check_households sh join spot_checks c on c.id = sh.spot_check_id
    join households h on h.id = sh.household_id join users u on u.id = sh.volunteer_id
    join places cm on cm.id = h.path[3]
    where c.round_id = ${round.id} and c.county_id = ${user.countyId} and ${inScope(user, "h.path")}
      ${checkId === undefined ? sql`` : sql`and c.id = ${checkId}`}`;
  const names = new Map<string, string>();
  for (const r of rows) names.set(`v${r.volunteerId}`, r.volunteer).set(`c${r.communityId}`, r.community);
  const table = (prefix: string, idOf: (r: (typeof rows)[number]) => number) =>
    [...confirmationTallies(rows.map((r) => ({ key: idOf(r), outcome: r.outcome })))]
      .map(([id, tally]) => ({ id, name: names.get(`${prefix}${id}`) ?? String(id), ...tally }))
      .sort((a, b) => (a.rate.rate ?? 2) - (b.rate.rate ?? 2) || b.rate.n - a.rate.n || a.name.localeCompare(b.name, "zh"));
  return {
    volunteers: table("v", (r) => r.volunteerId),
    communities: table("c", (r) => r.communityId),
    total: confirmationTally(rows.map((r) => r.outcome)),
  };
}

// ---------------------------------------------------------------------------------------------
// The checker's phone

export type CheckerCheck = { id: number; round: VisitRound; area: string; createdAt: Date };

/** A spot check given to this checker (and its round), or null. */
export async function checkForChecker(user: { id: number; countyId: number }, checkId: number): Promise<CheckerCheck | null> {
  const [row] = await sql<{ id: number; roundId: number; area: string; createdAt: Date }[]>`
    select c.id, c.round_id as "roundId", coalesce(p.name, g.name) as area, c.created_at as "createdAt"
    from spot_checks c left join places p on p.id = c.place_id left join grids g on g.id = c.grid_id
    where c.id = ${checkId} and c.county_id = ${user.countyId} and c.checker_id = ${user.id}`;
  if (!row) return null;
  const round = await roundById(user.countyId, row.roundId);
  return round && { id: row.id, round, area: row.area, createdAt: row.createdAt };
}

/** The spot checks of open rounds given to this checker, newest first, with how many are checked. */
export async function checksAssignedTo(user: { id: number; countyId: number }) {
  return sql<{ id: number; round: string; roundName: string; area: string; drawn: number; checked: number }[]>`
    select c.id, r.code as round, r.name as "roundName", coalesce(p.name, g.name) as area,
      (select count(*)::int from spot_check_households sh where sh.spot_check_id = c.id) as drawn,
      (select count(distinct r2.household_id)::int from spot_check_results r2 where r2.spot_check_id = c.id) as checked
    from spot_checks c join visit_rounds r on r.id = c.round_id
      left join places p on p.id = c.place_id left join grids g on g.id = c.grid_id
    where c.checker_id = ${user.id} and c.county_id = ${user.countyId} and r.state = 'open'
    order by c.created_at desc, c.id desc`;
}

export type CheckHousehold = {
  id: number;
  room: string;
  floor: number | null;
  visitedAt: Date;
  result: CheckResult | null;
  checkedAt: Date | null;
};
export type CheckBuilding = {
  placeId: number;
  name: string;
  compound: string;
  stairwells: { name: string | null; households: CheckHousehold[] }[];
};

/**
 * What the checker's phone downloads: the check and its households by building and stairwell, in
 * the shape of the volunteer's assignment (/api/visits/assignment). Who made the visit is not
 * shown: the checker asks the household, not the volunteer.
 */
export async function checkAssignment(check: CheckerCheck) {
  const rows = await sql<
    {
      id: number;
      room: string;
      buildingId: number;
      building: string;
      compound: string;
      stairwell: string | null;
      visitedAt: Date;
      result: CheckResult | null;
      checkedAt: Date | null;
    }[]
  >`
    select h.id, h.room, b.id as "buildingId", b.name as building, cp.name as compound,
      case when s.level = 'stairwell' then s.name end as stairwell, l.at as "visitedAt", last.result, last.at as "checkedAt"
    from spot_check_households sh
    join households h on h.county_id = sh.county_id and h.id = sh.household_id
    join visit_logs l on l.county_id = sh.county_id and l.id = sh.visit_log_id
    join places s on s.county_id = sh.county_id and s.id = h.place_id
    join places b on b.county_id = sh.county_id and b.id = h.building_id
    join places cp on cp.county_id = sh.county_id and cp.id = b.parent_id
    left join lateral (select r.result, r.at from spot_check_results r
                       where r.county_id = sh.county_id and r.spot_check_id = sh.spot_check_id and r.household_id = sh.household_id
                       order by r.at desc, r.id desc limit 1) last on true
    where sh.county_id = ${check.round.countyId} and sh.spot_check_id = ${check.id}
    order by cp.sort_order, cp.id, b.sort_order, b.id, s.sort_order, s.id, length(h.room), h.room`;
  const buildings = new Map<number, CheckBuilding>();
  for (const r of rows) {
    const building = buildings.get(r.buildingId) ?? { placeId: r.buildingId, name: r.building, compound: r.compound, stairwells: [] };
    buildings.set(r.buildingId, building);
    let stairwell = building.stairwells.find((s) => s.name === r.stairwell);
    if (!stairwell) building.stairwells.push((stairwell = { name: r.stairwell, households: [] }));
    stairwell.households.push({
      id: r.id,
      room: r.room,
      floor: floorOf(r.room),
      visitedAt: r.visitedAt,
      result: r.result,
      checkedAt: r.checkedAt,
    });
  }
  return {
    spotCheck: { id: check.id, area: check.area, round: { code: check.round.code, name: check.round.name, state: check.round.state } },
    buildings: [...buildings.values()],
  };
}

export const MAX_RESULTS_PER_REQUEST = 200;

export type CheckResultInput = { clientKey?: unknown; householdId?: unknown; result?: unknown; at?: unknown; note?: unknown };
export type CheckRefusal =
  | "roundClosed"
  | "badClientKey"
  | "repeatedInRequest"
  | "badHousehold"
  | "notInSample"
  | "badResult"
  | "badTime"
  | "inFuture"
  | "beforeDraw"
  | "noteTooLong";
export type CheckResultOutcome = { clientKey: string; status: "stored" | "duplicate" | "refused"; reason?: CheckRefusal };

/**
 * Stores a checker's queued results: one answer per result, in order; a bad one never spoils the
 * others; a resend of a stored client key is "duplicate" (the database's unique key decides).
 */
export async function recordCheckResults(
  user: { id: number; countyId: number },
  check: CheckerCheck,
  results: CheckResultInput[],
  now = new Date(),
): Promise<CheckResultOutcome[]> {
  const answers: (CheckResultOutcome | null)[] = results.map(() => null);
  const sample = new Set(
    (
      await sql<
        { id: number }[]
      >`select household_id as id from spot_check_households where county_id = ${user.countyId} and spot_check_id = ${check.id}`
    ).map((r) => r.id),
  );
  const rows: { index: number; clientKey: string; householdId: number; result: CheckResult; at: Date; note: string | null }[] = [];
  const seen = new Set<string>();
  results.forEach((v, index) => {
    const item = checkQueuedItem<CheckRefusal>(v, {
      seen,
      open: check.round.state === "open",
      now,
      earliest: new Date(check.createdAt.getTime() - CLOCK_SKEW_MS),
      tooEarly: "beforeDraw",
      ownChecks: (householdId) => (!sample.has(householdId) ? "notInSample" : !isCheckResult(v.result) ? "badResult" : null),
    });
    if (item.refusal) {
      answers[index] = { clientKey: item.clientKey, status: "refused", reason: item.refusal };
      return;
    }
    const { clientKey, householdId, at, note } = item;
    rows.push({ index, clientKey, householdId, result: v.result as CheckResult, at, note });
  });
  if (rows.length > 0) {
    const inserted = await sql<{ clientKey: string }[]>`
      insert into spot_check_results ${sql(
        rows.map((r) => ({
          county_id: user.countyId,
          spot_check_id: check.id,
          household_id: r.householdId,
          checker_id: user.id,
          result: r.result,
          at: r.at,
          note: r.note,
          client_key: r.clientKey,
        })),
      )}
      on conflict (spot_check_id, client_key) do nothing
      returning client_key as "clientKey"`;
    const stored = new Set(inserted.map((r) => r.clientKey));
    for (const r of rows) answers[r.index] = { clientKey: r.clientKey, status: stored.has(r.clientKey) ? "stored" : "duplicate" };
  }
  return answers as CheckResultOutcome[];
}

/** Areas a user may draw a spot check from inside the round: communities, compounds, buildings and grids of their scope. */
export async function spotCheckAreas(user: ScopedUser, round: VisitRound) {
  const [places, grids] = await Promise.all([
    sql<{ id: number; name: string; level: "community" | "compound" | "building"; parent: string | null }[]>`
      select p.id, p.name, p.level, pp.name as parent from places p left join places pp on pp.id = p.parent_id
      where p.county_id = ${user.countyId} and p.level in ('community', 'compound', 'building') and ${inScope(user, "p.path")}
        and exists (select 1 from visit_round_targets t join places tp on tp.id = t.place_id
                    where t.round_id = ${round.id} and (p.path @> array[t.place_id] or tp.path @> array[p.id]))
      order by p.path, p.sort_order, p.id`,
    roundGrids(user, round),
  ]);
  return { places, grids };
}
