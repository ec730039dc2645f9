import { Link } from "@remix-run/react";
import { useT } from "~/i18n/use-t";
import type { PlaceSummary } from "~/models/places.server";

export function PlaceList({ places }: { places: PlaceSummary[] }) {
  const t = useT();
  if (places.length === 0) return <p className="muted">{t("places.none")}</p>;
  return (
    <ul className="list" data-testid="place-list">
      {places.map((p) => (
        <li key={p.id}>
          <Link className="row" to={`/places/${p.id}`} prefetch="intent">
            <span>
              <span className="name">{p.name}</span> <span className="badge">{t(`level.${p.level}`)}</span>
            </span>
            <span className="count">{t("places.households", { n: p.households.toLocaleString() })}</span>
          </Link>
        </li>
      ))}
    </ul>
  );
}
