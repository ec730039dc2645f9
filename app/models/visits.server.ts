// Door-to-door rounds, assignments and visit logs (db/migrations/007_visits.sql). A volunteer sees
// and logs only the households of what is assigned to them now; the office's view is filtered by
// its scope like every other model (inScope). Statuses come from app/domain/visits.ts.
import type { TransactionSql } from "postgres";
import { sql, type Sql } from "~/db.server";
import {
  checkQueuedItem,
  fabricationSignals,
  floorOf,
  householdVisitState,
  beijingDay,
  VISIT_OUTCOMES,
  type CoverageLevel,
  type FinishedDay,
  type HouseholdStatus,
  type HouseholdVisitState,
  type Signal,
  type SignalLog,
  type TimeSlot,
  type VisitLog,
  type VisitOutcome,
} from "~/domain/visits";
export { COVERAGE_LEVELS, type CoverageLevel } from "~/domain/visits";
import { gridInScope, inScope } from "~/models/places.server";
import type { ScopedUser } from "~/models/users.server";

type Tx = TransactionSql<Record<string, never>>;

export type VisitRound = {
  id: number;
  /** The tenant key of every statement about the round (docs/decisions/011). */
  countyId: number;
  code: string;
  name: string;
  startsAt: Date;
  firstDeadline: Date;
  finalDeadline: Date;
  campaignId: number | null;
  message: string | null;
  /** The short quiz shown when a household is reached (a published survey version), if any. */
  quizVersionId: number | null;
  unreachableAfter: number;
  state: "open" | "closed";
};

const roundColumns = sql`
  r.id, r.county_id as "countyId", r.code, r.name, r.starts_at as "startsAt", r.first_deadline as "firstDeadline", r.final_deadline as "finalDeadline",
  r.campaign_id as "campaignId", r.message, r.quiz_version_id as "quizVersionId", r.unreachable_after as "unreachableAfter", r.state`;

export type NewRound = Omit<VisitRound, "id" | "countyId" | "state" | "quizVersionId"> & {
  quizVersionId?: number | null;
  targetPlaceIds: number[];
};

export async function createRound(
  actor: { id: number | null; countyId: number },
  input: NewRound,
): Promise<{ id: number } | { problem: "codeTaken" | "targetNotFound" | "noTargets" | "campaignNotFound" | "quizNotFound" }> {
  if (input.targetPlaceIds.length === 0) return { problem: "noTargets" };
  return sql.begin(async (tx) => {
    const found = await tx<{ id: number }[]>`
      select id from places where id = any(${input.targetPlaceIds}::int[]) and county_id = ${actor.countyId}
        and level in ('community', 'compound', 'building')`;
    if (found.length !== new Set(input.targetPlaceIds).size) return { problem: "targetNotFound" as const };
    // Round codes name a round in URLs without its county: unique across counties (KEY_EXCEPTIONS).
    const [taken] = await tx`select 1 from visit_rounds where code = ${input.code}`;
    if (taken) return { problem: "codeTaken" as const };
    if (input.campaignId !== null) {
      const [campaign] = await tx`select 1 from campaigns where id = ${input.campaignId} and county_id = ${actor.countyId}`;
      if (!campaign) return { problem: "campaignNotFound" as const };
    }
    const quizVersionId = input.quizVersionId ?? null;
    if (quizVersionId !== null) {
      const [version] = await tx`select 1 from survey_versions where id = ${quizVersionId} and county_id = ${actor.countyId}`;
      if (!version) return { problem: "quizNotFound" as const };
    }
    const [round] = await tx<{ id: number }[]>`
      insert into visit_rounds (county_id, code, name, starts_at, first_deadline, final_deadline, campaign_id, message, quiz_version_id,
                                unreachable_after, created_by)
      values (${actor.countyId}, ${input.code}, ${input.name}, ${input.startsAt}, ${input.firstDeadline}, ${input.finalDeadline},
              ${input.campaignId}, ${input.message}, ${quizVersionId}, ${input.unreachableAfter}, ${actor.id})
      returning id`;
    await tx`insert into visit_round_targets ${tx(found.map((p) => ({ round_id: round.id, county_id: actor.countyId, place_id: p.id })))}`;
    await recountTallies(tx, { roundId: round.id });
    return { id: round.id };
  });
}

export async function roundByCode(countyId: number, code: string): Promise<VisitRound | null> {
  const [round] = await sql<VisitRound[]>`select ${roundColumns} from visit_rounds r where r.county_id = ${countyId} and r.code = ${code}`;
  return round ?? null;
}

export async function roundById(countyId: number, id: number): Promise<VisitRound | null> {
  const [round] = await sql<VisitRound[]>`select ${roundColumns} from visit_rounds r where r.county_id = ${countyId} and r.id = ${id}`;
  return round ?? null;
}

export async function setRoundState(countyId: number, roundId: number, state: VisitRound["state"]): Promise<boolean> {
  const result = await sql`update visit_rounds set state = ${state} where id = ${roundId} and county_id = ${countyId}`;
  return result.count === 1;
}

/**
 * Moves a round's two deadlines (the start stays: logs were checked against it). The caller
 * checks their order against the start; the pace reads them at every request.
 */
export async function setRoundDeadlines(
  countyId: number,
  roundId: number,
  deadlines: Pick<VisitRound, "firstDeadline" | "finalDeadline">,
): Promise<boolean> {
  const result = await sql`
    update visit_rounds set first_deadline = ${deadlines.firstDeadline}, final_deadline = ${deadlines.finalDeadline}
    where id = ${roundId} and county_id = ${countyId}`;
  return result.count === 1;
}

// ---------------------------------------------------------------------------------------------
// Assignments

export type AssignProblem = "volunteerNotFound" | "placeNotFound";

/**
 * Gives buildings, stairwells or grids to a volunteer or to a team of the round, inside the
 * assigner's scope and the round's targets. Whoever had one of them before has it withdrawn (the
 * history stays).
 */
