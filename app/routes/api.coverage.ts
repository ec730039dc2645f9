// Door-to-door coverage as JSON: GET /api/coverage?round=<code>&level=<level> (signed-in session,
// scoped like the pages): { "units": [{ name, placeId | gridId | userId, households, toReach,
// reached, notHome, refused, vacant, unreachable, pending, coverage }] }.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { COVERAGE_LEVELS, coverage, roundByCode, type CoverageLevel } from "~/models/visits.server";
import { requireApiPermission } from "~/utils/session.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireApiPermission(request, "visit:read");
  const search = new URL(request.url).searchParams;
  const round = await roundByCode(user.countyId, search.get("round")?.trim() ?? "");
  if (!round) return Response.json({ error: "round not found" }, { status: 404 });
  const level = search.get("level") ?? "community";
  if (!(COVERAGE_LEVELS as readonly string[]).includes(level))
    return Response.json({ error: `level must be one of: ${COVERAGE_LEVELS.join(", ")}` }, { status: 400 });
  const { units } = await coverage(user, round, level as CoverageLevel);
  return Response.json({ round: round.code, level, units }, { headers: { "Cache-Control": "no-store" } });
}
