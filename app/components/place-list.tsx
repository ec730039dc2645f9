import { Link } from "@remix-run/react";
import { useT } from "~/i18n/use-t";
import type { PlaceSummary } from "~/models/places.server";

/** Places as rows; `compound` prefixes a building's name where buildings of several compounds mix. */
export function PlaceList({ places }: { places: (PlaceSummary & { compound?: string | null })[] }) {
  const t = useT();
  if (places.length === 0) return <p className="muted">{t("places.none")}</p>;
  return (
    <ul className="list" data-testid="place-list">
      {places.map((p) => (
        <li key={p.id}>
          <Link className="row" to={`/places/${p.id}`} prefetch="intent">
            <span>
              <span className="name">{p.compound ? `${p.compound} ${p.name}` : p.name}</span>{" "}
              <span className="badge">{t(`level.${p.level}`)}</span>
            </span>
            <span className="count">{t("places.households", { n: p.households.toLocaleString() })}</span>
          </Link>
        </li>
      ))}
    </ul>
  );
}
