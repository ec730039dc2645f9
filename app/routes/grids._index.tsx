import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { DataTable } from "~/components/data-table";
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
      <DataTable
        columns={[
          t("grids.name"),
          t("level.community"),
          t("grids.leader"),
          t("grids.unit"),
          { num: t("level.building") },
          { num: t("places.householdCount") },
        ]}
        rows={grids}
        empty={<p className="muted">{t("grids.none")}</p>}
        row={(g) => (
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
        )}
      />
    </>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
