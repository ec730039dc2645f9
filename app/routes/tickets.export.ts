// The ticket list's rows as CSV (UTF-8 with a BOM). Callers' numbers are masked; an admin who
// states a reason (POST) gets them in full, and that export is audited with the reason.
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { translate, type Lang } from "~/i18n";
import { TicketQuery, ticketFilters } from "~/domain/ticket-filters";
import { exportTickets, type TicketExportRow } from "~/models/tickets.server";
import { writeCsv } from "~/utils/csv";
import { parseQuery } from "~/utils/input";
import { clientInfo, getLang } from "~/utils/request.server";
import { requirePermission } from "~/utils/session.server";

const bj = (d: Date | null) => (d ? new Date(d).toLocaleString("sv-SE", { timeZone: "Asia/Shanghai" }).slice(0, 16) : "");

function csv(lang: Lang, rows: TicketExportRow[]) {
  const t = (key: string) => translate(lang, key);
  const fields = [
    "number",
    "receivedAt",
    "completedAt",
    "dueAt",
    "department",
    "category",
    "content",
    "phone",
    "caller",
    "street",
    "community",
    "result",
    "rating",
  ];
  return writeCsv([
    fields.map((f) => t(`tickets.field.${f}`)),
    ...rows.map((r) => [
      r.ticketNo,
      bj(r.receivedAt),
      bj(r.completedAt),
      bj(r.dueAt),
      r.department,
      r.category,
      r.content,
      r.phone,
      r.caller,
      r.street,
      r.community,
      r.result,
      r.satisfactionRaw,
    ]),
  ]);
}

function respond(body: string, masked: boolean) {
  return new Response(body, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="tickets${masked ? "" : "-full"}.csv"`,
      "Cache-Control": "no-store",
    },
  });
}

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "ticket:export");
  const filters = ticketFilters(parseQuery(TicketQuery, new URL(request.url).searchParams));
  return respond(csv(await getLang(request), await exportTickets(user, filters, null)), true);
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requirePermission(request, "phone:export");
  const form = await request.formData();
  const reason = String(form.get("reason") ?? "").trim();
  if (reason.length < 4 || reason.length > 500)
    return new Response(translate(await getLang(request), "tickets.export.reasonNeeded"), { status: 400 });
  const filters = ticketFilters(parseQuery(TicketQuery, new URL(request.url).searchParams));
  const rows = await exportTickets(user, filters, { reason, ip: clientInfo(request, context).ip });
  return respond(csv(await getLang(request), rows), false);
}
