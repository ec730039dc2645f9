import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { DataTable } from "~/components/data-table";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { CampaignField, MinNField, toChoice } from "~/components/rate-controls";
import { EstimateCell, RateFormula } from "~/components/rate-figure";
import { EVALUATION_POINTS, forecastPart, type PartForecast, type Scoring } from "~/domain/forecast";
import { sampleView } from "~/models/evaluation-sample.server";
import { formulaFor, type ScoreOverride } from "~/domain/measures";
import { decimalParam, parseRateParams, percentParam } from "~/domain/rate-params";
import { useT } from "~/i18n/use-t";
import { forecastPoints } from "~/models/planning.server";
import { chooseCampaign } from "~/domain/rate-engine";
import { listRateCampaigns } from "~/models/rates.server";
import { requirePermission } from "~/utils/session.server";
import { invariantResponse } from "~/utils/input";

/** Points per answer (`points:sat_env:满意=100`) and weight per question (`weight:sat_overall=2`) from the query. */
function scoreOverride(search: URLSearchParams): ScoreOverride {
  const scores: Record<string, Record<string, number>> = {};
  const weights: Record<string, number> = {};
  for (const [key, value] of search) {
    const number = decimalParam(value, 100);
    if (number === null) continue;
    const points = /^points:([^:]+):(.+)$/.exec(key);
    if (points) (scores[points[1]] ??= {})[points[2]] = number;
    if (key.startsWith("weight:")) weights[key.slice(7)] = number;
  }
  return { scores, weights };
}

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "rates:read");
  const search = new URL(request.url).searchParams;
  const { campaign: code, minN } = parseRateParams(search);
  const campaigns = await listRateCampaigns(user);
  const { campaign, unknownCampaign } = chooseCampaign(campaigns, { campaign: code });
  invariantResponse(!unknownCampaign);
  const maxPoints = decimalParam(search.get("points"), 100) || EVALUATION_POINTS.household;
  const scoring: Scoring =
    search.get("rule") === "deduction"
      ? { kind: "deduction", full: percentParam(search.get("full"), 1, 100, 0.9), perPoint: decimalParam(search.get("perPoint"), 100) ?? 1 }
      : { kind: "proportional" };
  const wantsScore = search.get("basis") === "score";
  const basis: "score" | "satisfaction" = campaign && wantsScore && campaign.measures.includes("score") ? "score" : "satisfaction";
  const override = basis === "score" ? scoreOverride(search) : {};
  const forecast =
    campaign && campaign.measures.includes(basis)
      ? await forecastPoints(user, { campaign, basis, override, maxPoints, scoring, minN })
      : null;
  // 12345: the current evaluation sample's satisfaction as the ratings stand now (callbacks included).
  const sample = await sampleView(user.countyId, null, { swing: false });
  const hotline = sample && {
    drawn: sample.sample.drawn,
    asOf: sample.sample.asOf,
    estimate: sample.satisfaction,
    forecast: sample.satisfaction.rate === null ? null : forecastPart(sample.satisfaction, EVALUATION_POINTS.hotline, scoring),
  };
  // The score's questions as they stand (with the override), for the override form.
  const scoreQuestions = campaign ? formulaFor("score", campaign.tagged, override).questions : [];
  return {
    campaigns: campaigns.map(toChoice),
    campaign: campaign && toChoice(campaign),
    basis,
    maxPoints,
    scoring,
    minN,
    forecast,
    hotline,
    scoreQuestions: scoreQuestions.map((q) => ({
      name: q.name,
      title: q.title,
      weight: q.weight,
      // Highest points first (the stored definition keeps no order of its own).
      scores: Object.entries(q.scores).sort((a, b) => b[1] - a[1]),
    })),
  };
}

