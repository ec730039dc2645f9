import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { rankingChartSvg } from "~/components/charts.server";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { PrintButton } from "~/components/print-sheet";
import {
  CampaignField,
  LevelField,
  MeasureField,
  MinNField,
  TargetField,
  toChoice,
  WeekField,
  weeksOf,
  RoundField,
} from "~/components/rate-controls";
import { ChangeCell, EstimateCell, formatInterval, formatN, formatValue, RateFormula, StatusBadge } from "~/components/rate-figure";
import { unitHref } from "~/components/rate-table";
import { addWeeks, isoWeekLabel, isVisitMeasure, lowerIsBetter, VISIT_MEASURES, weekEnd, type ReportMeasure } from "~/domain/measures";
import { rankDepartments, type RankedDepartment } from "~/domain/ticket-rates";
import { monthsBefore } from "~/domain/tickets";
import { ticketRates } from "~/models/ticket-rates.server";
import { parseBulletinParams } from "~/domain/rate-params";
import { translate } from "~/i18n";
import { useT } from "~/i18n/use-t";
import { chooseCampaign, type BulletinRow } from "~/domain/rate-engine";
import { bulletinPage, listRateCampaigns, visitBulletinPage } from "~/models/rates.server";
import { listRounds } from "~/models/visits.server";
import { getLang } from "~/utils/request.server";
import { requirePermission } from "~/utils/session.server";
import { invariantResponse } from "~/utils/input";

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "rates:read");
  const url = new URL(request.url);
  const params = parseBulletinParams(url.searchParams);
  const now = new Date();
  const lang = await getLang(request);
  const visits = params.source !== "answers" ? params.source : null;
  // Ranked by a door-to-door measure: the campaigns are still listed, to switch back to an answers' measure.
  const [page, byVisits, rounds] = await Promise.all([
    visits
      ? listRateCampaigns(user).then((campaigns) => ({
          campaigns,
          ...chooseCampaign(campaigns, params),
          levels: [],
          week: null,
          bulletin: null,
        }))
      : bulletinPage(user, params, now),
    visits ? visitBulletinPage(user, visits, params, now) : null,
    listRounds(user.countyId),
  ]);
  invariantResponse(page !== "notFound" && byVisits !== "notFound");
  const { campaign } = page;
  const measure: ReportMeasure | null = visits ?? page.measure;
  const bulletin = byVisits ? byVisits.bulletin : page.bulletin;
  const week = byVisits ? byVisits.week : page.week;
  // 12345: departments ranked on the tickets the evaluation could draw (completed in the 6 months to the week's end).
  const until = week ? new Date(`${addWeeks(week, 1)}T00:00:00+08:00`) : new Date();
  const departments = rankDepartments(
    await ticketRates(user.countyId, "department", translate(lang, "ticketRates.noName"), {
      completedFrom: monthsBefore(until, 6),
      completedUntil: until,
    }),
    { target: params.target, minN: params.minN },
  );
  let chart: string | null = null;
  if (bulletin && measure) {
    chart = rankingChartSvg({
      bars: bulletin.rows.map((r) => ({
        name: r.unit.name,
        value: r.unit.figure.weighted.rate === null ? null : r.unit.figure.weighted.rate * 100,
        lower: r.unit.figure.weighted.lower * 100,
        upper: r.unit.figure.weighted.upper * 100,
        status: r.status,
      })),
      target: params.target * 100,
      unit: measure === "score" ? "" : "%",
      label: translate(lang, "bulletin.chartLabel", {
        measure: translate(lang, `rates.measure.${measure}`),
        week: isoWeekLabel(bulletin.week),
      }),
    });
  }
  const query = new URLSearchParams({
    ...(campaign ? { campaign: campaign.code } : {}),
    ...(measure ? { measure } : {}),
    ...(byVisits?.round ? { round: byVisits.round.code } : {}),
    ...(bulletin ? { level: bulletin.level } : params.level ? { level: params.level } : {}),
    ...(week ? { week: isoWeekLabel(week) } : {}),
    span: params.span,
    target: String(Math.round(params.target * 1000) / 10),
    minN: String(params.minN),
  });
  return {
    campaigns: page.campaigns.map(toChoice),
    campaign: campaign && toChoice(campaign),
    measure,
    measures: [...(campaign?.measures ?? []), ...(rounds.length ? VISIT_MEASURES : [])],
    rounds: rounds.map((r) => ({ code: r.code, name: r.name })),
    round: byVisits?.round ?? null,
    levels: byVisits ? byVisits.levels : page.levels,
    week,
    weeks: weeksOf(byVisits ? byVisits.weeks : campaign),
    params,
    bulletin,
    chart,
    departments,
    query: `?${query}`,
  };
}

