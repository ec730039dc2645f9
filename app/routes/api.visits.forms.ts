// The phone sends the questionnaires and quizzes filled at the doors: POST /api/visits/forms with JSON
//   { "round": "<code>", "forms": [{ "kind": "questionnaire" | "quiz", "clientKey", "householdId", "versionId",
//     "answers": { … }, "startedAt"?, "finishedAt"?, "visitKey"? }] }
// (a quiz names the client key of its "reached" log in visitKey) and gets one result per form, in order:
//   { "results": [{ "clientKey", "status": "stored" | "duplicate" | "refused", "reason"?, "message"?, "errors"? }] }.
// A bad form never spoils the others; a resend of a stored form is "duplicate".
import type { ActionFunctionArgs } from "@remix-run/node";
import { translate } from "~/i18n";
import { readBody } from "~/models/resident.server";
import { MAX_FORMS_BODY_BYTES, MAX_FORMS_PER_REQUEST, recordVisitForms } from "~/models/visit-forms.server";
import { roundByCode } from "~/models/visits.server";
import { requireApiPermission } from "~/utils/session.server";

export function loader() {
  return Response.json({ error: "POST forms here" }, { status: 405, headers: { Allow: "POST" } });
}

export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST") return Response.json({ error: "POST only" }, { status: 405, headers: { Allow: "POST" } });
  const user = await requireApiPermission(request, "visit:log");
  const { text, complete } = await readBody(request, MAX_FORMS_BODY_BYTES);
  if (!complete) return Response.json({ error: "body too large" }, { status: 413 });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return Response.json({ error: "body is not JSON" }, { status: 400 });
  }
  const { round: code, forms } = (body ?? {}) as { round?: unknown; forms?: unknown };
  if (typeof code !== "string" || !Array.isArray(forms))
    return Response.json({ error: 'expected { "round": "<code>", "forms": [ … ] }' }, { status: 400 });
  if (forms.length > MAX_FORMS_PER_REQUEST)
    return Response.json({ error: `at most ${MAX_FORMS_PER_REQUEST} forms per request; send the rest in another` }, { status: 413 });
  const round = await roundByCode(user.countyId, code);
  if (!round) return Response.json({ error: "round not found" }, { status: 404 });
  const results = await recordVisitForms(
    user,
    round,
    forms.map((f) => (f && typeof f === "object" ? f : {})),
    { userAgent: request.headers.get("User-Agent") },
  );
  return Response.json({
    results: results.map((r) => (r.reason ? { ...r, message: translate("zh", `visitForms.refused.${r.reason}`) } : r)),
  });
}
