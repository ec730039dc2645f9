// 12345 tickets as staff read them: the list (numbers masked), filters, an export, and the one
// audited way to see a caller's full number. Every query is scoped to the county.
import { sql } from "~/db.server";
import { recordAudit } from "~/models/audit.server";
import { decryptPhone } from "~/utils/phone-crypto.server";

export type TicketFilters = {
  departmentId: number | null;
  category: string | null;
  placeId: number | null;
  completed: "yes" | "no" | null;
};

export type TicketListRow = {
  id: number;
  ticketNo: string;
  receivedAt: Date;
  completedAt: Date | null;
  dueAt: Date | null;
  department: string | null;
  category: string | null;
  street: string | null;
  community: string | null;
  place: string | null;
  phoneMasked: string | null;
  satisfaction: string | null;
  satisfactionRaw: string | null;
};

function where(countyId: number, f: TicketFilters) {
  return sql`
    t.county_id = ${countyId}
    ${f.departmentId ? sql`and t.department_id = ${f.departmentId}` : sql``}
    ${f.category ? sql`and t.category = ${f.category}` : sql``}
    ${f.placeId ? sql`and t.place_id in (select id from places where county_id = ${countyId} and path @> array[${f.placeId}::int])` : sql``}
    ${f.completed === "yes" ? sql`and t.completed_at is not null` : f.completed === "no" ? sql`and t.completed_at is null` : sql``}`;
}

const listColumns = sql`
  t.id, t.ticket_no as "ticketNo", t.received_at as "receivedAt", t.completed_at as "completedAt", t.due_at as "dueAt",
  d.name as department, t.category, t.street, t.community, p.name as place, t.phone_masked as "phoneMasked",
  t.original_satisfaction as satisfaction, t.original_satisfaction_raw as "satisfactionRaw"`;

/** A page of tickets, newest received first, and how many match. */
export async function listTickets(countyId: number, filters: TicketFilters, page: { offset: number; limit: number }) {
  const [rows, [{ total }]] = await Promise.all([
    sql<TicketListRow[]>`
      select ${listColumns}
      from tickets t left join departments d on d.id = t.department_id left join places p on p.id = t.place_id
      where ${where(countyId, filters)}
      order by t.received_at desc, t.id desc offset ${page.offset} limit ${page.limit}`,
    sql<{ total: number }[]>`select count(*)::int as total from tickets t where ${where(countyId, filters)}`,
  ]);
  return { rows, total };
}

/** What the list's filters offer: the county's departments, categories and the register's streets and communities with tickets. */
export async function ticketFilterChoices(countyId: number) {
  const [departments, categories, places] = await Promise.all([
    sql<{ id: number; name: string }[]>`select id, name from departments where county_id = ${countyId} order by name`,
    sql<{ category: string }[]>`
      select distinct category from tickets where county_id = ${countyId} and category is not null order by category limit 500`,
    sql<{ id: number; name: string; level: string }[]>`
      select p.id, p.name, p.level from places p
      where p.county_id = ${countyId} and p.level in ('street', 'community')
      order by p.path`,
  ]);
  return { departments, categories: categories.map((c) => c.category), places };
}

export type TicketExportRow = TicketListRow & {
  phone: string | null;
  content: string | null;
  result: string | null;
  caller: string | null;
};

/**
 * Every ticket matching the filters for an export. Numbers are masked; with `reveal` (an admin's
 * stated reason) they are decrypted, and the export is audited with the reason and the count.
 */
export async function exportTickets(
  actor: { id: number; countyId: number },
  filters: TicketFilters,
  reveal: { reason: string; ip: string | null } | null,
): Promise<TicketExportRow[]> {
  const rows = await sql<
    (TicketListRow & { phoneEnc: Buffer | null; content: string | null; result: string | null; caller: string | null })[]
  >`
    select ${listColumns}, t.phone_enc as "phoneEnc", t.content, t.result, t.caller_name as caller
    from tickets t left join departments d on d.id = t.department_id left join places p on p.id = t.place_id
    where ${where(actor.countyId, filters)}
    order by t.received_at desc, t.id desc`;
  await recordAudit(actor, reveal ? "tickets.export.phones" : "tickets.export", {
    details: { rows: rows.length, filters, ...(reveal ? { reason: reveal.reason } : {}) },
    ip: reveal?.ip ?? null,
  });
  return rows.map(({ phoneEnc, ...row }) => ({ ...row, phone: reveal && phoneEnc ? decryptPhone(phoneEnc) : row.phoneMasked }));
}