export default function BulletinPage() {
  const { campaigns, campaign, measure, measures, rounds, round, levels, week, weeks, params, bulletin, chart, departments, query } =
    useLoaderData<typeof loader>();
  const t = useT();
  const census = isVisitMeasure(measure);
  if (!measure || !bulletin || !week) {
    return (
      <>
        <h1>{t("bulletin.title")}</h1>
        <p className="muted">{census ? t("bulletin.noRounds") : campaign ? t("rates.noResponses") : t("rates.noCampaigns")}</p>
      </>
    );
  }
  const counts = { red: 0, yellow: 0, green: 0 };
  for (const r of bulletin.rows) if (r.status) counts[r.status] += 1;
  const measureName = t(`rates.measure.${measure}`);
  return (
    <div className="bulletin">
      <Form method="get" className="filters card no-print">
        {census ? (
          <>
            {campaign && <input type="hidden" name="campaign" value={campaign.code} />}
            <RoundField rounds={rounds} value={round?.code ?? null} label={t("rates.field.round")} />
          </>
        ) : (
          campaign && <CampaignField campaigns={campaigns} value={campaign.code} />
        )}
        <MeasureField measures={measures} value={measure} />
        <LevelField levels={levels} value={bulletin.level} label={t("bulletin.field.level")} />
        <WeekField name="week" label={t("bulletin.field.week")} weeks={weeks} value={week} />
        {!census && (
          <label>
            {t("bulletin.field.span")}
            <select name="span" defaultValue={params.span}>
              <option value="cumulative">{t("bulletin.span.cumulative")}</option>
              <option value="week">{t("bulletin.span.week")}</option>
            </select>
          </label>
        )}
        <TargetField value={params.target} measure={measure} />
        <MinNField value={params.minN} />
        <button type="submit" className="button">
          {t("rates.show")}
        </button>
      </Form>
      <p className="actions no-print">
        <PrintButton label={t("bulletin.print")} />
        <a className="button secondary" href={`/bulletin/xlsx${query}`} download>
          {t("bulletin.xlsx")}
        </a>
        <Link to={`/rates${query}`}>{t("rates.title")}</Link>
      </p>

      <article className="bulletin-sheet" data-testid="bulletin">
        <header>
          <h1>{t("bulletin.heading", { scope: bulletin.total.unit.name, measure: measureName })}</h1>
          <p className="bulletin-meta">
            {census
              ? t("bulletin.metaRound", {
                  week: isoWeekLabel(week),
                  from: week,
                  to: weekEnd(week),
                  round: round?.name ?? "",
                  level: t(`rates.level.${bulletin.level}`),
                })
              : t("bulletin.meta", {
                  week: isoWeekLabel(week),
                  from: week,
                  to: weekEnd(week),
                  campaign: campaign?.name ?? "",
                  span: t(`bulletin.span.${params.span}`),
                  level: t(`rates.level.${bulletin.level}`),
                })}
          </p>
        </header>
        <div className="stats bulletin-stats">
          <div
            className={bulletin.total.unit.figure.belowMinimum ? "stat greyed" : "stat"}
            title={bulletin.total.unit.figure.belowMinimum ? t("rates.belowMinimumHint") : undefined}
          >
            {t(census ? "bulletin.overallCensus" : "bulletin.overall", { measure: measureName })}
            <b>{formatValue(measure, bulletin.total.unit.figure.weighted.rate)}</b>
            {census && (
              <span className="muted">
                {t("rates.householdsOf", {
                  reached: bulletin.total.unit.figure.counts.successes.toLocaleString(),
                  n: bulletin.total.unit.figure.counts.n.toLocaleString(),
                })}
              </span>
            )}
            {!census && bulletin.total.unit.figure.weighted.rate !== null && (
              <span className="muted">
                {t("rates.interval", { interval: formatInterval(measure, bulletin.total.unit.figure.weighted) })} ·{" "}
                {t("rates.nEff", { n: formatN(bulletin.total.unit.figure.weighted.n) })} ·{" "}
                {t("rates.respondents", { n: bulletin.total.unit.responses.toLocaleString() })}
              </span>
            )}
          </div>
          <div className="stat">
            {t("bulletin.target")}
            <b>{formatValue(measure, params.target)}</b>
          </div>
          <div className="stat">
            {t("bulletin.counts")}
            <b>
              <span className="status red">{counts.red}</span> <span className="status yellow">{counts.yellow}</span>{" "}
              <span className="status green">{counts.green}</span>
            </b>
          </div>
        </div>
        {chart && <figure className="chart" dangerouslySetInnerHTML={{ __html: chart }} />}
        <div className="table-wrap">
          <table className="rate-table bulletin-table" data-testid="bulletin-table">
            <thead>
              <tr>
                <th className="num">{t("rates.col.rank")}</th>
                <th>{t(`rates.level.${bulletin.level}`)}</th>
                <th>
                  {t(census ? "bulletin.col.upToWeekEnd" : params.span === "week" ? "bulletin.col.thisWeek" : "bulletin.col.upToWeek", {
                    measure: measureName,
                  })}
                </th>
                <th className="num">{t("bulletin.col.lastWeek")}</th>
                <th>{t("bulletin.col.change")}</th>
                <th>{t("bulletin.col.status")}</th>
              </tr>
            </thead>
            <tbody>
              {bulletin.rows.map((row) => (
                <BulletinTableRow key={row.unit.key} row={row} measure={measure} query={query} />
              ))}
            </tbody>
          </table>
        </div>
        <footer className="bulletin-notes">
          <p>
            {t(census ? (lowerIsBetter(measure) ? "bulletin.legendCensusLower" : "bulletin.legendCensus") : "bulletin.legend", {
              target: formatValue(measure, params.target),
              minN: params.minN,
            })}
          </p>
          <RateFormula formula={bulletin.formula} minN={params.minN} />
        </footer>
        <DepartmentRanking departments={departments} target={params.target} minN={params.minN} />
      </article>
    </div>
  );
}

