// The checker's phone downloads a spot check: GET /api/spot-checks/assignment?check=<id>
// (signed-in session; only the check's checker): the check and its households by building and
// stairwell, each with its latest result, in the shape of /api/visits/assignment.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { checkAssignment, checkForChecker } from "~/models/spot-checks.server";
import { wholeNumber, MAX_ID } from "~/utils/input";
import { requireApiPermission } from "~/utils/session.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireApiPermission(request, "visit:log");
  const id = wholeNumber(new URL(request.url).searchParams.get("check"), 1, MAX_ID);
  const check = id === null ? null : await checkForChecker(user, id);
  if (!check) return Response.json({ error: "spot check not found" }, { status: 404 });
  return Response.json(await checkAssignment(check), { headers: { "Cache-Control": "no-store" } });
}