export async function assign(
  actor: ScopedUser & { id: number },
  round: VisitRound,
  input: ({ volunteerId: number; teamId?: undefined } | { teamId: number; volunteerId?: undefined }) & {
    placeIds?: number[];
    gridIds?: number[];
  },
): Promise<{ assigned: number } | { problem: AssignProblem }> {
  const placeIds = [...new Set(input.placeIds ?? [])];
  const gridIds = [...new Set(input.gridIds ?? [])];
  const volunteerId = input.volunteerId ?? null;
  const teamId = input.teamId ?? null;
  return sql.begin(async (tx) => {
    const [assignee] =
      teamId === null
        ? await tx`select 1 from users where id = ${volunteerId} and county_id = ${actor.countyId} and not disabled`
        : await tx`select 1 from visit_teams where id = ${teamId} and round_id = ${round.id} and county_id = ${actor.countyId}`;
    if (!assignee) return { problem: "volunteerNotFound" as const };
    const places = await tx<{ id: number }[]>`
      select p.id from places p
      where p.id = any(${placeIds}::int[]) and p.county_id = ${actor.countyId} and p.level in ('building', 'stairwell')
        and ${inScope(actor, "p.path")}
        and exists (select 1 from visit_round_targets t where t.round_id = ${round.id} and p.path @> array[t.place_id])`;
    const grids = await tx<{ id: number }[]>`
      select g.id from grids g
      where g.id = any(${gridIds}::int[]) and g.county_id = ${actor.countyId}
        and ${gridInScope(actor, "g.id")}`;
    if (places.length !== placeIds.length || grids.length !== gridIds.length) return { problem: "placeNotFound" as const };
    const now = new Date();
    await tx`
      update visit_assignments set withdrawn_at = ${now}, withdrawn_by = ${actor.id}
      where county_id = ${actor.countyId} and round_id = ${round.id} and withdrawn_at is null
        and (place_id = any(${placeIds}::int[]) or grid_id = any(${gridIds}::int[]))`;
    const rows = [
      ...places.map((p) => ({
        county_id: actor.countyId,
        round_id: round.id,
        volunteer_id: volunteerId,
        team_id: teamId,
        place_id: p.id,
        grid_id: null,
        assigned_by: actor.id,
        assigned_at: now,
      })),
      ...grids.map((g) => ({
        county_id: actor.countyId,
        round_id: round.id,
        volunteer_id: volunteerId,
        team_id: teamId,
        place_id: null,
        grid_id: g.id,
        assigned_by: actor.id,
        assigned_at: now,
      })),
    ];
    if (rows.length) await tx`insert into visit_assignments ${tx(rows)}`;
    return { assigned: rows.length };
  });
}

/** Withdraws a volunteer's assignments in a round (all, or those of some places). */
export async function withdraw(
  actor: ScopedUser & { id: number },
  round: VisitRound,
  volunteerId: number,
  placeIds?: number[],
): Promise<number> {
  const result = await sql`
    update visit_assignments a set withdrawn_at = now(), withdrawn_by = ${actor.id}
    where a.round_id = ${round.id} and a.county_id = ${actor.countyId} and a.volunteer_id = ${volunteerId} and a.withdrawn_at is null
      ${placeIds ? sql`and a.place_id = any(${placeIds}::int[])` : sql``}`;
  return result.count;
}

/** SQL: the assignment `a` is the volunteer's own or their team's (the leader is a member too). */
function assignedTo(round: Pick<VisitRound, "countyId">, volunteerId: number) {
  return sql`(a.volunteer_id = ${volunteerId} or a.team_id in (select m.team_id from visit_team_members m where m.county_id = ${round.countyId} and m.user_id = ${volunteerId}))`;
}

/** SQL: the households of the round's targets that volunteer `v` has assigned now, directly or through a team (`withdrawn` = had, no longer). */
function assignedHouseholds(round: RoundKey, volunteerId: number, { withdrawn = false } = {}) {
  const state = withdrawn ? sql`a.withdrawn_at is not null` : sql`a.withdrawn_at is null`;
  return sql`
    select h.id from households h
    where h.county_id = ${round.countyId}
      and exists (select 1 from visit_round_targets t where t.county_id = h.county_id and t.round_id = ${round.id} and h.path @> array[t.place_id])
      and exists (
        select 1 from visit_assignments a
        where a.county_id = h.county_id and a.round_id = ${round.id} and ${assignedTo(round, volunteerId)} and ${state}
          and (h.path @> array[a.place_id]
               or a.grid_id is not null
                  and h.building_id in (select building_id from grid_buildings gb where gb.county_id = h.county_id and gb.grid_id = a.grid_id)))`;
}

/** Which of these households the volunteer has assigned in the round now (`mine`), and which
 *  they had but no longer (`before`: withdrawn or reassigned while they were offline). */
export async function assignmentOf(round: VisitRound, volunteerId: number, householdIds: number[]) {
  const [assigned, formerly] = await Promise.all([
    sql<{ id: number }[]>`select id from (${assignedHouseholds(round, volunteerId)}) a where id = any(${householdIds}::int[])`,
    sql<{ id: number }[]>`
      select id from (${assignedHouseholds(round, volunteerId, { withdrawn: true })}) a where id = any(${householdIds}::int[])`,
  ]);
  return { mine: new Set(assigned.map((r) => r.id)), before: new Set(formerly.map((r) => r.id)) };
}

// ---------------------------------------------------------------------------------------------
// Logs

type LogRow = {
  householdId: number;
  id: string;
  volunteerId: number;
  outcome: VisitOutcome;
  at: Date;
  undoes: string | null;
  rejected: boolean;
};

/** A round as its statements name it: its id and its county. */
type RoundKey = Pick<VisitRound, "id" | "countyId">;

function logsOf(round: RoundKey, householdIds: number[] | null, db: Sql | Tx = sql) {
  return db<LogRow[]>`
    select l.household_id as "householdId", l.id::text as id, l.volunteer_id as "volunteerId", l.outcome, l.at,
      l.undoes::text as undoes, l.review_state = 'rejected' as rejected
    from visit_logs l
    where l.county_id = ${round.countyId} and l.round_id = ${round.id} ${householdIds ? sql`and l.household_id = any(${householdIds}::int[])` : sql``}`;
}

function groupLogs(rows: LogRow[]): Map<number, VisitLog[]> {
  const byHousehold = new Map<number, VisitLog[]>();
  for (const { householdId, ...log } of rows) byHousehold.set(householdId, [...(byHousehold.get(householdId) ?? []), log]);
  return byHousehold;
}

/** Every log of these households in the round, by household, for a status computed elsewhere (spot checks, teams). */
export async function householdLogs(round: RoundKey, householdIds: number[]): Promise<Map<number, VisitLog[]>> {
  return groupLogs(await logsOf(round, householdIds));
}

// ---------------------------------------------------------------------------------------------
// Current states (db/migrations/010_visit_states.sql, docs/decisions/009): one row per household
// with logs, written by householdVisitState over all of its logs whenever a log is stored or
// reviewed, in the same transaction. Coverage reads these rows; the logs stay the truth.

type StateRow = {
  round_id: number;
  household_id: number;
  county_id: number;
  status: HouseholdStatus;
  attempts: number;
  reached_at: Date | null;
  first_at: Date | null;
  refused_at: Date | null;
  last_at: Date | null;
  last_outcome: VisitOutcome | null;
  last_volunteer_id: number | null;
  volunteers: number[];
  conflict: boolean;
};

