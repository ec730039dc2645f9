// Each called ticket's callback state row (db/migrations/020_callback_states.sql): its calls and
// follow-ups read back (histories), the state app/domain/callbacks.ts computes from them, and the
// row written from it, checked against a recomputation, rebuilt after a bulk load. Every function
// takes its connection (no ~/db.server here): migration 020 runs the rebuild in its own
// transaction, before the app's environment is complete.
import type { Sql, TransactionSql } from "postgres";
import {
  callbackState,
  type Attempt,
  type CallbackState,
  type FollowUpStatus,
  type Outcome,
  type Rating,
  type Round,
} from "~/domain/callbacks";

export type CallbackRow = {
  id: string;
  round: Round;
  outcome: Outcome;
  calledAt: Date;
  satisfaction: Rating | null;
  resolved: boolean | null;
  notes: string | null;
  outsideHours: boolean;
  agent: string;
};

const toAttempt = (c: CallbackRow): Attempt => ({
  round: c.round,
  outcome: c.outcome,
  calledAt: c.calledAt,
  satisfaction: c.satisfaction,
  resolved: c.resolved,
});

export type Db = Sql | TransactionSql<Record<string, never>>;

/**
 * Rated unsatisfied or not rated originally (a ticket `t`): called first inside a round. The state
 * rows keep it as `urgent` (migration 020's trigger writes the same expression).
 */
export const urgentTicket = (db: Db) => db.unsafe(`(t.original_satisfaction is null or t.original_satisfaction = 'unsatisfied')`);
export type History = { callbacks: CallbackRow[]; followUps: FollowUpStatus[]; state: CallbackState };

/** Attempts and follow-ups of some tickets, and each ticket's state. */
export async function histories(tx: Db, countyId: number, ticketIds: number[]): Promise<Map<number, History>> {
  if (ticketIds.length === 0) return new Map();
  const [callbacks, followUps] = await Promise.all([
    tx<(CallbackRow & { ticketId: number })[]>`
      select c.id::text, c.ticket_id as "ticketId", c.round, c.outcome, c.called_at as "calledAt", c.satisfaction, c.resolved,
             c.notes, c.outside_hours as "outsideHours", u.display_name as agent
      from callbacks c join users u on u.id = c.agent_id
      where c.county_id = ${countyId} and c.ticket_id = any(${ticketIds}::int[])
      order by c.called_at, c.id`,
    tx<(FollowUpStatus & { ticketId: number })[]>`
      select ticket_id as "ticketId", status, done_at as "doneAt" from followups
      where county_id = ${countyId} and ticket_id = any(${ticketIds}::int[])`,
  ]);
  // Grouped in one pass each (a queue page asks for thousands of tickets at once).
  const byTicket = <T extends { ticketId: number }>(rows: T[]) => {
    const grouped = new Map<number, T[]>();
    for (const row of rows) {
      const list = grouped.get(row.ticketId);
      if (list) list.push(row);
      else grouped.set(row.ticketId, [row]);
    }
    return grouped;
  };
  const callbacksOf = byTicket(callbacks);
  const tasksOf = byTicket(followUps);
  const result = new Map<number, History>();
  for (const id of ticketIds) {
    const mine = callbacksOf.get(id) ?? [];
    const tasks = tasksOf.get(id) ?? [];
    result.set(id, { callbacks: mine, followUps: tasks, state: callbackState(mine.map(toAttempt), tasks) });
  }
  return result;
}

/**
 * Writes the state rows (db/migrations/020) of some tickets from their calls and follow-ups: in
 * the transaction of the call or follow-up that changed them, with the ticket's row locked, or
 * after a bulk load. A ticket with neither has no row.
 */
