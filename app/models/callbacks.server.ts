// The callback workbench's data (db/migrations/012_callbacks.sql): the queue, an agent's claim on
// a ticket, revealing the held ticket's number (audited by the route), and recording a call. A
// ticket's callback state is computed from its attempts and follow-ups by app/domain/callbacks.ts.
import type { TransactionSql } from "postgres";
import { sql, type Sql } from "~/db.server";
import {
  callbackState,
  MAX_FAILED_SLOTS,
  needsFollowUp,
  outsideCallingHours,
  RETRY_OUTCOMES,
  type Attempt,
  type CallbackState,
  type FollowUpStatus,
  type Outcome,
  type Rating,
  type Round,
  type ScriptResult,
} from "~/domain/callbacks";
import { monthsBefore, DEFAULT_SAMPLE_RULE } from "~/domain/tickets";
import type { CurrentUser } from "~/models/users.server";
import { decryptPhone } from "~/utils/phone-crypto.server";

/** How long a claim holds a ticket for its agent. */
export const HOLD_MINUTES = 30;
/** Days the department has for a follow-up, from the callback that opened it. */
export const FOLLOW_UP_DAYS = 5;

type Agent = Pick<CurrentUser, "id" | "countyId">;

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

export type FollowUpRow = {
  id: number;
  ticketId: number;
  ticketNo: string;
  callbackId: string;
  department: string | null;
  departmentId: number | null;
  category: string | null;
  content: string | null;
  dueAt: Date;
  status: "open" | "done";
  notes: string | null;
  createdAt: Date;
  doneAt: Date | null;
  doneBy: string | null;
  doneNotes: string | null;
  overdue: boolean;
};

const toAttempt = (c: CallbackRow): Attempt => ({
  round: c.round,
  outcome: c.outcome,
  calledAt: c.calledAt,
  satisfaction: c.satisfaction,
  resolved: c.resolved,
});

/** Attempts and follow-ups of some tickets, and each ticket's state. */
async function histories(tx: Sql | TransactionSql<Record<string, never>>, countyId: number, ticketIds: number[]) {
  if (ticketIds.length === 0) return new Map<number, { callbacks: CallbackRow[]; followUps: FollowUpStatus[]; state: CallbackState }>();
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
  const result = new Map<number, { callbacks: CallbackRow[]; followUps: FollowUpStatus[]; state: CallbackState }>();
  for (const id of ticketIds) {
    const mine = callbacksOf.get(id) ?? [];
    const tasks = tasksOf.get(id) ?? [];
    result.set(id, { callbacks: mine, followUps: tasks, state: callbackState(mine.map(toAttempt), tasks) });
  }
  return result;
}

/** The id of the county's current evaluation sample (its latest draw), or null. */
export async function currentSampleId(countyId: number): Promise<number | null> {
  const [row] = await sql<{ id: number }[]>`select id from evaluation_samples where county_id = ${countyId} order by id desc limit 1`;
  return row?.id ?? null;
}

export type QueueFilters = { departmentId: number | null; category: string | null; street: string | null };

export type QueueItem = {
  id: number;
  ticketNo: string;
  completedAt: Date;
  department: string | null;
  category: string | null;
  street: string | null;
  community: string | null;
  phoneMasked: string | null;
  originalSatisfaction: Rating | null;
  inSample: boolean;
  round: Round;
  failed: number;
  triedSlots: string[];
  heldBy: string | null;
  heldByMe: boolean;
};

/** A call's time slot as `timeSlot` (app/domain/visits.ts) has it: before 12:00, 12:00–18:00, after 18:00 Beijing. */
const slotOf = (at: ReturnType<typeof sql>) => sql`
  case when extract(hour from ${at} at time zone 'Asia/Shanghai') < 12 then 0
       when extract(hour from ${at} at time zone 'Asia/Shanghai') < 18 then 1 else 2 end`;
/** Rated unsatisfied or not rated originally: called first inside a round. */
const urgentTicket = sql`(t.original_satisfaction is null or t.original_satisfaction = 'unsatisfied')`;
const urgentFirst = sql`${urgentTicket} desc`;

/**
 * Tickets with a call due, by priority: in the current evaluation sample first, then second
 * callbacks, then those rated unsatisfied or not rated originally, most recently completed first.
 * Candidates are tickets completed in the evaluation's window (the 6 months before now) with a
 * number; each source is read by an index in priority order and cut at `limit`, so the page does
 * not grow with the number of tickets.
 */
