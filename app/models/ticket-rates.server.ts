// Counts behind the 12345 rates (app/domain/ticket-rates.ts), per department, category, street,
// community or month, read straight from the tickets, callbacks and follow-ups in one grouped statement.
import { sql } from "~/db.server";
import { ticketRateUnit, type TicketRateGroup, type TicketRateUnit, type TicketUnitCounts } from "~/domain/ticket-rates";

/**
 * Each ticket's latest reached callback (its rating and resolved answer): with the original rating
 * on the ticket, the rating that stands now is `coalesce(latest.satisfaction, t.original_satisfaction)`.
 * The one definition of "after callbacks", shared by the rates and the evaluation sample.
 */
export function latestReached(countyId: number) {
  return sql`(
    select distinct on (ticket_id) ticket_id, satisfaction, resolved from callbacks
    where county_id = ${countyId} and outcome = 'reached'
    order by ticket_id, called_at desc, id desc)`;
}

// Street and community: the register's, where the import linked the ticket to a place (a street
// is path[2] of its places, a community path[3]), else the name the ticket itself gives.
const groupKey = (by: TicketRateGroup | null) =>
  by === null
    ? sql`null::text`
    : by === "department"
      ? sql`d.name`
      : by === "category"
        ? sql`t.category`
        : by === "street"
          ? sql`coalesce(ps.name, t.street)`
          : by === "community"
            ? sql`coalesce(pc.name, t.community)`
            : sql`to_char(t.received_at at time zone 'Asia/Shanghai', 'YYYY-MM')`;

const placeJoins = (by: TicketRateGroup | null) =>
  by === "street"
    ? sql`left join places pp on pp.id = t.place_id left join places ps on ps.id = pp.path[2] and ps.level = 'street'`
    : by === "community"
      ? sql`left join places pp on pp.id = t.place_id left join places pc on pc.id = pp.path[3] and pc.level = 'community'`
      : sql``;

export type TicketRateOptions = {
  /** Only tickets completed in [from, until) (the bulletin: the evaluation's window). */
  completedFrom?: Date;
  completedUntil?: Date;
  /** Only tickets the import linked to this place or a place inside it. */
  withinPlace?: number;
  now?: Date;
};

/** One row per unit (name null: the tickets that do not name one; `by` null: one row of all), ordered by name. */
export async function ticketRateCounts(
  countyId: number,
  by: TicketRateGroup | null,
  { completedFrom, completedUntil, withinPlace, now = new Date() }: TicketRateOptions = {},
): Promise<(Omit<TicketUnitCounts, "name"> & { name: string | null })[]> {
  const key = groupKey(by);
  return sql<(Omit<TicketUnitCounts, "name"> & { name: string | null })[]>`
    with latest as ${latestReached(countyId)},
    called as (
      select ticket_id, bool_or(outcome = 'reached') as reached from callbacks where county_id = ${countyId} group by ticket_id),
    tasks as (
      select ticket_id, count(*) filter (where status = 'open') as open,
             count(*) filter (where status = 'open' and due_at < ${now}) as overdue
      from followups where county_id = ${countyId} group by ticket_id)
    select ${key} as name,
      count(*)::int as tickets,
      count(t.completed_at)::int as completed,
      count(*) filter (where t.completed_at is not null and t.due_at is not null)::int as "completedWithDue",
      count(*) filter (where t.completed_at <= t.due_at)::int as "onTime",
      count(c.ticket_id)::int as called,
      count(*) filter (where c.reached)::int as reached,
      count(t.original_satisfaction)::int as "ratedBefore",
      count(*) filter (where t.original_satisfaction in ('satisfied', 'basic'))::int as "satisfiedBefore",
      count(coalesce(l.satisfaction, t.original_satisfaction))::int as "ratedAfter",
      count(*) filter (where coalesce(l.satisfaction, t.original_satisfaction) in ('satisfied', 'basic'))::int as "satisfiedAfter",
      count(l.resolved)::int as "resolvedAnswered",
      count(*) filter (where l.resolved)::int as "resolvedYes",
      coalesce(sum(k.open), 0)::int as "followUpsOpen",
      coalesce(sum(k.overdue), 0)::int as "followUpsOverdue"
    from tickets t
      left join departments d on d.id = t.department_id
      left join latest l on l.ticket_id = t.id
      left join called c on c.ticket_id = t.id
      left join tasks k on k.ticket_id = t.id
      ${placeJoins(by)}
    where t.county_id = ${countyId}
      ${completedFrom ? sql`and t.completed_at >= ${completedFrom}` : sql``}
      ${completedUntil ? sql`and t.completed_at < ${completedUntil}` : sql``}
      ${
        withinPlace === undefined
          ? sql``
          : sql`and t.place_id in (select p.id from places p where p.county_id = ${countyId} and p.path @> array[${withinPlace}::int])`
      }
    ${by === null ? sql`` : sql`group by 1 order by 1 nulls last`}`;
}

/** The rates of every unit; tickets that name no unit are one unit called `noName`. */
export async function ticketRates(
  countyId: number,
  by: TicketRateGroup,
  noName: string,
  options: TicketRateOptions = {},
): Promise<TicketRateUnit[]> {
  return (await ticketRateCounts(countyId, by, options)).map((c) => ticketRateUnit({ ...c, name: c.name ?? noName }));
}

/** The rates of the tickets linked to a place or the places inside it (its page), as one unit. */
export async function placeTicketRates(countyId: number, placeId: number, name: string, now = new Date()): Promise<TicketRateUnit> {
  const [counts] = await ticketRateCounts(countyId, null, { withinPlace: placeId, now });
  return ticketRateUnit({ ...counts, name });
}
