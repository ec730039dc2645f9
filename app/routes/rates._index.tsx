import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, useLoaderData } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import {
  CampaignField,
  LevelField,
  MeasureField,
  MinNField,
  RateNav,
  TargetField,
  toChoice,
  WeekField,
  weeksOf,
} from "~/components/rate-controls";
import { FigureSummary, formatValue, RateFormula } from "~/components/rate-figure";
import { RateTable } from "~/components/rate-table";
import { addWeeks } from "~/domain/measures";
import { parseRateParams } from "~/domain/rate-params";
import { useT } from "~/i18n/use-t";
import { chooseCampaign } from "~/domain/rate-engine";
import { listRateCampaigns, rateTable } from "~/models/rates.server";
import { requirePermission } from "~/utils/session.server";
import { invariantResponse } from "~/utils/input";

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "rates:read");
  const params = parseRateParams(new URL(request.url).searchParams);
  const campaigns = await listRateCampaigns(user);
  const { campaign, measure, unknownCampaign } = chooseCampaign(campaigns, params);
  invariantResponse(!unknownCampaign);
  const table =
    campaign && measure
      ? await rateTable(user, { campaign, measure, level: params.level, range: { from: params.from, to: params.to }, minN: params.minN })
      : null;
  const query = new URLSearchParams();
  if (campaign) query.set("campaign", campaign.code);
  if (measure) query.set("measure", measure);
  query.set("minN", String(params.minN));
  query.set("target", String(Math.round(params.target * 1000) / 10));
  return {
    campaigns: campaigns.map(toChoice),
    campaign: campaign && toChoice(campaign),
    measure,
    params,
    table,
    query: `?${query}`,
  };
}

export default function RatesPage() {
  const { campaigns, campaign, measure, params, table, query } = useLoaderData<typeof loader>();
  const t = useT();
  const weeks = weeksOf(campaign);
  return (
    <>
      <h1>{t("rates.title")}</h1>
      <RateNav query={query} />
      {!campaign ? (
        <p className="muted">{t("rates.noCampaigns")}</p>
      ) : !measure || !table ? (
        <p className="muted">{t("rates.noMeasures")}</p>
      ) : (
        <>
          <Form method="get" className="filters card">
            <CampaignField campaigns={campaigns} value={campaign.code} />
            <MeasureField measures={campaign.measures} value={measure} />
            <LevelField levels={table.levels} value={table.level} />
            <WeekField name="from" label={t("rates.field.from")} weeks={weeks} value={params.from} empty={t("rates.field.anyWeek")} />
            <WeekField
              name="to"
              label={t("rates.field.to")}
              weeks={weeks}
              value={params.to && addWeeks(params.to, -1)}
              empty={t("rates.field.anyWeek")}
            />
            <MinNField value={params.minN} />
            <TargetField value={params.target} />
            <button type="submit" className="button">
              {t("rates.show")}
            </button>
          </Form>
          {campaign.responses === 0 && <p className="alert warn">{t("rates.noResponses")}</p>}
          <section className="card">
            <FigureSummary
              measure={measure}
              figure={table.total.figure}
              responses={table.total.responses}
              label={t("rates.summaryLabel", { name: table.total.name, measure: t(`rates.measure.${measure}`) })}
            />
            <RateFormula formula={table.formula} minN={params.minN} />
          </section>
          <h2>{t("rates.byLevel", { level: t(`rates.level.${table.level}`) })}</h2>
          <p className="muted">{t("rates.tableNote", { minN: params.minN })}</p>
          <p className="muted">{t("rates.statusNote", { target: formatValue(measure, params.target) })}</p>
          <RateTable units={table.units} measure={measure} query={query} total={table.total} target={params.target} />
        </>
      )}
    </>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