export async function callbackQueue(user: Agent, filters: QueueFilters, { now = new Date(), limit = 50 } = {}): Promise<QueueItem[]> {
  const from = monthsBefore(now, DEFAULT_SAMPLE_RULE.months);
  const sampleId = await currentSampleId(user.countyId);
  const where = sql`t.county_id = ${user.countyId} and t.phone_enc is not null and t.completed_at is not null
    ${filters.departmentId ? sql`and t.department_id = ${filters.departmentId}` : sql``}
    ${filters.category ? sql`and t.category = ${filters.category}` : sql``}
    ${filters.street ? sql`and t.street = ${filters.street}` : sql``}`;
  // Not called yet, by a per-row look-up (a subplan) rather than an anti-join: the scan in the
  // queue's order stops after `limit` tickets instead of joining every callback of the county first
  // (2 s at a million tickets, with a category and a street chosen).
  const fresh = (priority: boolean) => sql<{ id: number }[]>`
    select t.id from tickets t
    where ${where} and t.completed_at >= ${from} and t.completed_at < ${now}
      and ${priority ? urgentTicket : sql`t.original_satisfaction in ('satisfied', 'basic')`}
      and (select c.id from callbacks c where c.ticket_id = t.id limit 1) is null
    order by t.completed_at desc, t.id desc limit ${limit}`;
  const [sampled, retries, seconds, priority, rest] = await Promise.all([
    sampleId
      ? sql<
          { id: number }[]
        >`select t.id from evaluation_sample_tickets s join tickets t on t.id = s.ticket_id where s.sample_id = ${sampleId} and ${where}`
      : Promise.resolve([]),
    // Tickets whose first-round calls so far all failed, in fewer time slots than make a ticket
    // unreachable: still due (callbackState's rule, so no slot of the limit goes to a finished one).
    sql<{ id: number }[]>`
      select t.id from tickets t join (
        select ticket_id from callbacks where county_id = ${user.countyId}
        group by ticket_id
        having bool_and(outcome = any(${RETRY_OUTCOMES as Outcome[]}::text[]))
          and count(distinct ${slotOf(sql`called_at`)}) < ${MAX_FAILED_SLOTS}) c on c.ticket_id = t.id
      where ${where}
      order by ${urgentFirst}, t.completed_at desc, t.id desc limit ${limit}`,
    // Second callbacks due: every follow-up done, and the second round not reached, not ended by a
    // wrong number or a refusal, nor failed in every time slot.
    sql<{ id: number }[]>`
      select t.id from tickets t
      where ${where}
        and t.id in (select f.ticket_id from followups f where f.county_id = ${user.countyId} and f.status = 'done')
        and not exists (select 1 from followups f where f.ticket_id = t.id and f.status = 'open')
        and not exists (select 1 from callbacks c where c.ticket_id = t.id and c.round = 2
                        and not c.outcome = any(${RETRY_OUTCOMES as Outcome[]}::text[]))
        and (select count(distinct ${slotOf(sql`c.called_at`)}) from callbacks c where c.ticket_id = t.id and c.round = 2) < ${MAX_FAILED_SLOTS}
      order by ${urgentFirst}, t.completed_at desc, t.id desc limit ${limit}`,
    fresh(true),
    fresh(false),
  ]);
  const sampleSet = new Set(sampled.map((r) => r.id));
  const ids = [...new Set([...sampled, ...retries, ...seconds, ...priority, ...rest].map((r) => r.id))];
  if (ids.length === 0) return [];
  const [rows, history] = await Promise.all([
    sql<(Omit<QueueItem, "inSample" | "round" | "failed" | "triedSlots" | "heldByMe"> & { holderId: number | null })[]>`
      select t.id, t.ticket_no as "ticketNo", t.completed_at as "completedAt", d.name as department, t.category, t.street, t.community,
             t.phone_masked as "phoneMasked", t.original_satisfaction as "originalSatisfaction",
             case when cl.expires_at > now() then cl.agent_id end as "holderId",
             case when cl.expires_at > now() then u.display_name end as "heldBy"
      from tickets t left join departments d on d.id = t.department_id
        left join callback_claims cl on cl.ticket_id = t.id left join users u on u.id = cl.agent_id
      where t.county_id = ${user.countyId} and t.id = any(${ids}::int[])`,
    histories(sql, user.countyId, ids),
  ]);
  const items: QueueItem[] = [];
  for (const { holderId, ...row } of rows) {
    const state = history.get(row.id)!.state;
    if (state.kind !== "due") continue;
    items.push({
      ...row,
      inSample: sampleSet.has(row.id),
      round: state.round,
      failed: state.failed,
      triedSlots: state.triedSlots,
      heldByMe: holderId === user.id,
    });
  }
  const urgent = (i: QueueItem) => i.originalSatisfaction === null || i.originalSatisfaction === "unsatisfied";
  items.sort(
    (a, b) =>
      Number(b.inSample) - Number(a.inSample) ||
      b.round - a.round ||
      Number(urgent(b)) - Number(urgent(a)) ||
      b.completedAt.getTime() - a.completedAt.getTime() ||
      b.id - a.id,
  );
  return items.slice(0, limit);
}

