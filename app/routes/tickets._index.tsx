// 12345 tickets for hotline and office staff: filter by department, category, street/community
// and completion; callers' numbers are always masked here. Export (masked, or in full by an admin
// with a stated reason) and import are linked from the page.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { DataTable } from "~/components/data-table";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { TicketQuery, ticketFilters } from "~/domain/ticket-filters";
import { useT } from "~/i18n/use-t";
import { listTickets, ticketFilterChoices } from "~/models/tickets.server";
import { can } from "~/utils/permissions";
import { parseQuery } from "~/utils/input";
import { requirePermission } from "~/utils/session.server";

const PAGE = 50;

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "ticket:read");
  const url = new URL(request.url);
  const query = parseQuery(TicketQuery, url.searchParams);
  const page = query.page ?? 1;
  const [list, choices] = await Promise.all([
    listTickets(user.countyId, ticketFilters(query), { offset: (page - 1) * PAGE, limit: PAGE }),
    ticketFilterChoices(user.countyId),
  ]);
  return {
    ...list,
    choices,
    query,
    page,
    search: url.search,
    canImport: can(user.role, "ticket:import"),
    canExport: can(user.role, "ticket:export"),
    canExportPhones: can(user.role, "phone:export"),
  };
}

const bj = (d: Date | string | null) => (d ? new Date(d).toLocaleString("sv-SE", { timeZone: "Asia/Shanghai" }).slice(0, 16) : "");

export default function TicketList() {
  const t = useT();
  const { rows, total, choices, query, page, search, canImport, canExport, canExportPhones } = useLoaderData<typeof loader>();
  const pageLink = (p: number) => {
    const params = new URLSearchParams(search);
    params.set("page", String(p));
    return `?${params}`;
  };
  return (
    <>
      <h1>{t("tickets.list.title")}</h1>
      <p className="actions">
        {canImport && (
          <Link to="/tickets/import" className="button">
            {t("tickets.list.import")}
          </Link>
        )}
        {canExport && (
          <a href={`/tickets/export${search}`} className="button secondary">
            {t("tickets.list.export")}
          </a>
        )}
      </p>
      <Form method="get" className="inline-form card" data-testid="ticket-filters">
        <label>
          {t("tickets.field.department")}
          <select name="department" defaultValue={query.department ?? ""}>
            <option value="">{t("tickets.list.all")}</option>
            {choices.departments.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("tickets.field.category")}
          <select name="category" defaultValue={query.category}>
            <option value="">{t("tickets.list.all")}</option>
            {choices.categories.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("tickets.list.place")}
          <select name="place" defaultValue={query.place ?? ""}>
            <option value="">{t("tickets.list.all")}</option>
            {choices.places.map((p) => (
              <option key={p.id} value={p.id}>
                {p.level === "community" ? `\u3000${p.name}` : p.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("tickets.list.completed")}
          <select name="completed" defaultValue={query.completed ?? ""}>
            <option value="">{t("tickets.list.all")}</option>
            <option value="yes">{t("tickets.list.completedYes")}</option>
            <option value="no">{t("tickets.list.completedNo")}</option>
          </select>
        </label>
        <button type="submit" className="button secondary">
          {t("tickets.list.filter")}
        </button>
      </Form>
      <p className="muted" data-testid="ticket-total">
        {t("tickets.list.total", { n: total.toLocaleString() })}
      </p>
      <DataTable
        testId="ticket-list"
        columns={[
          t("tickets.field.number"),
          t("tickets.field.receivedAt"),
          t("tickets.field.department"),
          t("tickets.field.category"),
          t("tickets.list.place"),
          t("tickets.field.completedAt"),
          t("tickets.field.phone"),
          t("tickets.field.rating"),
        ]}
        rows={rows}
        empty={<p className="muted">{t("tickets.list.none")}</p>}
        row={(r) => (
          <tr key={r.id}>
            <td>{r.ticketNo}</td>
            <td>{bj(r.receivedAt)}</td>
            <td>{r.department}</td>
            <td>{r.category}</td>
            <td>{r.place ?? [r.street, r.community].filter(Boolean).join(" ")}</td>
            <td>{r.completedAt ? bj(r.completedAt) : <span className="muted">{t("tickets.list.open")}</span>}</td>
            <td className="nowrap">{r.phoneMasked}</td>
            <td>{r.satisfactionRaw}</td>
          </tr>
        )}
      />
      {total > PAGE && (
        <p className="actions">
          {page > 1 && <Link to={pageLink(page - 1)}>{t("tickets.list.prev")}</Link>}
          <span className="muted">{t("tickets.list.page", { page, pages: Math.ceil(total / PAGE) })}</span>
          {page * PAGE < total && <Link to={pageLink(page + 1)}>{t("tickets.list.next")}</Link>}
        </p>
      )}
      {canExportPhones && (
        <details className="card">
          <summary>{t("tickets.export.full")}</summary>
          <Form method="post" action={`/tickets/export${search}`} reloadDocument className="stack">
            <p className="muted">{t("tickets.export.fullIntro")}</p>
            <label>
              {t("tickets.export.reason")}
              <input name="reason" required minLength={4} maxLength={500} />
            </label>
            <button type="submit" className="button secondary">
              {t("tickets.export.fullButton")}
            </button>
          </Form>
        </details>
      )}
    </>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
