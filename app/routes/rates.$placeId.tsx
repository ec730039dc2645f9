import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { Crumbs } from "~/components/crumbs";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { StatCount } from "~/components/stat";
import { CampaignField, MinNField, RateNav, toChoice } from "~/components/rate-controls";
import { EstimateCell, FigureSummary, RateFormula } from "~/components/rate-figure";
import { RateTable } from "~/components/rate-table";
import { parseRateParams } from "~/domain/rate-params";
import { useT } from "~/i18n/use-t";
import { chooseCampaign } from "~/domain/rate-engine";
import { listRateCampaigns, placeReport } from "~/models/rates.server";

import { requirePermission } from "~/utils/session.server";
import { idParam, invariantResponse } from "~/utils/input";

export async function loader({ request, params: route }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "rates:read");
  const placeId = idParam(route.placeId);
  const params = parseRateParams(new URL(request.url).searchParams);
  const campaigns = await listRateCampaigns(user);
  const { campaign, measure } = chooseCampaign(campaigns, params);
  invariantResponse(campaign && measure);
  const report = await placeReport(user, { campaign, placeId, measure, range: { from: params.from, to: params.to }, minN: params.minN });
  // Outside the scope looks exactly like a place that does not exist.
  invariantResponse(report);
  const target = String(Math.round(params.target * 1000) / 10);
  const query = new URLSearchParams({ campaign: campaign.code, measure, minN: String(params.minN), target });
  return {
    campaigns: campaigns.map(toChoice),
    campaign: toChoice(campaign),
    measure,
    minN: params.minN,
    target: params.target,
    report,
    query: `?${query}`,
  };
}

export default function PlaceRatesPage() {
  const { campaigns, campaign, measure, minN, target, report, query } = useLoaderData<typeof loader>();
  const t = useT();
  const { place } = report;
  return (
    <>
      <Crumbs
        crumbs={[
          { label: t("rates.title"), to: `/rates${query}` },
          ...report.crumbs.slice(0, -1).map((c) => ({ label: c.name, to: `/rates/${c.id}${query}` })),
        ]}
      />
      <h1>
        {place.name} <span className="badge">{t(`level.${place.level}`)}</span>
      </h1>
      <RateNav query={`${query}&place=${place.id}`} />
      <Form method="get" className="filters card">
        <CampaignField campaigns={campaigns} value={campaign.code} />
        <input type="hidden" name="measure" value={measure} />
        <MinNField value={minN} />
        <button type="submit" className="button">
          {t("rates.show")}
        </button>
      </Form>
      <div className="stats" data-testid="place-rate-stats">
        <StatCount label={t("rates.col.households")} n={place.households} />
        <StatCount label={t("rates.col.responses")} n={report.responses} />
      </div>

      {report.measures.map((m) => (
        <section key={m.formula.measure} className="card measure-card" data-testid={`measure-${m.formula.measure}`}>
          <h2>{t(`rates.measure.${m.formula.measure}`)}</h2>
          <FigureSummary
            measure={m.formula.measure}
            figure={m.figure}
            label={t(place.level === "building" ? "rates.buildingLabel" : "rates.weightedLabel")}
            responses={report.responses}
          />
          <RateFormula formula={m.formula} minN={minN} collapsed />
          <h3>{t("rates.byQuestion")}</h3>
          <ul className="question-rates">
            {m.questions.map((q) => (
              <li key={q.name}>
                <span className="question-title">{q.title}</span>
                <EstimateCell measure={m.formula.measure} estimate={q.figure.weighted} greyed={q.figure.belowMinimum} />
                <span className="answers">
                  {q.answers.length === 0
                    ? t("rates.noAnswers")
                    : q.answers.map((a) => `${a.answer} ${a.count.toLocaleString()}`).join(" · ")}
                </span>
              </li>
            ))}
          </ul>
        </section>
      ))}

      {report.children && (
        <>
          <h2>{t("rates.childrenOf", { level: t(`rates.level.${report.children.level}`), measure: t(`rates.measure.${measure}`) })}</h2>
          <p className="actions">
            {campaign.measures.map((m) => (
              <Link
                key={m}
                to={`?${new URLSearchParams({ campaign: campaign.code, measure: m, minN: String(minN) })}`}
                className={m === measure ? "badge on" : "badge"}
              >
                {t(`rates.measure.${m}`)}
              </Link>
            ))}
          </p>
          <p className="muted">{t("rates.tableNote", { minN })}</p>
          <RateTable units={report.children.units} measure={measure} query={query} target={target} />
        </>
      )}
    </>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