function stateRow(roundId: number, countyId: number, householdId: number, logs: VisitLog[], state: HouseholdVisitState): StateRow {
  return {
    round_id: roundId,
    household_id: householdId,
    county_id: countyId,
    status: state.status,
    attempts: state.attempts,
    reached_at: state.reachedAt,
    first_at: state.firstAt,
    refused_at: state.refusedAt,
    last_at: state.last?.at ?? null,
    last_outcome: state.last?.outcome ?? null,
    last_volunteer_id: state.last?.volunteerId ?? null,
    volunteers: [...new Set(logs.map((l) => l.volunteerId))].sort((a, b) => a - b),
    conflict: state.conflict,
  };
}

/** What the coverage tallies (db/migrations/014) key a household's state row by. */
type TallyState = Pick<StateRow, "household_id" | "status" | "volunteers" | "last_at">;

const rulesOf = (round: Pick<VisitRound, "unreachableAfter">) => ({ unreachableAfter: round.unreachableAfter });

/**
 * Recomputes these households' states from all of their logs, inside the transaction that wrote
 * their logs or reviews. Their state rows are locked first, in household order: a concurrent sync
 * or review of the same household waits, then reads the logs the other committed. The coverage
 * tallies (db/migrations/014) move the households from their old keys to their new ones in the
 * same transaction.
 */
async function refreshStates(
  tx: Tx,
  round: Pick<VisitRound, "id" | "countyId" | "unreachableAfter">,
  countyId: number,
  householdIds: number[],
) {
  const ids = [...new Set(householdIds)].sort((a, b) => a - b);
  if (ids.length === 0) return;
  // A new row reads as no row (pending, nobody): the tallies' "before" of a household first logged.
  const before = await tx<TallyState[]>`
    insert into visit_household_states (round_id, household_id, county_id, status, attempts)
    select ${round.id}, id, ${countyId}, 'pending', 0 from unnest(${ids}::int[]) as id order by id
    on conflict (round_id, household_id) do update set county_id = excluded.county_id
    returning household_id, status, volunteers, last_at`;
  const logs = groupLogs(await logsOf(round, ids, tx));
  const rows = ids.map((id) => {
    const own = logs.get(id) ?? [];
    return stateRow(round.id, countyId, id, own, householdVisitState(own, rulesOf(round)));
  });
  await tx`
    update visit_household_states s set status = x.status, attempts = x.attempts, reached_at = x.reached_at, first_at = x.first_at,
      refused_at = x.refused_at, last_at = x.last_at, last_outcome = x.last_outcome, last_volunteer_id = x.last_volunteer_id,
      volunteers = x.volunteers, conflict = x.conflict
    from jsonb_to_recordset(${tx.json(rows as never)}) as x(household_id int, status text, attempts int, reached_at timestamptz,
      first_at timestamptz, refused_at timestamptz, last_at timestamptz, last_outcome text, last_volunteer_id int, volunteers int[],
      conflict boolean)
    where s.county_id = ${countyId} and s.round_id = ${round.id} and s.household_id = x.household_id`;
  const after: TallyState[] = rows.map((r) => ({
    household_id: r.household_id,
    status: r.status,
    volunteers: r.volunteers,
    last_at: r.last_at,
  }));
  await tx`select visit_tally_change(${round.id}, ${tx.json(before as never)}, ${tx.json(after as never)})`;
}

/**
 * Rewrites the coverage tallies (db/migrations/014) of a round, or of every round of a county,
 * from the households and their state rows: a register import changes the households they count.
 */
export async function recountTallies(db: Sql | Tx, of: { roundId: number } | { countyId: number }) {
  await db`
    select visit_recount_tallies(r.id) from visit_rounds r
    where ${"roundId" in of ? db`r.id = ${of.roundId}` : db`r.county_id = ${of.countyId}`}`;
}

/** Every household's state of a round recomputed from its logs, in household order. */
async function* recomputedStates(db: Sql | Tx, round: VisitRound, countyId: number, chunk = 20_000): AsyncGenerator<StateRow[]> {
  let after = 0;
  for (;;) {
    const ids = (
      await db<{ id: number }[]>`
        select distinct household_id as id from visit_logs where county_id = ${countyId} and round_id = ${round.id} and household_id > ${after}
        order by household_id limit ${chunk}`
    ).map((r) => r.id);
    if (ids.length === 0) return;
    const logs = groupLogs(await logsOf(round, ids, db));
    yield ids.map((id) => stateRow(round.id, countyId, id, logs.get(id)!, householdVisitState(logs.get(id)!, rulesOf(round))));
    after = ids[ids.length - 1];
  }
}

/** Rewrites a round's state rows from its logs (after a bulk load of logs, or a repair); returns the households. */
export async function rebuildVisitStates(round: VisitRound, countyId: number): Promise<number> {
  return sql.begin(async (tx) => {
    // No log written or reviewed meanwhile.
    await tx`lock table visit_logs in share mode`;
    await tx`delete from visit_household_states where county_id = ${countyId} and round_id = ${round.id}`;
    // Statistics of what was just loaded (ANALYZE sees this transaction's rows): without them the
    // planner took 200,000 fresh state rows for a handful, and the recount of a 10× county ran
    // for more than 16 minutes instead of seconds.
    await tx`analyze visit_logs`;
    let households = 0;
    for await (const rows of recomputedStates(tx, round, countyId)) {
      for (let i = 0; i < rows.length; i += 5000) await tx`insert into visit_household_states ${tx(rows.slice(i, i + 5000))}`;
      households += rows.length;
    }
    await tx`analyze visit_household_states`;
    await recountTallies(tx, { roundId: round.id });
    return households;
  });
}

/**
 * Households whose state row disagrees with householdVisitState over their logs (0 = consistent):
 * a missing row where there are logs, a row without logs, or any field different.
 */
export async function coverageDifferences(round: VisitRound, countyId: number): Promise<number> {
  const stored = new Map(
    (await sql<StateRow[]>`select * from visit_household_states where county_id = ${countyId} and round_id = ${round.id}`).map((r) => [
      r.household_id,
      r,
    ]),
  );
  const same = (a: StateRow, b: StateRow) =>
    a.county_id === b.county_id &&
    a.status === b.status &&
    a.attempts === b.attempts &&
    a.reached_at?.getTime() === b.reached_at?.getTime() &&
    a.first_at?.getTime() === b.first_at?.getTime() &&
    a.refused_at?.getTime() === b.refused_at?.getTime() &&
    a.last_at?.getTime() === b.last_at?.getTime() &&
    a.last_outcome === b.last_outcome &&
    a.last_volunteer_id === b.last_volunteer_id &&
    a.conflict === b.conflict &&
    a.volunteers.join() === b.volunteers.join();
  let differences = 0;
  for await (const rows of recomputedStates(sql, round, countyId)) {
    for (const row of rows) {
      const kept = stored.get(row.household_id);
      if (!kept || !same(kept, row)) differences += 1;
      stored.delete(row.household_id);
    }
  }
  return differences + stored.size;
}