export type TicketDetail = {
  id: number;
  ticketNo: string;
  receivedAt: Date;
  completedAt: Date | null;
  dueAt: Date | null;
  department: string | null;
  category: string | null;
  content: string | null;
  callerName: string | null;
  phoneMasked: string | null;
  street: string | null;
  community: string | null;
  result: string | null;
  originalSatisfaction: Rating | null;
  originalSatisfactionRaw: string | null;
  holderId: number | null;
  heldBy: string | null;
  holdExpiresAt: Date | null;
  inSample: boolean;
};

/** One ticket with its callbacks, follow-ups and state, as the agent's page shows it (number masked). */
export async function ticketForCallback(user: Agent, ticketId: number) {
  const sampleId = await currentSampleId(user.countyId);
  const [ticket] = await sql<TicketDetail[]>`
    select t.id, t.ticket_no as "ticketNo", t.received_at as "receivedAt", t.completed_at as "completedAt", t.due_at as "dueAt",
           d.name as department, t.category, t.content, t.caller_name as "callerName", t.phone_masked as "phoneMasked",
           t.street, t.community, t.result, t.original_satisfaction as "originalSatisfaction",
           t.original_satisfaction_raw as "originalSatisfactionRaw",
           case when cl.expires_at > now() then cl.agent_id end as "holderId",
           case when cl.expires_at > now() then u.display_name end as "heldBy",
           case when cl.expires_at > now() then cl.expires_at end as "holdExpiresAt",
           exists (select 1 from evaluation_sample_tickets s where s.sample_id = ${sampleId} and s.ticket_id = t.id) as "inSample"
    from tickets t left join departments d on d.id = t.department_id
      left join callback_claims cl on cl.ticket_id = t.id left join users u on u.id = cl.agent_id
    where t.id = ${ticketId} and t.county_id = ${user.countyId}`;
  if (!ticket) return null;
  const history = (await histories(sql, user.countyId, [ticketId])).get(ticketId)!;
  const followUps = await listFollowUps({ countyId: user.countyId, departmentId: null }, { ticketId });
  return { ticket, callbacks: history.callbacks, followUps, state: history.state };
}

export type ClaimResult = { ok: true; expiresAt: Date } | { ok: false; problem: "heldByOther" | "notDue" | "noPhone" };

/**
 * Holds a due ticket for the agent for HOLD_MINUTES (renewing the agent's own hold). One
 * statement: a live claim of another agent is never replaced, so of two agents claiming at once
 * exactly one gets the ticket.
 */
export async function claimTicket(agent: Agent, ticketId: number): Promise<ClaimResult | null> {
  const [ticket] = await sql<{ hasPhone: boolean }[]>`
    select phone_enc is not null as "hasPhone" from tickets where id = ${ticketId} and county_id = ${agent.countyId}`;
  if (!ticket) return null;
  if (!ticket.hasPhone) return { ok: false, problem: "noPhone" };
  const state = (await histories(sql, agent.countyId, [ticketId])).get(ticketId)!.state;
  if (state.kind !== "due") return { ok: false, problem: "notDue" };
  const [claim] = await sql<{ expiresAt: Date }[]>`
    insert into callback_claims (ticket_id, county_id, agent_id, expires_at)
    values (${ticketId}, ${agent.countyId}, ${agent.id}, now() + make_interval(mins => ${HOLD_MINUTES}))
    on conflict (ticket_id) do update set agent_id = excluded.agent_id, claimed_at = now(), expires_at = excluded.expires_at
      where callback_claims.expires_at <= now() or callback_claims.agent_id = excluded.agent_id
    returning expires_at as "expiresAt"`;
  return claim ? { ok: true, expiresAt: claim.expiresAt } : { ok: false, problem: "heldByOther" };
}

