import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { useT } from "~/i18n/use-t";
import { listGrids } from "~/models/places.server";
import { requirePermission } from "~/utils/session.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "place:read");
  return { grids: await listGrids(user) };
}

export default function GridsPage() {
  const { grids } = useLoaderData<typeof loader>();
  const t = useT();
  return (
    <>
      <h1>{t("grids.title")}</h1>
      {grids.length === 0 ? (
        <p className="muted">{t("grids.none")}</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>{t("grids.name")}</th>
                <th>{t("level.community")}</th>
                <th>{t("grids.leader")}</th>
                <th>{t("grids.unit")}</th>
                <th className="num">{t("level.building")}</th>
                <th className="num">{t("places.householdCount")}</th>
              </tr>
            </thead>
            <tbody>
              {grids.map((g) => (
                <tr key={g.id}>
                  <td>
                    <Link to={`/grids/${g.id}`}>{g.name}</Link>
                  </td>
                  <td>{g.community}</td>
                  <td>{g.leaderName ?? "—"}</td>
                  <td>{g.responsibleUnit ?? "—"}</td>
                  <td className="num">{g.buildings}</td>
                  <td className="num">{g.households.toLocaleString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