export type AssignmentHousehold = {
  id: number;
  room: string;
  floor: number | null;
  status: HouseholdStatus;
  attempts: number;
  lastOutcome: VisitOutcome | null;
  lastAt: Date | null;
};
export type AssignmentBuilding = {
  placeId: number;
  name: string;
  compound: string;
  stairwells: { name: string | null; households: AssignmentHousehold[] }[];
};

/** What the volunteer's phone downloads: the round, its rules and deadlines, and their households by building and stairwell. */
export async function assignmentFor(user: { id: number; countyId: number }, round: VisitRound) {
  const rows = await sql<
    {
      id: number;
      room: string;
      buildingId: number;
      building: string;
      compound: string;
      stairwell: string | null;
      stairwellOrder: number;
      buildingOrder: number;
    }[]
  >`
    select h.id, h.room, b.id as "buildingId", b.name as building, cp.name as compound,
      case when s.level = 'stairwell' then s.name end as stairwell, s.sort_order as "stairwellOrder", b.sort_order as "buildingOrder"
    from households h
    join places s on s.id = h.place_id
    join places b on b.id = h.building_id
    join places cp on cp.id = b.parent_id
    where h.county_id = ${user.countyId} and not h.vacant and h.id in (${assignedHouseholds(round, user.id)})
    order by cp.sort_order, cp.id, b.sort_order, b.id, s.sort_order, s.id, length(h.room), h.room`;
  const logs = groupLogs(
    await logsOf(
      round,
      rows.map((r) => r.id),
    ),
  );
  const buildings = new Map<number, AssignmentBuilding>();
  for (const r of rows) {
    const building = buildings.get(r.buildingId) ?? { placeId: r.buildingId, name: r.building, compound: r.compound, stairwells: [] };
    buildings.set(r.buildingId, building);
    let stairwell = building.stairwells.find((s) => s.name === r.stairwell);
    if (!stairwell) building.stairwells.push((stairwell = { name: r.stairwell, households: [] }));
    const state = householdVisitState(logs.get(r.id) ?? [], { unreachableAfter: round.unreachableAfter });
    stairwell.households.push({
      id: r.id,
      room: r.room,
      floor: floorOf(r.room),
      status: state.status,
      attempts: state.attempts,
      lastOutcome: state.last?.outcome ?? null,
      lastAt: state.last?.at ?? null,
    });
  }
  return {
    round: {
      code: round.code,
      name: round.name,
      startsAt: round.startsAt,
      firstDeadline: round.firstDeadline,
      finalDeadline: round.finalDeadline,
      state: round.state,
      message: round.message,
      rules: { unreachableAfter: round.unreachableAfter, slots: ["<12:00", "12:00–18:00", ">=18:00"], timeZone: "Asia/Shanghai" },
    },
    buildings: [...buildings.values()],
  };
}

export const MAX_VISITS_PER_REQUEST = 200;

export type VisitInput = {
  clientKey?: unknown;
  householdId?: unknown;
  outcome?: unknown;
  at?: unknown;
  note?: unknown;
  undoes?: unknown;
  deviceId?: unknown;
};
export type VisitRefusal =
  | "roundClosed"
  | "badClientKey"
  | "badHousehold"
  | "badOutcome"
  | "badTime"
  | "inFuture"
  | "beforeRound"
  | "noteTooLong"
  | "notAssigned"
  | "assignmentWithdrawn"
  | "undoNotFound"
  | "repeatedInRequest";
export type VisitResult = { clientKey: string; status: "stored" | "duplicate" | "refused"; reason?: VisitRefusal };

/**
 * Stores a phone's queued logs: one result per log, in order; a bad log never spoils the others.
 * A log whose client key is already stored (a resend) answers "duplicate" and stores nothing.
 */
