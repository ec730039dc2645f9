// A building in the office's coverage: stairwells side by side, floors top down, each household
// coloured by its door-to-door status.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { useT } from "~/i18n/use-t";
import { buildingVisits, roundByCode } from "~/models/visits.server";
import { idParam, invariantResponse } from "~/utils/input";
import { requirePermission } from "~/utils/session.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "visit:read");
  const code = new URL(request.url).searchParams.get("round");
  const round = code ? await roundByCode(user.countyId, code) : null;
  invariantResponse(round);
  const view = await buildingVisits(user, round, idParam(params.placeId));
  invariantResponse(view);
  return { round: { code: round.code, name: round.name }, ...view };
}

export default function BuildingCoverage() {
  const { round, building, stairwells } = useLoaderData<typeof loader>();
  const t = useT();
  const floors = [...new Set(stairwells.flatMap((s) => s.households.map((h) => h.floor ?? 0)))].sort((a, b) => b - a);
  return (
    <>
      <p>
        <Link to={`/coverage?round=${round.code}&level=building`}>{t("coverage.backToBuildings")}</Link>
      </p>
      <h1>
        {building.compound} {building.name}
      </h1>
      <p className="muted">{round.name}</p>
      <div className="table-wrap">
        <table className="building-grid" data-testid="building-grid">
          <thead>
            <tr>
              <th />
              {stairwells.map((s) => (
                <th key={s.name ?? ""}>{s.name ?? t("visits.noStairwell")}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {floors.map((f) => (
              <tr key={f}>
                <th>{f > 0 ? t("visits.floor", { n: f }) : t("visits.otherRooms")}</th>
                {stairwells.map((s) => (
                  <td key={s.name ?? ""}>
                    <div className="rooms compact">
                      {s.households
                        .filter((h) => (h.floor ?? 0) === f)
                        .map((h) => (
                          <span key={h.id} className={`room status-${h.status}`} title={t(`coverage.status.${h.status}`)}>
                            <b>{h.room}</b>
                            <span>{t(`coverage.status.${h.status}`)}</span>
                          </span>
                        ))}
                    </div>
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