/** Gives the agent's hold back. */
export async function releaseClaim(agent: Agent, ticketId: number): Promise<boolean> {
  const result =
    await sql`delete from callback_claims where ticket_id = ${ticketId} and agent_id = ${agent.id} and county_id = ${agent.countyId}`;
  return result.count === 1;
}

/**
 * The caller's full number, for the agent holding the ticket only (null for anyone else, or when
 * the hold has expired). The route audits every reveal.
 */
export async function revealPhone(agent: Agent, ticketId: number): Promise<{ ticketNo: string; phone: string } | null> {
  const [row] = await sql<{ ticketNo: string; phoneEnc: Uint8Array | null }[]>`
    select t.ticket_no as "ticketNo", t.phone_enc as "phoneEnc" from tickets t
      join callback_claims cl on cl.ticket_id = t.id and cl.agent_id = ${agent.id} and cl.expires_at > now()
    where t.id = ${ticketId} and t.county_id = ${agent.countyId}`;
  if (!row?.phoneEnc) return null;
  return { ticketNo: row.ticketNo, phone: decryptPhone(row.phoneEnc) };
}

export type RecordResult =
  | {
      ok: true;
      callbackId: string;
      round: Round;
      outsideHours: boolean;
      followUpId: number | null;
      followUpDueAt: Date | null;
      state: CallbackState;
      /** True when this key was recorded before: nothing new was stored. */
      duplicate: boolean;
    }
  | { ok: false; problem: "notHeld" | "notDue" };

/**
 * Records one call of the agent holding the ticket: its own row, in the round that is due; a
 * first callback that finds the caller unsatisfied or the problem unresolved opens a follow-up
 * for the ticket's department in the same transaction. The hold ends when nothing is left to call.
 *
 * `clientKey` (the form's, made when the page was rendered) makes a repeat of the same post
 * answer with the call already stored instead of adding an attempt; the ticket's row lock
 * orders two copies that arrive at once, and the check comes before the hold's, since the first
 * copy may have ended the hold.
 */
export async function recordCallback(
  agent: Agent,
  ticketId: number,
  result: ScriptResult,
  answers: Record<string, unknown>,
  now = new Date(),
  clientKey: string | null = null,
): Promise<RecordResult> {
  return sql.begin(async (tx) => {
    const [locked] = await tx<{ departmentId: number | null }[]>`
      select department_id as "departmentId" from tickets where id = ${ticketId} and county_id = ${agent.countyId} for update`;
    if (!locked) return { ok: false, problem: "notHeld" } as const;
    if (clientKey) {
      const [stored] = await tx<
        { id: string; round: Round; outsideHours: boolean; followUpId: number | null; followUpDueAt: Date | null }[]
      >`
        select c.id::text, c.round, c.outside_hours as "outsideHours", f.id as "followUpId", f.due_at as "followUpDueAt"
          from callbacks c left join followups f on f.callback_id = c.id and f.county_id = c.county_id
        where c.county_id = ${agent.countyId} and c.client_key = ${clientKey} and c.ticket_id = ${ticketId} and c.agent_id = ${agent.id}`;
      if (stored) {
        const state = (await histories(tx, agent.countyId, [ticketId])).get(ticketId)!.state;
        return {
          ok: true,
          callbackId: stored.id,
          round: stored.round,
          outsideHours: stored.outsideHours,
          followUpId: stored.followUpId,
          followUpDueAt: stored.followUpDueAt,
          state,
          duplicate: true,
        } as const;
      }
    }
    const [held] = await tx`
      select 1 from callback_claims
      where ticket_id = ${ticketId} and county_id = ${agent.countyId} and agent_id = ${agent.id} and expires_at > now()`;
    if (!held) return { ok: false, problem: "notHeld" } as const;
    const before = (await histories(tx, agent.countyId, [ticketId])).get(ticketId)!.state;
    if (before.kind !== "due") return { ok: false, problem: "notDue" } as const;
    const outsideHours = outsideCallingHours(now);
    const [callback] = await tx<{ id: string }[]>`
      insert into callbacks (county_id, ticket_id, round, agent_id, called_at, outcome, satisfaction, resolved, notes, outside_hours, answers, client_key)
      values (${agent.countyId}, ${ticketId}, ${before.round}, ${agent.id}, ${now}, ${result.outcome}, ${result.satisfaction},
              ${result.resolved}, ${result.notes}, ${outsideHours}, ${tx.json(answers as never)}, ${clientKey})
      returning id::text`;
    let followUpId: number | null = null;
    const followUpDueAt = needsFollowUp({ ...result, round: before.round }) ? new Date(now.getTime() + FOLLOW_UP_DAYS * 86_400_000) : null;
    if (followUpDueAt) {
      const [task] = await tx<{ id: number }[]>`
        insert into followups (county_id, ticket_id, callback_id, department_id, due_at, notes)
        values (${agent.countyId}, ${ticketId}, ${callback.id}::bigint, ${locked.departmentId},
                ${followUpDueAt}, ${result.notes})
        returning id`;
      followUpId = task.id;
    }
    const state = (await histories(tx, agent.countyId, [ticketId])).get(ticketId)!.state;
    if (state.kind !== "due")
      await tx`delete from callback_claims where ticket_id = ${ticketId} and agent_id = ${agent.id} and county_id = ${agent.countyId}`;
    return {
      ok: true,
      callbackId: callback.id,
      round: before.round,
      outsideHours,
      followUpId,
      followUpDueAt,
      state,
      duplicate: false,
    } as const;
  });
}