export async function recordVisits(
  user: { id: number; countyId: number },
  round: VisitRound,
  visits: VisitInput[],
  now = new Date(),
): Promise<VisitResult[]> {
  type Checked = {
    index: number;
    clientKey: string;
    householdId: number;
    outcome: VisitOutcome;
    at: Date;
    note: string | null;
    undoes: string | null;
    deviceId: string | null;
  };
  const results: (VisitResult | null)[] = visits.map(() => null);
  const checked: Checked[] = [];
  const seen = new Set<string>();
  visits.forEach((v, index) => {
    const item = checkQueuedItem<VisitRefusal>(v, {
      seen,
      open: round.state === "open",
      now,
      earliest: round.startsAt,
      tooEarly: "beforeRound",
      ownChecks: () => (typeof v.outcome !== "string" || !(VISIT_OUTCOMES as readonly string[]).includes(v.outcome) ? "badOutcome" : null),
    });
    if (item.refusal) {
      results[index] = { clientKey: item.clientKey, status: "refused", reason: item.refusal };
      return;
    }
    const undoes = typeof v.undoes === "string" && v.undoes !== "" ? v.undoes : null;
    const deviceId = typeof v.deviceId === "string" ? v.deviceId.slice(0, 100) : null;
    const { clientKey, householdId, at, note } = item;
    checked.push({ index, clientKey, householdId, outcome: v.outcome as VisitOutcome, at, note, undoes, deviceId });
  });
  if (checked.length === 0) return results as VisitResult[];

  const ids = [...new Set(checked.map((c) => c.householdId))];
  const keys = checked.map((c) => c.clientKey);
  const [{ mine, before }, stored, undoTargets] = await Promise.all([
    assignmentOf(round, user.id, ids),
    sql<
      { clientKey: string }[]
    >`select client_key as "clientKey" from visit_logs where county_id = ${user.countyId} and round_id = ${round.id} and client_key = any(${keys}::text[])`,
    sql<{ id: string; clientKey: string; householdId: number; outcome: VisitOutcome }[]>`
      select id::text, client_key as "clientKey", household_id as "householdId", outcome from visit_logs
      where county_id = ${user.countyId} and round_id = ${round.id} and volunteer_id = ${user.id}
        and client_key = any(${checked.flatMap((c) => (c.undoes ? [c.undoes] : []))}::text[])`,
  ]);
  const already = new Set(stored.map((r) => r.clientKey));
  const undoable = new Map(undoTargets.map((r) => [r.clientKey, r]));
  const rows: (Checked & { undoesId: string | null })[] = [];
  for (const c of checked) {
    const refuse = (reason: VisitRefusal) => (results[c.index] = { clientKey: c.clientKey, status: "refused", reason });
    if (already.has(c.clientKey)) {
      results[c.index] = { clientKey: c.clientKey, status: "duplicate" };
      continue;
    }
    if (!mine.has(c.householdId)) {
      refuse(before.has(c.householdId) ? "assignmentWithdrawn" : "notAssigned");
      continue;
    }
    // An undo names a log of the same volunteer and household sent earlier (or earlier in this request).
    let undoesId: string | null = null;
    if (c.undoes) {
      const target = undoable.get(c.undoes) ?? null;
      const inRequest = rows.find((r) => r.clientKey === c.undoes);
      if ((!target || target.householdId !== c.householdId) && !inRequest) {
        refuse("undoNotFound");
        continue;
      }
      undoesId = target?.id ?? null;
    }
    rows.push({ ...c, undoesId });
  }
  if (rows.length > 0) {
    await sql.begin(async (tx) => {
      const insert = (r: (typeof rows)[number], undoesId: string | null) => ({
        county_id: user.countyId,
        round_id: round.id,
        household_id: r.householdId,
        volunteer_id: user.id,
        outcome: r.outcome,
        at: r.at,
        note: r.note,
        client_key: r.clientKey,
        device_id: r.deviceId,
        undoes: undoesId,
      });
      // Logs first, then undos that name a log of this same request (by its new id).
      const plain = rows.filter((r) => !r.undoes || r.undoesId);
      const later = rows.filter((r) => r.undoes && !r.undoesId);
      const inserted = plain.length
        ? await tx<{ id: string; clientKey: string }[]>`
            insert into visit_logs ${tx(plain.map((r) => insert(r, r.undoesId)))}
            on conflict (round_id, client_key) do nothing
            returning id::text, client_key as "clientKey"`
        : [];
      const newIds = new Map(inserted.map((r) => [r.clientKey, r.id]));
      const insertedLater = later.length
        ? await tx<{ clientKey: string }[]>`
            insert into visit_logs ${tx(later.map((r) => insert(r, newIds.get(r.undoes!) ?? null)))}
            on conflict (round_id, client_key) do nothing
            returning client_key as "clientKey"`
        : [];
      const stored = new Set([...inserted.map((r) => r.clientKey), ...insertedLater.map((r) => r.clientKey)]);
      for (const r of rows) results[r.index] = { clientKey: r.clientKey, status: stored.has(r.clientKey) ? "stored" : "duplicate" };
      await refreshStates(
        tx,
        round,
        user.countyId,
        rows.filter((r) => stored.has(r.clientKey)).map((r) => r.householdId),
      );
    });
  }
  return results as VisitResult[];
}

// ---------------------------------------------------------------------------------------------
// Coverage

export type CoverageUnit = {
  name: string;
  placeId: number | null;
  gridId: number | null;
  userId: number | null;
  households: number;
  toReach: number;
  reached: number;
  notHome: number;
  refused: number;
  vacant: number;
  unreachable: number;
  pending: number;
  /** reached ÷ (to reach − found vacant): a census of the round's households, not a sample. */
  coverage: { successes: number; n: number; rate: number | null };
};

const DEPTH: Partial<Record<CoverageLevel, number>> = { county: 1, street: 2, community: 3, compound: 4, building: 5 };

/** Counts of households by status (SQL select list over tally rows c: db/migrations/014). */
const statusCounts = sql`
  sum(c.register_vacant + c.pending + c.not_home + c.reached + c.refused + c.vacant + c.unreachable)::int as households,
  sum(c.pending + c.not_home + c.reached + c.refused + c.vacant + c.unreachable)::int as "toReach",
  sum(c.reached)::int as reached, sum(c.not_home)::int as "notHome", sum(c.refused)::int as refused,
  sum(c.vacant)::int as vacant, sum(c.unreachable)::int as unreachable, sum(c.pending)::int as pending`;

type Counts = Pick<CoverageUnit, "households" | "toReach" | "reached" | "notHome" | "refused" | "vacant" | "unreachable" | "pending">;
const COUNT_KEYS = ["households", "toReach", "reached", "notHome", "refused", "vacant", "unreachable", "pending"] as const;

type PlaceCounts = Counts & { placeId: number; path: number[]; name: string; userId: number | null };

const TALLIES = { places: sql`visit_place_counts`, areas: sql`visit_area_counts`, volunteers: sql`visit_volunteer_counts` };

/** SQL: the tally rows c (joined with their places p) of the round inside the scope, of one depth (places.path length) if given. */
function tallyRows(
  user: ScopedUser,
  round: Pick<VisitRound, "id">,
  tally: keyof typeof TALLIES,
  depth: number | null,
  unitOf?: ReturnType<typeof sql>,
) {
  return sql`
    from ${TALLIES[tally]} c join places p on p.id = c.place_id ${unitOf ? sql`join places u on u.id = ${unitOf}` : sql``}
    where c.round_id = ${round.id} and p.county_id = ${user.countyId} and ${inScope(user, "p.path")}
      ${depth === null ? sql`` : sql`and array_length(p.path, 1) = ${depth}`}`;
}

/**
 * Tally rows (db/migrations/014) of the round inside the scope, by place: `places` by the place
 * households live in (stairwell or building), `areas` by every place of their paths and
 * `volunteers` by area and volunteer who logged them.
 */
function tallyCounts(user: ScopedUser, round: Pick<VisitRound, "id">, tally: keyof typeof TALLIES, depth: number | null) {
  const byVolunteer = tally === "volunteers";
  return sql<PlaceCounts[]>`
    select p.id as "placeId", p.path, p.name, ${byVolunteer ? sql`c.volunteer_id` : sql`null::int`} as "userId", ${statusCounts}
    ${tallyRows(user, round, tally, depth)}
    group by p.id ${byVolunteer ? sql`, c.volunteer_id` : sql``}
    order by p.path ${byVolunteer ? sql`, c.volunteer_id` : sql``}`;
}

const blankCounts = (): Counts => ({
  households: 0,
  toReach: 0,
  reached: 0,
  notHome: 0,
  refused: 0,
  vacant: 0,
  unreachable: 0,
  pending: 0,
});
const addCounts = (u: Counts, c: Counts) => {
  for (const k of COUNT_KEYS) u[k] += c[k];
};
const withRate = <U extends Counts>(u: U): U & Pick<CoverageUnit, "coverage"> => {
  const n = u.toReach - u.vacant;
  return { ...u, coverage: { successes: u.reached, n, rate: n > 0 ? u.reached / n : null } };
};

/**
 * The units of the levels that are not places: grids and responsible units (a building counts in
 * each of its grids) from the buildings' rows, volunteers from the scope's own rows per volunteer.
 */
