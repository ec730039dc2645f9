// The volunteer's phone downloads its round: GET /api/visits/assignment?round=<code> (signed-in
// session). The round, its rules and deadlines, and the households assigned to the user now; with
// `forms`, the round's questionnaire and quiz as the phone draws them (filled offline too).
import type { LoaderFunctionArgs } from "@remix-run/node";
import { roundForms } from "~/models/visit-forms.server";
import { assignmentFor, roundByCode } from "~/models/visits.server";
import { requireApiPermission } from "~/utils/session.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireApiPermission(request, "visit:log");
  const code = new URL(request.url).searchParams.get("round")?.trim() ?? "";
  const round = code ? await roundByCode(user.countyId, code) : null;
  if (!round) return Response.json({ error: "round not found" }, { status: 404 });
  const assignment = await assignmentFor(user, round);
  const households = assignment.buildings.flatMap((b) => b.stairwells.flatMap((s) => s.households.map((h) => h.id)));
  return Response.json({ ...assignment, forms: await roundForms(round, households) }, { headers: { "Cache-Control": "no-store" } });
}
