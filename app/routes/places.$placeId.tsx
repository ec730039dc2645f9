import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { Crumbs } from "~/components/crumbs";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { StatCount } from "~/components/stat";
import { PlaceList } from "~/components/place-list";
import { useT } from "~/i18n/use-t";
import { LEVELS } from "~/domain/places";
import { EstimateCell } from "~/components/rate-figure";
import { TICKET_RATES } from "~/domain/ticket-rates";
import { childrenOf, getPlace, householdsOf, type HouseholdRow } from "~/models/places.server";
import { placeTicketRates } from "~/models/ticket-rates.server";
import { can } from "~/utils/permissions";

import { requirePermission } from "~/utils/session.server";
import { idParam, invariantResponse } from "~/utils/input";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "place:read");
  const placeId = idParam(params.placeId);
  // Outside the user's scope looks exactly like a place that does not exist.
  const place = await getPlace(user, placeId);
  invariantResponse(place);
  const showRooms = place.level === "building" || place.level === "stairwell";
  // The 12345 tickets linked to the place or inside it, for those who read tickets; none below a community.
  const showTickets = can(user.role, "ticket:read") && ["county", "street", "community"].includes(place.level);
  const [children, households, tickets] = await Promise.all([
    childrenOf(user, placeId),
    showRooms ? householdsOf(user, placeId) : Promise.resolve([] as HouseholdRow[]),
    showTickets ? placeTicketRates(user.countyId, placeId, place.name) : Promise.resolve(null),
  ]);
  return { place, children, households, tickets };
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
  const { place, children, households, tickets } = useLoaderData<typeof loader>();
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
      {tickets && (
        <section className="card" data-testid="place-tickets">
          <h2>{t("places.tickets", { n: tickets.tickets.toLocaleString() })}</h2>
          {tickets.tickets === 0 ? (
            <p className="muted">{t("places.noTickets")}</p>
          ) : (
            <dl className="figures">
              {TICKET_RATES.map((r) => (
                <div key={r} data-rate={r}>
                  <dt>{t(`ticketRates.rate.${r}`)}</dt>
                  <dd>
                    <EstimateCell measure="satisfaction" estimate={tickets[r]} />
                  </dd>
                </div>
              ))}
            </dl>
          )}
          <p className="muted">{t("places.ticketsNote")}</p>
        </section>
      )}
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