async function otherUnits(user: ScopedUser, round: Pick<VisitRound, "id">, level: "grid" | "unit" | "volunteer", scopeDepth: number) {
  type Who = Pick<CoverageUnit, "name" | "placeId" | "gridId" | "userId">;
  const units = new Map<string, Counts & Who>();
  const addTo = (key: string, who: () => Who, c: Counts) => {
    let u = units.get(key);
    if (!u) units.set(key, (u = { ...who(), ...blankCounts() }));
    addCounts(u, c);
  };
  if (level === "volunteer") {
    const [rows, people] = await Promise.all([
      tallyCounts(user, round, "volunteers", scopeDepth),
      sql<{ id: number; name: string }[]>`select id, display_name as name from users where county_id = ${user.countyId}`,
    ]);
    const names = new Map(people.map((r) => [r.id, r.name]));
    for (const p of rows) {
      const v = p.userId!;
      addTo(`v${v}`, () => ({ name: names.get(v) ?? String(v), placeId: null, gridId: null, userId: v }), p);
    }
    return [...units.values()];
  }
  const [rows, grids] = await Promise.all([
    tallyCounts(user, round, "areas", Math.max(DEPTH.building!, scopeDepth)),
    sql<{ buildingId: number; id: number; name: string; unit: string | null }[]>`
      select gb.building_id as "buildingId", g.id, g.name, g.responsible_unit as unit
      from grid_buildings gb join grids g on g.id = gb.grid_id where g.county_id = ${user.countyId}`,
  ]);
  const gridsOf = new Map<number, { id: number; name: string; unit: string | null }[]>();
  for (const g of grids) gridsOf.set(g.buildingId, [...(gridsOf.get(g.buildingId) ?? []), g]);
  for (const p of rows)
    for (const g of gridsOf.get(p.path[DEPTH.building! - 1]) ?? []) {
      if (level === "grid") addTo(`g${g.id}`, () => ({ name: g.name, placeId: null, gridId: g.id, userId: null }), p);
      else if (g.unit) addTo(`u${g.unit}`, () => ({ name: g.unit!, placeId: null, gridId: null, userId: null }), p);
    }
  return [...units.values()];
}

/** How many days of finished households the pace reads: its last three days, with a day to spare. */
const PACE_WINDOW_DAYS = 4;

/**
 * Households to reach and their statuses per unit of a level, inside the user's scope, from the
 * tallies (db/migrations/014): the areas of the level's depth (or of the scope's, when it lies
 * deeper: a community's staff see their community as the county's one unit) added up in SQL by
 * their area at the level's depth, the households' places for stairwells, the buildings for grids
 * and responsible units, the scope's own rows per volunteer; the total from the scope's own rows.
 * `finishedByDay`: households that got their final status (reached, refused, vacant,
 * unreachable) per Beijing day of their last counted log, over the last few days (the pace).
 */
export async function coverage(
  user: ScopedUser,
  round: VisitRound,
  level: CoverageLevel,
  now = new Date(),
): Promise<{ units: CoverageUnit[]; total: CoverageUnit; finishedByDay: FinishedDay[] }> {
  // A grid scope is its buildings.
  const [scope] =
    user.scopeGridId !== null
      ? [{ depth: DEPTH.building! }]
      : await sql<
          { depth: number }[]
        >`select array_length(path, 1) as depth from places where county_id = ${user.countyId} and id = ${user.scopePlaceId}`;
  const scopeDepth = scope?.depth ?? 1;
  const levelDepth = DEPTH[level];
  type Who = Pick<CoverageUnit, "name" | "placeId" | "gridId" | "userId">;
  const [units, scopeRows, finishedByDay] = await Promise.all([
    levelDepth !== undefined || level === "stairwell"
      ? sql<(Counts & Who)[]>`
          select u.name, u.id as "placeId", null::int as "gridId", null::int as "userId", ${statusCounts}
          ${
            levelDepth === undefined
              ? tallyRows(user, round, "places", null, sql`p.id`)
              : tallyRows(user, round, "areas", Math.max(levelDepth, scopeDepth), sql`p.path[${levelDepth}]`)
          }
          group by u.id order by u.path`
      : otherUnits(user, round, level as "grid" | "unit" | "volunteer", scopeDepth),
    tallyCounts(user, round, "areas", scopeDepth),
    sql<FinishedDay[]>`
      select to_char(f.day, 'YYYY-MM-DD') as day, sum(f.households)::int as households
      from visit_finished_days f join places p on p.id = f.place_id
      where f.round_id = ${round.id} and f.day >= ${beijingDay(new Date(now.getTime() - PACE_WINDOW_DAYS * 86_400_000))}::date
        and p.county_id = ${user.countyId} and ${inScope(user, "p.path")} and array_length(p.path, 1) = ${scopeDepth}
      group by f.day order by f.day`,
  ]);
  const total: Counts & Who = { ...blankCounts(), name: "", placeId: user.scopePlaceId, gridId: user.scopeGridId, userId: null };
  for (const p of scopeRows) addCounts(total, p);
  return { units: units.map(withRate), total: withRate(total), finishedByDay };
}
/** The open rounds in which the user has something assigned now, newest first. */
export async function roundsAssignedTo(user: { id: number; countyId: number }): Promise<(VisitRound & { assignments: number })[]> {
  return sql<(VisitRound & { assignments: number })[]>`
    select ${roundColumns}, count(a.id)::int as assignments
    from visit_rounds r join visit_assignments a on a.county_id = r.county_id and a.round_id = r.id and ${assignedTo(user, user.id)} and a.withdrawn_at is null
    where r.county_id = ${user.countyId} and r.state = 'open'
    group by r.id order by r.starts_at desc, r.id desc`;
}

/** The county's rounds, newest first. */
export async function listRounds(countyId: number): Promise<VisitRound[]> {
  return sql<VisitRound[]>`select ${roundColumns} from visit_rounds r where r.county_id = ${countyId} order by r.starts_at desc, r.id desc`;
}

/**
 * The county's rounds and the one a page shows: the round with this code (undefined when the code
 * is unknown: the pages answer 404), else the open round with the most households logged (a round
 * just opened with nothing logged does not take over the pages, as with campaigns), else the round
 * with the most, else the newest. Ties go to the newer round (the list is newest first).
 */