function BulletinTableRow({ row, measure, query }: { row: BulletinRow; measure: ReportMeasure; query: string }) {
  const { unit, previous, change } = row;
  const census = unit.figure.census;
  const href = census ? null : unitHref(unit, query);
  const greyed = unit.figure.belowMinimum;
  return (
    <tr className={greyed ? "greyed" : undefined} data-status={row.status ?? "none"}>
      <td className="num">{unit.rank ?? "—"}</td>
      <td>
        {href ? <Link to={href}>{unit.name}</Link> : unit.name}
        {unit.context && <span className="context">{unit.context}</span>}
      </td>
      <td>
        <EstimateCell
          measure={measure}
          estimate={unit.figure.weighted}
          greyed={greyed}
          census={census ? { successes: unit.figure.counts.successes, n: unit.figure.counts.n } : undefined}
        />
      </td>
      <td className="num">{formatValue(measure, previous.figure.weighted.rate)}</td>
      <td>
        <ChangeCell
          measure={measure}
          current={unit.figure.weighted}
          previous={previous.figure.weighted}
          comparison={change}
          census={census}
        />
      </td>
      <td>
        <StatusBadge status={row.status} />
      </td>
    </tr>
  );
}

function DepartmentRanking({ departments, target, minN }: { departments: RankedDepartment[]; target: number; minN: number }) {
  const t = useT();
  if (departments.length === 0) return null;
  return (
    <section className="department-ranking">
      <h2>{t("ticketRates.ranking")}</h2>
      <div className="table-wrap">
        <table className="rate-table" data-testid="department-ranking">
          <thead>
            <tr>
              <th className="num">{t("ticketRates.col.rank")}</th>
              <th>{t("ticketRates.col.unit")}</th>
              <th>{t("ticketRates.rate.satisfactionAfter")}</th>
              <th>{t("ticketRates.rate.satisfactionBefore")}</th>
              <th>{t("ticketRates.rate.onTime")}</th>
              <th className="num">{t("ticketRates.col.followUpsOverdue")}</th>
              <th>{t("bulletin.col.status")}</th>
            </tr>
          </thead>
          <tbody>
            {departments.map((d) => (
              <tr key={d.unit.name} className={d.figure.belowMinimum ? "greyed" : undefined} data-status={d.status ?? "none"}>
                <td className="num">{d.rank ?? "—"}</td>
                <td>{d.unit.name}</td>
                <td>
                  <EstimateCell measure="satisfaction" estimate={d.figure.weighted} greyed={d.figure.belowMinimum} />
                </td>
                <td>
                  <EstimateCell measure="satisfaction" estimate={d.unit.satisfactionBefore} />
                </td>
                <td>
                  <EstimateCell measure="satisfaction" estimate={d.unit.onTime} />
                </td>
                <td className="num">{d.unit.followUpsOverdue}</td>
                <td>
                  <StatusBadge status={d.status} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="muted">{t("ticketRates.rankingNote", { target: formatValue("satisfaction", target), minN })}</p>
    </section>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
