// The callback workbench's data (db/migrations/012_callbacks.sql): the queue, an agent's claim on
// a ticket, revealing the held ticket's number (audited by the route), and recording a call. A
// ticket's callback state is computed from its attempts and follow-ups by app/domain/callbacks.ts
// and kept in a state row (app/models/callback-states.server.ts) by every write that changes it.
import { sql } from "~/db.server";
import { needsFollowUp, outsideCallingHours, type CallbackState, type Rating, type Round, type ScriptResult } from "~/domain/callbacks";
import { histories, urgentTicket, writeCallbackStates } from "~/models/callback-states.server";
import { monthsBefore, DEFAULT_SAMPLE_RULE } from "~/domain/tickets";
import type { CurrentUser } from "~/models/users.server";
import { decryptPhone } from "~/utils/phone-crypto.server";

/** How long a claim holds a ticket for its agent. */
export const HOLD_MINUTES = 30;
/** Days the department has for a follow-up, from the callback that opened it. */
export const FOLLOW_UP_DAYS = 5;

type Agent = Pick<CurrentUser, "id" | "countyId">;

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
  /** The filters on the ticket columns of `t`, or of the state row's copies of them (`s`). */
  const chosen = (on: "t" | "s") => sql`
    ${filters.departmentId ? sql`and ${sql(on)}.department_id = ${filters.departmentId}` : sql``}
    ${filters.category ? sql`and ${sql(on)}.category = ${filters.category}` : sql``}
    ${filters.street ? sql`and ${sql(on)}.street = ${filters.street}` : sql``}`;
  const where = sql`t.county_id = ${user.countyId} and t.phone_enc is not null and t.completed_at is not null ${chosen("t")}`;
  // Not called yet: no state row (a ticket gets one with its first call). The scan in the queue's
  // order stops after `limit` tickets.
  const fresh = (priority: boolean) => sql<{ id: number }[]>`
    select t.id from tickets t
    where ${where} and t.completed_at >= ${from} and t.completed_at < ${now}
      and ${priority ? urgentTicket(sql) : sql`t.original_satisfaction in ('satisfied', 'basic')`}
      and not exists (select 1 from ticket_callback_states s where s.ticket_id = t.id)
    order by t.completed_at desc, t.id desc limit ${limit}`;
  // In the queue's order and filtered by the state rows' copies (their index alone).
  const due = (round: Round) => sql<{ id: number }[]>`
    select t.id from ticket_callback_states s join tickets t on t.id = s.ticket_id
    where s.county_id = ${user.countyId} and s.kind = 'due' and s.round = ${round} and s.completed_at is not null ${chosen("s")}
      and t.phone_enc is not null
    order by s.urgent desc, s.completed_at desc, s.ticket_id desc limit ${limit}`;
  const [sampled, retries, seconds, priority, rest] = await Promise.all([
    sampleId
      ? sql<
          { id: number }[]
        >`select t.id from evaluation_sample_tickets s join tickets t on t.id = s.ticket_id where s.sample_id = ${sampleId} and ${where}`
      : Promise.resolve([]),
    // Tickets with calls so far that leave a call due: in the first round (all failed, in fewer
    // time slots than make a ticket unreachable), or the second (every follow-up done), by their state rows.
    due(1),
    due(2),
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
    const after = await histories(tx, agent.countyId, [ticketId]);
    await writeCallbackStates(tx, agent.countyId, [ticketId], after);
    const state = after.get(ticketId)!.state;
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

/**
 * Reports a follow-up done (by the department, or the office on its behalf); null when not open or
 * not the reader's. The ticket's row is locked first, as a call locks it, so its state row is
 * written from a history no other write is changing.
 */
export async function completeFollowUp(
  actor: FollowUpReader & { id: number },
  followUpId: number,
  notes: string | null,
): Promise<{ id: number; ticketId: number; ticketNo: string } | null> {
  return sql.begin(async (tx) => {
    const [ticket] = await tx<{ id: number }[]>`
      select t.id from followups f join tickets t on t.id = f.ticket_id
      where f.id = ${followUpId} and f.county_id = ${actor.countyId} for update of t`;
    if (!ticket) return null;
    const [row] = await tx<{ id: number; ticketId: number; ticketNo: string }[]>`
      update followups f set status = 'done', done_at = now(), done_by = ${actor.id}, done_notes = ${notes}
      from tickets t
      where f.id = ${followUpId} and f.county_id = ${actor.countyId} and f.status = 'open' and t.id = f.ticket_id
        ${actor.departmentId !== null ? tx`and f.department_id = ${actor.departmentId}` : tx``}
      returning f.id, f.ticket_id as "ticketId", t.ticket_no as "ticketNo"`;
    if (!row) return null;
    await writeCallbackStates(tx, actor.countyId, [row.ticketId]);
    return row;
  });
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