export async function writeCallbackStates(db: Db, countyId: number, ticketIds: number[], known?: Map<number, History>): Promise<void> {
  if (ticketIds.length === 0) return;
  const history = known ?? (await histories(db, countyId, ticketIds));
  const rows = ticketIds.flatMap((id) => {
    const h = history.get(id);
    return h && (h.callbacks.length > 0 || h.followUps.length > 0) ? [stateRow(id, h.state)] : [];
  });
  if (rows.length < ticketIds.length) {
    const kept = new Set(rows.map((r) => r.ticket_id));
    await db`delete from ticket_callback_states where county_id = ${countyId} and ticket_id = any(${ticketIds.filter((id) => !kept.has(id))}::int[])`;
  }
  if (rows.length > 0)
    await db`
      insert into ticket_callback_states (ticket_id, county_id, kind, round, failed, urgent, completed_at, department_id, category, street)
      select r.ticket_id, t.county_id, r.kind, r.round, r.failed,
             ${urgentTicket(db)}, t.completed_at, t.department_id, t.category, t.street
      from unnest(${rows.map((r) => r.ticket_id)}::int[], ${rows.map((r) => r.kind)}::text[], ${rows.map((r) => r.round)}::int[],
                  ${rows.map((r) => r.failed)}::int[]) as r(ticket_id, kind, round, failed)
        join tickets t on t.id = r.ticket_id and t.county_id = ${countyId}
      on conflict (ticket_id) do update set kind = excluded.kind, round = excluded.round, failed = excluded.failed,
        urgent = excluded.urgent, completed_at = excluded.completed_at, department_id = excluded.department_id,
        category = excluded.category, street = excluded.street`;
}

type StateRow = { ticket_id: number; kind: CallbackState["kind"]; round: Round; failed: number };
const stateRow = (ticketId: number, state: CallbackState): StateRow => ({
  ticket_id: ticketId,
  kind: state.kind,
  round: state.round,
  failed: state.kind === "due" ? state.failed : 0,
});

/** The tickets of a county (or of every county) with a call or a follow-up, in id order, a chunk at a time. */
async function* calledTickets(db: Db, countyId: number | null, chunk = 5000) {
  let after = 0;
  for (;;) {
    const rows = await db<{ id: number; countyId: number }[]>`
      select t.id, t.county_id as "countyId" from tickets t
      where t.id > ${after} ${countyId === null ? db`` : db`and t.county_id = ${countyId}`}
        and (exists (select 1 from callbacks c where c.ticket_id = t.id) or exists (select 1 from followups f where f.ticket_id = t.id))
      order by t.id limit ${chunk}`;
    if (rows.length === 0) return;
    yield rows;
    after = rows[rows.length - 1].id;
  }
}

/**
 * Rewrites the state rows from the calls and follow-ups (migration 020's backfill, a bulk load, a
 * repair) of one county, or of all when `countyId` is null; returns the tickets written. Calls
 * and follow-ups are locked against writes meanwhile.
 */
export async function rebuildCallbackStates(db: Db, countyId: number | null = null): Promise<number> {
  const run = async (tx: Db) => {
    await tx`lock table callbacks, followups in share mode`;
    await tx`delete from ticket_callback_states ${countyId === null ? tx`` : tx`where county_id = ${countyId}`}`;
    let written = 0;
    for await (const rows of calledTickets(tx, countyId)) {
      const byCounty = new Map<number, number[]>();
      for (const r of rows) {
        const ids = byCounty.get(r.countyId);
        if (ids) ids.push(r.id);
        else byCounty.set(r.countyId, [r.id]);
      }
      for (const [county, ids] of byCounty) await writeCallbackStates(tx, county, ids);
      written += rows.length;
    }
    return written;
  };
  // Inside a transaction already (migration 020's), or one of its own.
  return "savepoint" in db ? run(db) : db.begin(run);
}

/**
 * Tickets whose state row disagrees with callbackState over their calls and follow-ups, or whose
 * order keys with the ticket (0 = consistent), a missing or stray row included.
 */
export async function callbackStateDifferences(db: Db, countyId: number): Promise<number> {
  type Stored = StateRow & { same_order: boolean };
  const stored = new Map(
    (
      await db<Stored[]>`
        select s.ticket_id, s.kind, s.round, s.failed,
               (s.urgent = ${urgentTicket(db)} and (s.completed_at, s.department_id, s.category, s.street)
                 is not distinct from (t.completed_at, t.department_id, t.category, t.street)) as same_order
        from ticket_callback_states s left join tickets t on t.id = s.ticket_id
        where s.county_id = ${countyId}`
    ).map((r) => [r.ticket_id, r]),
  );
  let differences = 0;
  for await (const rows of calledTickets(db, countyId)) {
    const ids = rows.map((r) => r.id);
    const history = await histories(db, countyId, ids);
    for (const id of ids) {
      const want = stateRow(id, history.get(id)!.state);
      const got = stored.get(id);
      stored.delete(id);
      if (!got || !got.same_order || got.kind !== want.kind || got.round !== want.round || got.failed !== want.failed) differences++;
    }
  }
  return differences + stored.size;
}
