// The table of units at one level: rank, weighted figure, its 红/黄/绿 rating, plain figure, counts.
// Rows under the minimum n are greyed and carry no rank and no colour.
import { Link } from "@remix-run/react";
import { statusFor, type MeasureKey } from "~/domain/measures";
import { useT } from "~/i18n/use-t";
import type { RateUnit } from "~/domain/rate-engine";
import { DataTable } from "~/components/data-table";
import { EstimateCell, StatusBadge } from "~/components/rate-figure";

export function unitHref(unit: Pick<RateUnit, "placeId" | "gridId">, query: string): string | null {
  if (unit.placeId !== null) return `/rates/${unit.placeId}${query}`;
  if (unit.gridId !== null) return `/rates/trends${query ? `${query}&` : "?"}grid=${unit.gridId}`;
  return null;
}

export function RateTable({
  units,
  measure,
  query,
  total,
  target,
}: {
  units: RateUnit[];
  measure: MeasureKey;
  /** The target of the 红/黄/绿 rating: the bulletin's rule, on the same figure. */
  target: number;
  /** The current query string ("?campaign=…&measure=…"), carried into the links. */
  query: string;
  total?: RateUnit;
}) {
  const t = useT();
  const sorted = [...units].sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity));
  const rows = total ? [total, ...sorted] : sorted;
  return (
    <DataTable
      columns={[
        { num: t("rates.col.rank") },
        t("rates.col.unit"),
        t("rates.col.weighted", { measure: t(`rates.measure.${measure}`) }),
        t("bulletin.col.status"),
        t("rates.col.plain"),
        { num: measure === "score" ? t("rates.col.points") : t("rates.col.positive") },
        { num: t("rates.col.excluded") },
        { num: t("rates.col.responses") },
        { num: t("rates.col.households") },
      ]}
      rows={rows}
      className="rate-table"
      testId="rate-table"
      row={(u) => {
        const href = unitHref(u, query);
        const isTotal = u === total;
        const f = u.figure;
        return (
          <tr key={u.key} className={[isTotal ? "total" : "", f.belowMinimum ? "greyed" : ""].join(" ").trim() || undefined}>
            <td className="num">{isTotal ? "" : (u.rank ?? "—")}</td>
            <td>
              {href && !isTotal ? <Link to={href}>{u.name}</Link> : <span className="name">{u.name}</span>}
              {isTotal && <span className="badge">{t("rates.total")}</span>}
              {u.context && <span className="context">{u.context}</span>}
            </td>
            <td>
              <EstimateCell measure={measure} estimate={f.weighted} greyed={f.belowMinimum} />
            </td>
            <td>
              <StatusBadge status={f.belowMinimum || f.weighted.rate === null ? null : statusFor(f.weighted, target)} />
            </td>
            <td>
              <EstimateCell measure={measure} estimate={f.plain} greyed={f.belowMinimum} />
            </td>
            <td className="num">
              {measure === "score"
                ? f.counts.valid.toLocaleString()
                : `${f.counts.successes.toLocaleString()} / ${f.counts.trials.toLocaleString()}`}
            </td>
            <td className="num">
              {f.counts.excluded.toLocaleString()} / {f.counts.noAnswer.toLocaleString()}
            </td>
            <td className="num">{u.responses.toLocaleString()}</td>
            <td className="num">
              {u.households.toLocaleString()}
              {f.coverage !== null && f.weighted.rate !== null && (
                <span className="context">{t("rates.coverageShort", { pct: (f.coverage * 100).toFixed(0) })}</span>
              )}
            </td>
          </tr>
        );
      }}
    />
  );
}
