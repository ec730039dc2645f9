// The trail above a page's title: each step a link back up (a step without `to` is shown as text,
// for places outside the user's scope).
import { Link } from "@remix-run/react";
import { useT } from "~/i18n/use-t";

export type Crumb = { label: string; to?: string };

export function Crumbs({ crumbs, label }: { crumbs: Crumb[]; label?: string }) {
  const t = useT();
  return (
    <nav className="crumbs" aria-label={label ?? t("places.crumbs")}>
      {crumbs.map((c, i) => (
        <span key={i}>{c.to === undefined ? c.label : <Link to={c.to}>{c.label}</Link>}</span>
      ))}
    </nav>
  );
}