export async function chooseRound(
  countyId: number,
  code: string | null | undefined,
): Promise<{ rounds: VisitRound[]; round: VisitRound | null | undefined }> {
  const rounds = await listRounds(countyId);
  if (code) return { rounds, round: rounds.find((r) => r.code === code) };
  if (rounds.length <= 1) return { rounds, round: rounds[0] ?? null };
  const counts = await sql<{ roundId: number; households: number }[]>`
    select round_id as "roundId", count(*)::int as households from visit_household_states
    where county_id = ${countyId} and round_id = any(${rounds.map((r) => r.id)}::int[]) group by round_id`;
  const logged = new Map(counts.map((c) => [c.roundId, c.households]));
  const most = (list: VisitRound[]) =>
    list.reduce<VisitRound | null>((best, r) => {
      const n = logged.get(r.id) ?? 0;
      return n > 0 && (!best || n > (logged.get(best.id) ?? 0)) ? r : best;
    }, null);
  return { rounds, round: most(rounds.filter((r) => r.state === "open")) ?? most(rounds) ?? rounds[0] };
}

/** A building's households by stairwell and floor, each with its status, inside the user's scope; null outside it. */
export async function buildingVisits(user: ScopedUser, round: VisitRound, buildingId: number) {
  const [building] = await sql<{ id: number; name: string; compound: string }[]>`
    select b.id, b.name, cp.name as compound from places b join places cp on cp.id = b.parent_id
    where b.id = ${buildingId} and b.county_id = ${user.countyId} and b.level = 'building' and ${inScope(user, "b.path")}`;
  if (!building) return null;
  const rows = await sql<{ id: number; room: string; vacant: boolean; stairwell: string | null }[]>`
    select h.id, h.room, h.vacant, case when s.level = 'stairwell' then s.name end as stairwell
    from households h join places s on s.id = h.place_id
    where h.building_id = ${buildingId} and h.county_id = ${user.countyId}
    order by s.sort_order, s.id, length(h.room), h.room`;
  const logs = groupLogs(
    await logsOf(
      round,
      rows.map((r) => r.id),
    ),
  );
  const stairwells: {
    name: string | null;
    households: { id: number; room: string; floor: number | null; status: HouseholdStatus | "registerVacant"; attempts: number }[];
  }[] = [];
  for (const r of rows) {
    let s = stairwells.find((x) => x.name === r.stairwell);
    if (!s) stairwells.push((s = { name: r.stairwell, households: [] }));
    const state = householdVisitState(logs.get(r.id) ?? [], { unreachableAfter: round.unreachableAfter });
    s.households.push({
      id: r.id,
      room: r.room,
      floor: floorOf(r.room),
      status: r.vacant ? "registerVacant" : state.status,
      attempts: state.attempts,
    });
  }
  return { building, stairwells };
}

export type ActionLists = {
  /** Not home so far: where to knock again, and at which times of day nobody has tried yet. */
  revisit: { address: string; attempts: number; lastAt: Date | null; untried: TimeSlot[] }[];
  refusals: { address: string; volunteer: string; at: Date | null }[];
  /** Buildings of the round in the scope without a single counted log. */
  notStarted: { building: string; households: number; volunteer: string | null }[];
  /** Volunteers with something assigned and no log for two days. */
  quiet: { volunteer: string; lastAt: Date | null; buildings: number }[];
};

const QUIET_MS = 2 * 86_400_000;

/** The lists the office acts on each evening, inside the user's scope. */
export async function actionLists(user: ScopedUser, round: VisitRound, now = new Date()): Promise<ActionLists> {
  const households = await sql<{ id: number; address: string; buildingId: number; building: string; vacant: boolean }[]>`
    select h.id, h.building_id as "buildingId", h.vacant,
      concat_ws(' ', cm.name, cp.name, b.name, case when s.level = 'stairwell' then s.name end, h.room) as address,
      concat_ws(' ', cm.name, cp.name, b.name) as building
    from households h
    join places s on s.id = h.place_id join places b on b.id = h.building_id
    join places cp on cp.id = b.parent_id join places cm on cm.id = cp.parent_id
    where h.county_id = ${user.countyId} and ${inScope(user, "h.path")}
      and exists (select 1 from visit_round_targets t where t.round_id = ${round.id} and h.path @> array[t.place_id])
    order by cm.sort_order, cm.id, cp.sort_order, cp.id, b.sort_order, b.id, s.sort_order, s.id, length(h.room), h.room`;
  const logs = groupLogs(
    await logsOf(
      round,
      households.map((h) => h.id),
    ),
  );
  const people = new Map(
    (await sql<{ id: number; name: string }[]>`select id, display_name as name from users where county_id = ${user.countyId}`).map((u) => [
      u.id,
      u.name,
    ]),
  );
  const revisit: ActionLists["revisit"] = [];
  const refusals: ActionLists["refusals"] = [];
  const buildings = new Map<number, { building: string; households: number; logged: boolean }>();
  for (const h of households) {
    const state = householdVisitState(logs.get(h.id) ?? [], { unreachableAfter: round.unreachableAfter });
    const b = buildings.get(h.buildingId) ?? { building: h.building, households: 0, logged: false };
    b.households += h.vacant ? 0 : 1;
    b.logged ||= state.attempts > 0;
    buildings.set(h.buildingId, b);
    if (h.vacant) continue;
    if (state.status === "notHome")
      revisit.push({
        address: h.address,
        attempts: state.attempts,
        lastAt: state.last?.at ?? null,
        untried: state.untriedSlots,
      });
    if (state.status === "refused")
      refusals.push({ address: h.address, volunteer: people.get(state.last!.volunteerId) ?? "", at: state.last?.at ?? null });
  }
  const assignees = await sql<{ volunteerId: number; placeId: number | null; lastAt: Date | null }[]>`
    select a.volunteer_id as "volunteerId", a.place_id as "placeId",
      (select max(l.at) from visit_logs l where l.round_id = ${round.id} and l.volunteer_id = a.volunteer_id) as "lastAt"
    from visit_assignments a left join places p on p.id = a.place_id
    where a.round_id = ${round.id} and a.county_id = ${user.countyId} and a.withdrawn_at is null and a.volunteer_id is not null
      and (p.id is null or ${inScope(user, "p.path")})`;
  const buildingOfPlace = new Map<number, number>();
  for (const a of assignees) if (a.placeId !== null) buildingOfPlace.set(a.placeId, a.volunteerId);
  const notStarted = [...buildings]
    .filter(([, b]) => !b.logged && b.households > 0)
    .map(([id, b]) => ({
      building: b.building,
      households: b.households,
      volunteer: buildingOfPlace.has(id) ? (people.get(buildingOfPlace.get(id)!) ?? null) : null,
    }));
  const byVolunteer = new Map<number, { lastAt: Date | null; buildings: number }>();
  for (const a of assignees) {
    const v = byVolunteer.get(a.volunteerId) ?? { lastAt: a.lastAt, buildings: 0 };
    v.buildings += 1;
    byVolunteer.set(a.volunteerId, v);
  }
  const quiet = [...byVolunteer]
    .filter(([, v]) => !v.lastAt || now.getTime() - v.lastAt.getTime() > QUIET_MS)
    .map(([id, v]) => ({ volunteer: people.get(id) ?? String(id), lastAt: v.lastAt, buildings: v.buildings }));
  return { revisit, refusals, notStarted, quiet };
}

