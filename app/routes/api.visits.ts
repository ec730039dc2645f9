// The phone sends its queued visit logs: POST /api/visits with JSON
//   { "round": "<code>", "visits": [{ "clientKey", "householdId", "outcome", "at", "note"?, "undoes"? }] }
// and gets one result per visit, in order: { "results": [{ "clientKey", "status": "stored" | "duplicate" | "refused", "reason"? }] }.
// A bad visit never spoils the others; a resend of a stored visit is "duplicate".
import type { ActionFunctionArgs } from "@remix-run/node";
import { translate } from "~/i18n";
import { MAX_VISITS_PER_REQUEST, recordVisits, roundByCode } from "~/models/visits.server";
import { readJsonBody } from "~/utils/request.server";
import { requireApiPermission } from "~/utils/session.server";

const MAX_BODY_BYTES = 512 * 1024;

export function loader() {
  return Response.json({ error: "POST visits here" }, { status: 405, headers: { Allow: "POST" } });
}

export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST") return Response.json({ error: "POST only" }, { status: 405, headers: { Allow: "POST" } });
  const user = await requireApiPermission(request, "visit:log");
  const read = await readJsonBody(request, MAX_BODY_BYTES);
  if ("failed" in read) return read.failed;
  const { round: code, visits } = (read.body ?? {}) as { round?: unknown; visits?: unknown };
  if (typeof code !== "string" || !Array.isArray(visits))
    return Response.json({ error: 'expected { "round": "<code>", "visits": [ … ] }' }, { status: 400 });
  if (visits.length > MAX_VISITS_PER_REQUEST)
    return Response.json({ error: `at most ${MAX_VISITS_PER_REQUEST} visits per request; send the rest in another` }, { status: 413 });
  const round = await roundByCode(user.countyId, code);
  if (!round) return Response.json({ error: "round not found" }, { status: 404 });
  const results = await recordVisits(
    user,
    round,
    visits.map((v) => (v && typeof v === "object" ? v : {})),
  );
  // The reason in the phone's words beside its code.
  return Response.json({
    results: results.map((r) => (r.reason ? { ...r, message: translate("zh", `visits.refused.${r.reason}`) } : r)),
  });
}
