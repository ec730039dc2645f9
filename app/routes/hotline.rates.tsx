// 12345 ticket rates per department, category, street or month: every rate with n and its 95%
// interval (the same numbers as /api/ticket-rates and the CLI's ticket-rates).
import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { DataTable } from "~/components/data-table";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { EstimateCell } from "~/components/rate-figure";
import { TICKET_RATE_GROUPS, TICKET_RATES } from "~/domain/ticket-rates";
import { translator } from "~/i18n";
import { useT } from "~/i18n/use-t";
import { ticketRates } from "~/models/ticket-rates.server";
import { parseQuery } from "~/utils/input";
import { getLang } from "~/utils/request.server";
import { requirePermission } from "~/utils/session.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "ticket:read");
  const { by } = parseQuery(z.object({ by: z.enum(TICKET_RATE_GROUPS).catch("department") }), new URL(request.url).searchParams);
  const units = await ticketRates(user.countyId, by, translator(await getLang(request))("ticketRates.noName"));
  return { by, units };
}

export default function TicketRatesPage() {
  const { by, units } = useLoaderData<typeof loader>();
  const t = useT();
  return (
    <>
      <p>
        <Link to="/hotline">{t("ticket.back")}</Link>
      </p>
      <h1>{t("ticketRates.title")}</h1>
      <p className="muted">{t("ticketRates.intro")}</p>
      <Form method="get" className="card filters">
        <label>
          {t("ticketRates.field.by")}
          <select name="by" defaultValue={by}>
            {TICKET_RATE_GROUPS.map((g) => (
              <option key={g} value={g}>
                {t(`ticketRates.by.${g}`)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="button secondary">
          {t("hotline.filter.apply")}
        </button>
      </Form>
      <DataTable
        testId="ticket-rates"
        className="rate-table"
        columns={[
          t(`ticketRates.by.${by}`),
          { num: t("ticketRates.col.tickets") },
          ...TICKET_RATES.map((r) => t(`ticketRates.rate.${r}`)),
          { num: t("ticketRates.col.followUpsOpen") },
          { num: t("ticketRates.col.followUpsOverdue") },
        ]}
        rows={units}
        row={(u) => (
          <tr key={u.name}>
            <td>{u.name}</td>
            <td className="num">{u.tickets.toLocaleString()}</td>
            {TICKET_RATES.map((r) => (
              <td key={r} data-rate={r}>
                <EstimateCell measure="satisfaction" estimate={u[r]} />
              </td>
            ))}
            <td className="num">{u.followUpsOpen}</td>
            <td className="num">{u.followUpsOverdue}</td>
          </tr>
        )}
      />
      <p className="muted">{t("ticketRates.formula")}</p>
    </>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