/** People who can be given buildings by this user: volunteers, grid leaders and community staff of the user's area. */
export async function assignablePeople(user: ScopedUser): Promise<{ id: number; name: string; role: string }[]> {
  return sql<{ id: number; name: string; role: string }[]>`
    select u.id, u.display_name as name, u.role from users u join places p on p.id = u.scope_place_id
    where u.county_id = ${user.countyId} and not u.disabled and u.role in ('volunteer', 'grid_leader', 'community_staff')
      and (${inScope(user, "p.path")} or p.path @> array[${user.scopePlaceId}]::int[])
    order by u.role <> 'volunteer', u.display_name, u.id`;
}

export type RoundBuilding = {
  id: number;
  name: string;
  compound: string;
  community: string;
  households: number;
  volunteer: string | null;
  /** The team that has the whole building now, if a team has it. */
  team: string | null;
  stairwellsAssigned: number;
};

/** The round's buildings inside the user's scope, with who has each now. */
export async function roundBuildings(user: ScopedUser, round: VisitRound): Promise<RoundBuilding[]> {
  return sql<RoundBuilding[]>`
    select b.id, b.name, cp.name as compound, cm.name as community,
      (select count(*)::int from households h where h.building_id = b.id and not h.vacant) as households,
      (select u.display_name from visit_assignments a join users u on u.id = a.volunteer_id
        where a.round_id = ${round.id} and a.place_id = b.id and a.withdrawn_at is null limit 1) as volunteer,
      (select t.name from visit_assignments a join visit_teams t on t.id = a.team_id
        where a.round_id = ${round.id} and a.place_id = b.id and a.withdrawn_at is null limit 1) as team,
      (select count(*)::int from visit_assignments a join places s on s.id = a.place_id
        where a.round_id = ${round.id} and s.parent_id = b.id and a.withdrawn_at is null) as "stairwellsAssigned"
    from places b join places cp on cp.id = b.parent_id join places cm on cm.id = cp.parent_id
    where b.county_id = ${user.countyId} and b.level = 'building' and ${inScope(user, "b.path")}
      and exists (select 1 from visit_round_targets t where t.round_id = ${round.id} and b.path @> array[t.place_id])
    order by cm.sort_order, cm.id, cp.sort_order, cp.id, b.sort_order, b.id`;
}

/** Withdraws whatever is assigned of these buildings (the buildings and their stairwells) inside the user's scope. */
export async function withdrawPlaces(actor: ScopedUser & { id: number }, round: VisitRound, buildingIds: number[]): Promise<number> {
  const result = await sql`
    update visit_assignments a set withdrawn_at = now(), withdrawn_by = ${actor.id}
    from places p
    where a.round_id = ${round.id} and a.county_id = ${actor.countyId} and a.withdrawn_at is null and p.id = a.place_id
      and (p.id = any(${buildingIds}::int[]) or p.parent_id = any(${buildingIds}::int[])) and ${inScope(actor, "p.path")}`;
  return result.count;
}

export type FlaggedLog = {
  id: string;
  address: string;
  volunteer: string;
  outcome: VisitOutcome;
  at: Date;
  note: string | null;
  signals: Signal[];
  review: "unreviewed" | "accepted" | "rejected";
  reason: string | null;
};

/** The round's logs inside the user's scope that raise a fabrication signal: not yet reviewed first, the most signals first. */
export async function flaggedLogs(user: ScopedUser, round: VisitRound): Promise<FlaggedLog[]> {
  const rows = await sql<
    (SignalLog & {
      address: string;
      volunteer: string;
      outcome: VisitOutcome;
      review: FlaggedLog["review"];
      reason: string | null;
      room: string;
    })[]
  >`
    select l.id::text as id, l.volunteer_id as "volunteerId", l.household_id as "householdId", h.building_id as "buildingId", h.room,
      l.at, l.note, l.device_id as "deviceId", l.outcome, l.review_state as review, l.review_reason as reason, u.display_name as volunteer,
      exists (select 1 from spot_check_households sh
              where sh.visit_log_id = l.id
                and (select r.result from spot_check_results r where r.spot_check_id = sh.spot_check_id and r.household_id = sh.household_id
                     order by r.at desc, r.id desc limit 1) = 'notConfirmed') as "checkFailed",
      concat_ws(' ', cp.name, b.name, case when s.level = 'stairwell' then s.name end, h.room) as address
    from visit_logs l
    join households h on h.id = l.household_id join places s on s.id = h.place_id join places b on b.id = h.building_id
    join places cp on cp.id = b.parent_id join users u on u.id = l.volunteer_id
    where l.round_id = ${round.id} and l.county_id = ${user.countyId} and ${inScope(user, "h.path")}`;
  const signals = fabricationSignals(rows.map((r) => ({ ...r, floor: floorOf(r.room) })));
  return (
    rows
      .filter((r) => signals.has(r.id))
      .map((r) => ({
        id: r.id,
        address: r.address,
        volunteer: r.volunteer,
        outcome: r.outcome,
        at: r.at,
        note: r.note,
        signals: [...signals.get(r.id)!],
        review: r.review,
        reason: r.reason,
      }))
      // Not yet reviewed first, the most signals first, then the newest.
      .sort(
        (a, b) =>
          Number(a.review !== "unreviewed") - Number(b.review !== "unreviewed") ||
          b.signals.length - a.signals.length ||
          b.at.getTime() - a.at.getTime(),
      )
  );
}

/** Accepts or rejects logs (a rejection needs a reason); a rejected log stays in the history and stops counting. */
export async function reviewLogs(
  actor: ScopedUser & { id: number },
  round: VisitRound,
  ids: string[],
  decision: { state: "accepted" | "rejected"; reason: string | null },
): Promise<number> {
  return sql.begin(async (tx) => {
    const reviewed = await tx<{ householdId: number }[]>`
      update visit_logs l set review_state = ${decision.state}, review_reason = ${decision.reason}, reviewed_by = ${actor.id}, reviewed_at = now()
      from households h
      where l.id = any(${ids}::bigint[]) and l.round_id = ${round.id} and l.county_id = ${actor.countyId}
        and h.id = l.household_id and ${inScope(actor, "h.path")}
      returning l.household_id as "householdId"`;
    await refreshStates(
      tx,
      round,
      actor.countyId,
      reviewed.map((r) => r.householdId),
    );
    return reviewed.length;
  });
}
