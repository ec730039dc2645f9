// The checker's phone sends its queued spot-check results (抽查): POST /api/spot-checks with JSON
//   { "check": <id>, "results": [{ "clientKey", "householdId", "result": "confirmed" | "notConfirmed" | "couldNotCheck", "at", "note"? }] }
// and gets one answer per result, in order, as /api/visits does:
//   { "results": [{ "clientKey", "status": "stored" | "duplicate" | "refused", "reason"?, "message"? }] }.
// Only the check's checker may send; a check that is not theirs is a 404.
import type { ActionFunctionArgs } from "@remix-run/node";
import { translate } from "~/i18n";
import { checkForChecker, MAX_RESULTS_PER_REQUEST, recordCheckResults } from "~/models/spot-checks.server";
import { readJsonBody } from "~/utils/request.server";
import { requireApiPermission } from "~/utils/session.server";

const MAX_BODY_BYTES = 512 * 1024;

export function loader() {
  return Response.json({ error: "POST spot-check results here" }, { status: 405, headers: { Allow: "POST" } });
}

export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST") return Response.json({ error: "POST only" }, { status: 405, headers: { Allow: "POST" } });
  const user = await requireApiPermission(request, "visit:log");
  const read = await readJsonBody(request, MAX_BODY_BYTES);
  if ("failed" in read) return read.failed;
  const { check: id, results } = (read.body ?? {}) as { check?: unknown; results?: unknown };
  if (typeof id !== "number" || !Number.isSafeInteger(id) || id < 1 || !Array.isArray(results))
    return Response.json({ error: 'expected { "check": <id>, "results": [ … ] }' }, { status: 400 });
  if (results.length > MAX_RESULTS_PER_REQUEST)
    return Response.json({ error: `at most ${MAX_RESULTS_PER_REQUEST} results per request; send the rest in another` }, { status: 413 });
  const check = await checkForChecker(user, id);
  if (!check) return Response.json({ error: "spot check not found" }, { status: 404 });
  const answers = await recordCheckResults(
    user,
    check,
    results.map((r) => (r && typeof r === "object" ? r : {})),
  );
  return Response.json({
    results: answers.map((r) => (r.reason ? { ...r, message: translate("zh", `spotChecks.refused.${r.reason}`) } : r)),
  });
}
