// The office's door-to-door coverage (覆盖率): the pace against both deadlines, then every unit of
// a level with households to reach and their statuses. A census of the round's households, so the
// figures are counts, not estimates.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { DataTable } from "~/components/data-table";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { RoundField } from "~/components/rate-controls";
import { COVERAGE_LEVELS, pace, type CoverageLevel, type Pace } from "~/domain/visits";
import { useT } from "~/i18n/use-t";
import { chooseRound, coverage, type CoverageUnit } from "~/models/visits.server";
import { invariantResponse } from "~/utils/input";
import { requirePermission } from "~/utils/session.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "visit:read");
  const search = new URL(request.url).searchParams;
  const { rounds, round } = await chooseRound(user.countyId, search.get("round"));
  invariantResponse(round !== undefined);
  if (!round) return { rounds: [], round: null, level: "community" as CoverageLevel, units: [], total: null, paces: null };
  const asked = search.get("level");
  const level: CoverageLevel = (COVERAGE_LEVELS as readonly string[]).includes(asked ?? "") ? (asked as CoverageLevel) : "community";
  const { units, total, finishedByDay } = await coverage(user, round, level);
  const now = new Date();
  const remaining = total.pending + total.notHome;
  const paces = {
    first: pace({ remaining, finishedByDay, deadline: round.firstDeadline, now }),
    final: pace({ remaining, finishedByDay, deadline: round.finalDeadline, now }),
  };
  return {
    rounds: rounds.map((r) => ({ code: r.code, name: r.name })),
    round: {
      code: round.code,
      name: round.name,
      firstDeadline: round.firstDeadline.toISOString(),
      finalDeadline: round.finalDeadline.toISOString(),
      unreachableAfter: round.unreachableAfter,
    },
    level,
    units,
    total,
    paces,
  };
}

const pct = (rate: number | null) => (rate === null ? "—" : `${(rate * 100).toFixed(1)}%`);

export default function CoveragePage() {
  const { rounds, round, level, units, total, paces } = useLoaderData<typeof loader>();
  const t = useT();
  if (!round || !total || !paces) return <p className="muted">{t("coverage.noRounds")}</p>;
  return (
    <>
      <h1>{t("coverage.title")}</h1>
      <Form method="get" className="filters card">
        <RoundField rounds={rounds} value={round.code} label={t("coverage.round")} />
        <label>
          {t("coverage.level")}
          <select name="level" defaultValue={level}>
            {COVERAGE_LEVELS.map((l) => (
              <option key={l} value={l}>
                {t(`coverage.level.${l}`)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="button">
          {t("rates.show")}
        </button>
      </Form>
      <section className="card" data-testid="coverage-total">
        <p className="coverage-headline">
          {t("coverage.headline", {
            reached: total.reached.toLocaleString(),
            n: total.coverage.n.toLocaleString(),
            rate: pct(total.coverage.rate),
          })}
        </p>
        <div className="pace-grid">
          <PaceCard label={t("coverage.firstDeadline", { date: day(round.firstDeadline) })} pace={paces.first} />
          <PaceCard label={t("coverage.finalDeadline", { date: day(round.finalDeadline) })} pace={paces.final} />
        </div>
        <p className="muted">{t("coverage.rule", { n: round.unreachableAfter })}</p>
        <p className="actions">
          <a className="button secondary" href={`/coverage/lists.xlsx?round=${round.code}`} download>
            {t("coverage.lists.download")}
          </a>
          <Link to={`/coverage/review?round=${round.code}`}>{t("coverage.review")}</Link>
          <Link to={`/coverage/spot-checks?round=${round.code}`}>{t("spotChecks.title")}</Link>
        </p>
      </section>
      <h2>{t("coverage.byLevel", { level: t(`coverage.level.${level}`) })}</h2>
      <DataTable
        testId="coverage-table"
        columns={[
          t("coverage.col.unit"),
          // The figure first, beside its unit: on a phone the columns after it scroll out of view.
          ...(["coverage", "toReach", "reached", "notHome", "refused", "vacant", "unreachable", "pending"] as const).map((c) => ({
            num: t(`coverage.col.${c}`),
          })),
        ]}
        rows={units}
        row={(u) => (
          <tr key={`${u.placeId}-${u.gridId}-${u.userId}-${u.name}`}>
            {cellsOf(u, level, round.code).map((cell, i) => (
              <td key={i} className={i === 0 ? undefined : "num"}>
                {cell}
              </td>
            ))}
          </tr>
        )}
        empty={<p className="muted">{t("coverage.empty")}</p>}
      />
    </>
  );
}

function cellsOf(u: CoverageUnit, level: CoverageLevel, round: string) {
  return [
    level === "building" && u.placeId ? <Link to={`/coverage/building/${u.placeId}?round=${round}`}>{u.name}</Link> : u.name,
    pct(u.coverage.rate),
    u.toReach.toLocaleString(),
    u.reached.toLocaleString(),
    u.notHome.toLocaleString(),
    u.refused.toLocaleString(),
    u.vacant.toLocaleString(),
    u.unreachable.toLocaleString(),
    u.pending.toLocaleString(),
  ];
}

const day = (iso: string) => new Date(new Date(iso).getTime() - 1).toLocaleDateString("zh-CN", { timeZone: "Asia/Shanghai" });

function PaceCard({ label, pace: p }: { label: string; pace: Pace }) {
  const t = useT();
  return (
    <div className={p.late ? "pace late" : "pace"} data-testid="pace">
      <b>{label}</b>
      <span>{t("coverage.daysLeft", { n: p.daysLeft })}</span>
      <span>{t("coverage.remaining", { n: p.remaining.toLocaleString() })}</span>
      <span>
        {p.neededPerDay === null
          ? t("coverage.pastDeadline")
          : t("coverage.neededPerDay", { n: Math.ceil(p.neededPerDay).toLocaleString() })}
      </span>
      <span>{t("coverage.lastThreeDays", { n: Math.round(p.lastThreeDays).toLocaleString() })}</span>
      <span className="projected">{p.projected ? t("coverage.projected", { date: p.projected }) : t("coverage.noPace")}</span>
      {p.late && <span className="status red">{t("coverage.late")}</span>}
    </div>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
