import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { PlaceList } from "~/components/place-list";
import { useT } from "~/i18n/use-t";
import { getGrid } from "~/models/places.server";

import { requirePermission } from "~/utils/session.server";
import { idParam, invariantResponse } from "~/utils/input";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "place:read");
  const found = await getGrid(user, idParam(params.gridId));
  invariantResponse(found);
  return found;
}

export default function GridPage() {
  const { grid, buildings } = useLoaderData<typeof loader>();
  const t = useT();
  return (
    <>
      <h1>{grid.name}</h1>
      <div className="card">
        <p>{t("grids.communityLine", { community: grid.community })}</p>
        <p>{t("grids.leaderLine", { name: grid.leaderName ?? "—", phone: grid.leaderPhone ?? "—" })}</p>
        <p>{t("grids.unitLine", { unit: grid.responsibleUnit ?? "—" })}</p>
        <p>{t("grids.sizeLine", { buildings: grid.buildings, households: grid.households.toLocaleString() })}</p>
      </div>
      <PlaceList places={buildings.map((b) => ({ ...b, name: `${b.compound} ${b.name}` }))} />
    </>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
