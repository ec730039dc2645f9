// JSON for BI tools: the 12345 rates per unit, the same numbers as the CLI's ticket-rates --json.
//   GET /api/ticket-rates?by=department|category|street|month
import type { LoaderFunctionArgs } from "@remix-run/node";
import { TICKET_RATE_GROUPS, ticketUnitJson } from "~/domain/ticket-rates";
import { translator } from "~/i18n";
import { ticketRates } from "~/models/ticket-rates.server";
import { getLang } from "~/utils/request.server";
import { requireApiPermission } from "~/utils/session.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireApiPermission(request, "ticket:read");
  const asked = new URL(request.url).searchParams.get("by") ?? "department";
  const by = TICKET_RATE_GROUPS.find((g) => g === asked);
  if (!by) return Response.json({ error: `by must be one of: ${TICKET_RATE_GROUPS.join(", ")}` }, { status: 400 });
  const units = await ticketRates(user.countyId, by, translator(await getLang(request))("ticketRates.noName"));
  return Response.json({ by, units: units.map(ticketUnitJson) }, { headers: { "Cache-Control": "no-store" } });
}