export default function ForecastPage() {
  const { campaigns, campaign, basis, maxPoints, scoring, minN, forecast, hotline, scoreQuestions } = useLoaderData<typeof loader>();
  const t = useT();
  const pct = (x: number) => String(Math.round(x * 1000) / 10);
  return (
    <>
      <h1>{t("forecast.title")}</h1>
      <nav className="actions rate-nav" aria-label={t("rates.views")}>
        <Link to="/planning">{t("planning.plannerLink")}</Link>
        <Link to="/planning/forecast">{t("planning.forecastLink")}</Link>
      </nav>
      <p className="muted">{t("forecast.intro")}</p>
      {!campaign ? (
        <p className="muted">{t("rates.noCampaigns")}</p>
      ) : (
        <Form method="get" className="card stack-form">
          <div className="filters">
            <CampaignField campaigns={campaigns} value={campaign.code} />
            <label>
              {t("forecast.field.basis")}
              <select name="basis" defaultValue={basis}>
                <option value="satisfaction">{t("forecast.basis.satisfaction")}</option>
                {campaign.measures.includes("score") && <option value="score">{t("forecast.basis.score")}</option>}
              </select>
            </label>
            <label>
              {t("forecast.field.points")}
              <input type="text" name="points" inputMode="decimal" defaultValue={String(maxPoints)} />
            </label>
            <label>
              {t("forecast.field.rule")}
              <select name="rule" defaultValue={scoring.kind}>
                <option value="proportional">{t("forecast.rule.proportional")}</option>
                <option value="deduction">{t("forecast.rule.deduction")}</option>
              </select>
            </label>
            <label>
              {t("forecast.field.full")}
              <input type="text" name="full" inputMode="decimal" defaultValue={pct(scoring.kind === "deduction" ? scoring.full : 0.9)} />
            </label>
            <label>
              {t("forecast.field.perPoint")}
              <input
                type="text"
                name="perPoint"
                inputMode="decimal"
                defaultValue={String(scoring.kind === "deduction" ? scoring.perPoint : 1)}
              />
            </label>
            <MinNField value={minN} />
          </div>
          {basis === "score" && (
            <details className="score-override" open>
              <summary>{t("forecast.overrideTitle")}</summary>
              <p className="muted">{t("forecast.overrideHint")}</p>
              <div className="table-wrap">
                <table className="score-table">
                  <thead>
                    <tr>
                      <th>{t("forecast.col.question")}</th>
                      <th>{t("forecast.col.weight")}</th>
                      <th>{t("forecast.col.answerPoints")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {scoreQuestions.map((q) => (
                      <tr key={q.name}>
                        <td>{q.title}</td>
                        <td>
                          <input
                            type="text"
                            name={`weight:${q.name}`}
                            inputMode="decimal"
                            defaultValue={String(q.weight)}
                            aria-label={t("forecast.weightFor", { question: q.title })}
                          />
                        </td>
                        <td className="answer-points">
                          {q.scores.map(([answer, points]) => (
                            <label key={answer}>
                              {answer}
                              <input type="text" name={`points:${q.name}:${answer}`} inputMode="decimal" defaultValue={String(points)} />
                            </label>
                          ))}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </details>
          )}
          <p>
            <button type="submit" className="button">
              {t("forecast.calculate")}
            </button>
          </p>
        </Form>
      )}
      {campaign && !forecast && <p className="alert warn">{t("rates.noMeasures")}</p>}
      {forecast && (
        <>
          <div className="table-wrap">
            <table className="rate-table" data-testid="forecast-table">
              <thead>
                <tr>
                  <th>{t("forecast.col.part")}</th>
                  <th className="num">{t("forecast.col.max")}</th>
                  <th>{t("forecast.col.expected")}</th>
                  <th>{t("forecast.col.basedOn")}</th>
                </tr>
              </thead>
              <tbody>
                <tr>
                  <td>
                    {t("forecast.part.household")}
                    <span className="context">{forecast.total.unit.name}</span>
                  </td>
                  <td className="num">{maxPoints}</td>
                  <td>
                    <Points forecast={forecast.total.forecast} />
                  </td>
                  <td>
                    <EstimateCell
                      measure={basis}
                      estimate={forecast.total.unit.figure.weighted}
                      greyed={forecast.total.unit.figure.belowMinimum}
                    />
                  </td>
                </tr>
                <tr className={hotline ? undefined : "greyed"} data-testid="forecast-hotline">
                  <td>
                    {t("forecast.part.hotline")}
                    <span className="context">
                      {hotline
                        ? t("forecast.hotlineFrom", { drawn: hotline.drawn, asOf: new Date(hotline.asOf).toLocaleDateString("zh-CN") })
                        : t("forecast.hotlineNoSample")}
                    </span>
                  </td>
                  <td className="num">{EVALUATION_POINTS.hotline}</td>
                  {hotline ? (
                    <>
                      <td>
                        <Points forecast={hotline.forecast} />
                      </td>
                      <td>
                        <EstimateCell measure="satisfaction" estimate={hotline.estimate} />
                      </td>
                    </>
                  ) : (
                    <td colSpan={2}>
                      <Link to="/hotline/sample">{t("forecast.hotlineNoSample")}</Link>
                    </td>
                  )}
                </tr>
              </tbody>
            </table>
          </div>
          <p className="muted">
            {t(scoring.kind === "deduction" ? "forecast.ruleNote.deduction" : "forecast.ruleNote.proportional", {
              max: maxPoints,
              full: scoring.kind === "deduction" ? pct(scoring.full) : "",
              perPoint: scoring.kind === "deduction" ? scoring.perPoint : "",
            })}
          </p>
          <RateFormula formula={forecast.formula} minN={minN} collapsed />
          <h2>{t("forecast.byCommunity")}</h2>
          <DataTable
            columns={[t("rates.col.unit"), t("forecast.col.expected"), t("forecast.col.basedOn"), { num: t("rates.col.responses") }]}
            rows={forecast.rows}
            className="rate-table"
            testId="forecast-communities"
            row={(r) => (
              <tr key={r.unit.key} className={r.unit.figure.belowMinimum ? "greyed" : undefined}>
                <td>
                  {r.unit.name}
                  {r.unit.context && <span className="context">{r.unit.context}</span>}
                </td>
                <td>
                  <Points forecast={r.forecast} />
                </td>
                <td>
                  <EstimateCell measure={basis} estimate={r.unit.figure.weighted} greyed={r.unit.figure.belowMinimum} />
                </td>
                <td className="num">{r.unit.responses.toLocaleString()}</td>
              </tr>
            )}
          />
        </>
      )}
    </>
  );
}

function Points({ forecast }: { forecast: PartForecast | null }) {
  const t = useT();
  if (!forecast) return <span className="muted">—</span>;
  return (
    <span className="estimate">
      <b>{t("forecast.points", { points: forecast.points.toFixed(1) })}</b>
      <span className="ci">
        {forecast.lower.toFixed(1)}–{forecast.upper.toFixed(1)}
      </span>
    </span>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