/** Whose follow-ups: a department account its own department's; the hotline office every department's. */
export type FollowUpReader = { countyId: number; departmentId: number | null };

export async function listFollowUps(
  reader: FollowUpReader,
  {
    status,
    ticketId,
    now = new Date(),
    limit = 500,
  }: { status?: "open" | "overdue" | "done"; ticketId?: number; now?: Date; limit?: number } = {},
): Promise<FollowUpRow[]> {
  return sql<FollowUpRow[]>`
    select f.id, f.ticket_id as "ticketId", t.ticket_no as "ticketNo", f.callback_id::text as "callbackId", d.name as department,
           f.department_id as "departmentId", t.category, t.content, f.due_at as "dueAt", f.status, f.notes,
           f.created_at as "createdAt", f.done_at as "doneAt", u.display_name as "doneBy", f.done_notes as "doneNotes",
           (f.status = 'open' and f.due_at < ${now}) as overdue
    from followups f join tickets t on t.id = f.ticket_id left join departments d on d.id = f.department_id
      left join users u on u.id = f.done_by
    where f.county_id = ${reader.countyId}
      ${reader.departmentId !== null ? sql`and f.department_id = ${reader.departmentId}` : sql``}
      ${ticketId ? sql`and f.ticket_id = ${ticketId}` : sql``}
      ${status === "open" ? sql`and f.status = 'open'` : status === "done" ? sql`and f.status = 'done'` : sql``}
      ${status === "overdue" ? sql`and f.status = 'open' and f.due_at < ${now}` : sql``}
    order by (f.status = 'open') desc, f.due_at, f.id
    limit ${limit}`;
}

/** Reports a follow-up done (by the department, or the office on its behalf); null when not open or not the reader's. */
export async function completeFollowUp(
  actor: FollowUpReader & { id: number },
  followUpId: number,
  notes: string | null,
): Promise<{ id: number; ticketId: number; ticketNo: string } | null> {
  const [row] = await sql<{ id: number; ticketId: number; ticketNo: string }[]>`
    update followups f set status = 'done', done_at = now(), done_by = ${actor.id}, done_notes = ${notes}
    from tickets t
    where f.id = ${followUpId} and f.county_id = ${actor.countyId} and f.status = 'open' and t.id = f.ticket_id
      ${actor.departmentId !== null ? sql`and f.department_id = ${actor.departmentId}` : sql``}
    returning f.id, f.ticket_id as "ticketId", t.ticket_no as "ticketNo"`;
  return row ?? null;
}

/** The queue's filter choices: departments, categories (a loose index scan: fast at a million tickets), the register's streets. */
export async function queueFilterChoices(countyId: number) {
  const [departments, categories, streets] = await Promise.all([
    sql<{ id: number; name: string }[]>`select id, name from departments where county_id = ${countyId} order by name`,
    sql<{ name: string }[]>`
      with recursive c(name) as (
        (select category from tickets where county_id = ${countyId} and category is not null order by category limit 1)
        union all
        select (select category from tickets where county_id = ${countyId} and category > c.name order by category limit 1)
        from c where c.name is not null)
      select name from c where name is not null limit 500`,
    sql<{ name: string }[]>`select name from places where county_id = ${countyId} and level = 'street' order by sort_order, id`,
  ]);
  return { departments, categories: categories.map((c) => c.name), streets: streets.map((s) => s.name) };
}
