import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, useLoaderData } from "@remix-run/react";
import { trendChartSvg } from "~/components/charts.server";
import { DataTable } from "~/components/data-table";
import { Crumbs } from "~/components/crumbs";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { CampaignField, MeasureField, MinNField, RateNav, toChoice } from "~/components/rate-controls";
import { EstimateCell, formulaLines, RateFormula } from "~/components/rate-figure";
import { isoWeekLabel, VISIT_MEASURES, weekEnd } from "~/domain/measures";
import { parseRateParams } from "~/domain/rate-params";
import { translate } from "~/i18n";
import { useT } from "~/i18n/use-t";
import { chooseCampaign } from "~/domain/rate-engine";
import { listRateCampaigns, rateTrend, visitTrends } from "~/models/rates.server";
import { chooseRound } from "~/models/visits.server";
import { getLang } from "~/utils/request.server";
import { requirePermission } from "~/utils/session.server";
import { invariantResponse, OptionalId } from "~/utils/input";

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "rates:read");
  const search = new URL(request.url).searchParams;
  const params = parseRateParams(search);
  const { target } = params;
  const [campaigns, lang] = await Promise.all([listRateCampaigns(user), getLang(request)]);
  const { campaign, measure } = chooseCampaign(campaigns, params);
  invariantResponse(campaign && measure);
  const trend = await rateTrend(user, {
    campaign,
    measure,
    placeId: OptionalId.parse(search.get("place")),
    gridId: OptionalId.parse(search.get("grid")),
    minN: params.minN,
  });
  invariantResponse(trend);
  // The door-to-door coverage and refusal of the same unit, week by week (the round asked for, else
  // `chooseRound`'s default).
  const { round } = await chooseRound(user.countyId, search.get("round"));
  invariantResponse(round !== undefined);
  const trends = round
    ? await visitTrends(user, {
        measures: VISIT_MEASURES,
        round,
        placeId: trend.unit.placeId,
        gridId: trend.unit.gridId,
        minN: params.minN,
        now: new Date(),
      })
    : [];
  invariantResponse(trends);
  const visits = trends.map((v, i) => ({ measure: VISIT_MEASURES[i], round: round?.name ?? "", formula: v.formula, weeks: v.weeks }));
  const unit = measure === "score" ? "" : "%";
  const plotted = trend.weeks.map((w) => {
    const shown = w.figure.weighted.rate !== null && !w.figure.belowMinimum;
    return {
      week: isoWeekLabel(w.week),
      value: shown ? w.figure.weighted.rate! * 100 : null,
      lower: shown ? w.figure.weighted.lower * 100 : null,
      upper: shown ? w.figure.weighted.upper * 100 : null,
    };
  });
  const label = translate(lang, "rates.trendChart", { name: trend.unit.name, measure: translate(lang, `rates.measure.${measure}`) });
  const chart = plotted.some((p) => p.value !== null) ? trendChartSvg({ points: plotted, target: target * 100, unit, label }) : null;
  const query = new URLSearchParams({ campaign: campaign.code, measure, minN: String(params.minN) });
  const here = new URLSearchParams(query);
  if (trend.unit.placeId !== null) here.set("place", String(trend.unit.placeId));
  if (trend.unit.gridId !== null) here.set("grid", String(trend.unit.gridId));
  return {
    campaigns: campaigns.map(toChoice),
    campaign: toChoice(campaign),
    measure,
    minN: params.minN,
    trend,
    chart,
    visits,
    query: `?${query}`,
    here: Object.fromEntries(here),
  };
}

export default function TrendsPage() {
  const { campaigns, campaign, measure, minN, trend, chart, visits, query, here } = useLoaderData<typeof loader>();
  const t = useT();
  return (
    <>
      <Crumbs
        crumbs={[
          { label: t("rates.title"), to: `/rates${query}` },
          ...(trend.unit.placeId === null ? [] : [{ label: trend.unit.name, to: `/rates/${trend.unit.placeId}${query}` }]),
        ]}
      />
      <h1>{t("rates.trendsTitle", { name: trend.unit.name })}</h1>
      <RateNav query={query} />
      <Form method="get" className="filters card">
        <CampaignField campaigns={campaigns} value={campaign.code} />
        <MeasureField measures={campaign.measures} value={measure} />
        <MinNField value={minN} />
        {here.place && <input type="hidden" name="place" value={here.place} />}
        {here.grid && <input type="hidden" name="grid" value={here.grid} />}
        <button type="submit" className="button">
          {t("rates.show")}
        </button>
      </Form>
      <RateFormula formula={trend.formula} minN={minN} collapsed />
      {chart ? (
        <figure className="chart card" dangerouslySetInnerHTML={{ __html: chart }} />
      ) : (
        <p className="muted">{t("rates.trendEmpty", { minN })}</p>
      )}
      <p className="muted">{t("rates.trendNote")}</p>
      <DataTable
        columns={[
          t("rates.col.week"),
          { num: t("rates.col.responses") },
          t("rates.col.weighted", { measure: t(`rates.measure.${measure}`) }),
          t("rates.col.plain"),
        ]}
        rows={[...trend.weeks].reverse()}
        className="rate-table"
        testId="trend-table"
        row={(w) => (
          <tr key={w.week} className={w.figure.belowMinimum ? "greyed" : undefined}>
            <td>
              {isoWeekLabel(w.week)} <span className="context">{w.week}</span>
            </td>
            <td className="num">{w.responses.toLocaleString()}</td>
            <td>
              <EstimateCell measure={measure} estimate={w.figure.weighted} greyed={w.figure.belowMinimum} />
            </td>
            <td>
              <EstimateCell measure={measure} estimate={w.figure.plain} greyed={w.figure.belowMinimum} />
            </td>
          </tr>
        )}
      />
      {visits.map((v) => (
        <section key={v.measure} data-testid={`${v.measure}-trend`}>
          <h2>{t(`rates.${v.measure}TrendTitle`, { round: v.round })}</h2>
          {formulaLines(t, v.formula, minN).map((line) => (
            <p key={line} className="muted">
              {line}
            </p>
          ))}
          <DataTable
            columns={[t("rates.col.week"), t(`rates.measure.${v.measure}`)]}
            rows={[...v.weeks].reverse()}
            className="rate-table"
            row={(w) => (
              <tr key={w.week} className={w.figure.belowMinimum ? "greyed" : undefined}>
                <td>
                  {isoWeekLabel(w.week)} <span className="context">{weekEnd(w.week)}</span>
                </td>
                <td>
                  <EstimateCell
                    measure={v.measure}
                    estimate={w.figure.weighted}
                    greyed={w.figure.belowMinimum}
                    census={{ successes: w.figure.counts.successes, n: w.figure.counts.n }}
                  />
                </td>
              </tr>
            )}
          />
        </section>
      ))}
    </>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
