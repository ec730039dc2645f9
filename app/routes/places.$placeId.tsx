import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { Crumbs } from "~/components/crumbs";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { StatCount } from "~/components/stat";
import { PlaceList } from "~/components/place-list";
import { useT } from "~/i18n/use-t";
import { LEVELS } from "~/domain/places";
import { childrenOf, getPlace, householdsOf, type HouseholdRow } from "~/models/places.server";

import { requirePermission } from "~/utils/session.server";
import { idParam, invariantResponse } from "~/utils/input";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "place:read");
  const placeId = idParam(params.placeId);
  // Outside the user's scope looks exactly like a place that does not exist.
  const place = await getPlace(user, placeId);
  invariantResponse(place);
  const showRooms = place.level === "building" || place.level === "stairwell";
  const [children, households] = await Promise.all([
    childrenOf(user, placeId),
    showRooms ? householdsOf(user, placeId) : Promise.resolve([] as HouseholdRow[]),
  ]);
  return { place, children, households };
}

function groupByStairwell(households: HouseholdRow[]) {
  const groups = new Map<string, HouseholdRow[]>();
  for (const h of households) {
    const key = h.stairwell ?? "";
    groups.set(key, [...(groups.get(key) ?? []), h]);
  }
  return [...groups.entries()];
}

export default function PlacePage() {
  const { place, children, households } = useLoaderData<typeof loader>();
  const t = useT();
  const belowLevels = LEVELS.filter((l) => place.below[l]);
  return (
    <>
      <Crumbs crumbs={place.crumbs.slice(0, -1).map((c) => ({ label: c.name, to: c.visible ? `/places/${c.id}` : undefined }))} />
      <h1>
        {place.name} <span className="badge">{t(`level.${place.level}`)}</span>
      </h1>
      {place.grid && (
        <p className="muted">
          {t("places.inGrid")}
          <Link to={`/grids/${place.grid.id}`}>{place.grid.name}</Link>
        </p>
      )}
      <div className="stats" data-testid="place-stats">
        <StatCount label={t("places.householdCount")} n={place.households} />
        <StatCount label={t("places.vacantCount")} n={place.vacant} />
        {belowLevels.map((l) => (
          <StatCount key={l} label={t(`level.${l}`)} n={place.below[l]!} />
        ))}
      </div>
      {children.length > 0 && (
        <>
          <h2>{t("places.children")}</h2>
          <PlaceList places={children} />
        </>
      )}
      {households.length > 0 && (
        <>
          <h2>{t("places.rooms")}</h2>
          {groupByStairwell(households).map(([stairwell, rooms]) => (
            <section key={stairwell} className="card">
              {stairwell && <h3 style={{ margin: "0 0 0.5rem" }}>{stairwell}</h3>}
              <div className="rooms">
                {rooms.map((h) => (
                  <span key={h.id} className={h.vacant ? "room vacant" : "room"} title={h.vacant ? t("places.vacant") : undefined}>
                    {h.room}
                  </span>
                ))}
              </div>
            </section>
          ))}
          <p className="muted">{t("places.vacantLegend")}</p>
        </>
      )}
    </>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
