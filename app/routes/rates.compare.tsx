import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { DataTable } from "~/components/data-table";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { CampaignField, LevelField, MeasureField, MinNField, RateNav, toChoice, RoundField } from "~/components/rate-controls";
import { ChangeCell, EstimateCell, RateFormula } from "~/components/rate-figure";
import { unitHref } from "~/components/rate-table";
import type { MeasureKey } from "~/domain/measures";
import { parseRateParams, percentParam } from "~/domain/rate-params";
import { useT } from "~/i18n/use-t";
import { chooseCampaign, type WaveRow } from "~/domain/rate-engine";
import { compareByCoverage, compareVisited, compareWaves, listRateCampaigns } from "~/models/rates.server";
import { chooseRound } from "~/models/visits.server";

/** The coverage level that splits buildings by default (a first round's usual goal). */
const DEFAULT_COVERAGE_LEVEL = 0.8;
import { requirePermission } from "~/utils/session.server";
import { invariantResponse } from "~/utils/input";

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "rates:read");
  const search = new URL(request.url).searchParams;
  const params = parseRateParams(search);
  const campaigns = await listRateCampaigns(user);
  const { campaign, measure, unknownCampaign } = chooseCampaign(campaigns, params);
  invariantResponse(!unknownCampaign);
  // The other wave: a campaign of the same survey, by default the newest one before this.
  const others = campaign ? campaigns.filter((c) => c.surveyId === campaign.surveyId && c.id !== campaign.id) : [];
  const otherCode = search.get("other");
  const other = otherCode ? others.find((c) => c.code === otherCode) : (others.find((c) => c.opensAt <= campaign!.opensAt) ?? others[0]);
  invariantResponse(!otherCode || other);
  const by = search.get("by") === "visited" ? "visited" : search.get("by") === "coverage" ? "coverage" : "wave";
  const threshold = percentParam(search.get("threshold"), 1, 100, DEFAULT_COVERAGE_LEVEL);
  const { rounds, round } = await chooseRound(user.countyId, search.get("round"));
  invariantResponse(round !== undefined);
  const comparison =
    by === "wave" && campaign && other && measure
      ? await compareWaves(user, { campaign, other, measure, level: params.level, minN: params.minN })
      : null;
  const groups =
    by !== "wave" && campaign && measure && round
      ? by === "visited"
        ? await compareVisited(user, { campaign, measure, round, minN: params.minN })
        : await compareByCoverage(user, { campaign, measure, round, threshold, minN: params.minN })
      : null;
  const query = new URLSearchParams();
  if (campaign) query.set("campaign", campaign.code);
  if (measure) query.set("measure", measure);
  query.set("minN", String(params.minN));
  return {
    campaigns: campaigns.map(toChoice),
    campaign: campaign && toChoice(campaign),
    others: others.map(toChoice),
    other: other && toChoice(other),
    measure,
    minN: params.minN,
    comparison,
    by,
    threshold,
    rounds: rounds.map((r) => ({ code: r.code, name: r.name })),
    round: round ? { code: round.code, name: round.name } : null,
    groups,
    query: `?${query}`,
  };
}

export default function ComparePage() {
  const { campaigns, campaign, others, other, measure, minN, comparison, by, threshold, rounds, round, groups, query } =
    useLoaderData<typeof loader>();
  const t = useT();
  const level = `${Math.round(threshold * 1000) / 10}%`;
  return (
    <>
      <h1>{t("rates.compareTitle")}</h1>
      <RateNav query={query} />
      {!campaign || !measure ? (
        <p className="muted">{t("rates.noCampaigns")}</p>
      ) : (
        <Form method="get" className="filters card">
          <label>
            {t("rates.compare.by")}
            <select name="by" defaultValue={by}>
              {(["wave", "visited", "coverage"] as const).map((b) => (
                <option key={b} value={b}>
                  {t(`rates.compare.by.${b}`)}
                </option>
              ))}
            </select>
          </label>
          <CampaignField campaigns={campaigns} value={campaign.code} label={t("rates.field.thisWave")} />
          {by !== "wave" && round && <RoundField rounds={rounds} value={round.code} label={t("rates.field.round")} />}
          {by === "coverage" && (
            <label>
              {t("rates.compare.threshold")}
              <input type="text" name="threshold" inputMode="decimal" defaultValue={String(Math.round(threshold * 1000) / 10)} />
            </label>
          )}
          {by === "wave" && others.length > 0 && (
            <CampaignField campaigns={others} value={other?.code ?? null} name="other" label={t("rates.field.otherWave")} />
          )}
          <MeasureField measures={campaign.measures} value={measure} />
          {comparison && <LevelField levels={comparison.levels} value={comparison.level} />}
          <MinNField value={minN} />
          <button type="submit" className="button">
            {t("rates.show")}
          </button>
        </Form>
      )}
      {by === "wave" && campaign && measure && !comparison && <p className="alert warn">{t("rates.noOtherWave")}</p>}
      {by !== "wave" && campaign && measure && !round && <p className="alert warn">{t("rates.compare.noRounds")}</p>}
      {groups && measure && round && (
        <>
          <RateFormula formula={groups.formula} minN={minN} collapsed />
          <p className="muted">
            {by === "visited"
              ? t("rates.compare.visitedNote", { round: round.name, n: groups.unlinked.toLocaleString() })
              : t("rates.compare.coverageNote", { round: round.name, n: groups.unlinked.toLocaleString() })}{" "}
            {t("rates.compare.groupsRule")}
          </p>
          <DataTable
            columns={[t("rates.col.group"), { num: t("rates.col.responses") }, t(`rates.measure.${measure}`)]}
            rows={groups.groups.map((g, i) => ({
              g,
              name:
                by === "visited"
                  ? t(i === 0 ? "rates.compare.visited" : "rates.compare.notVisited")
                  : t(i === 0 ? "rates.compare.above" : "rates.compare.below", { t: level }),
            }))}
            className="rate-table"
            testId="groups-table"
            row={({ g, name }) => (
              <tr key={name} className={g.belowMinimum ? "greyed" : undefined}>
                <td>{name}</td>
                <td className="num">{g.responses.toLocaleString()}</td>
                <td>
                  <EstimateCell measure={measure} estimate={g.estimate} greyed={g.belowMinimum} />
                </td>
              </tr>
            )}
          />
          <p data-testid="groups-difference">
            {t("rates.col.difference")}：
            <ChangeCell
              measure={measure}
              current={groups.groups[0].estimate}
              previous={groups.groups[1].estimate}
              comparison={groups.comparison}
            />
          </p>
        </>
      )}
      {comparison && measure && other && campaign && (
        <>
          <RateFormula formula={comparison.formula} minN={minN} collapsed />
          <p className="muted">{t("rates.compareNote", { a: campaign.name, b: other.name })}</p>
          <DataTable
            columns={[t("rates.col.unit"), campaign.name, other.name, t("rates.col.difference")]}
            rows={[comparison.total, ...comparison.rows]}
            className="rate-table"
            testId="compare-table"
            row={(row) => <CompareRow key={row.unit.key} row={row} measure={measure} query={query} total={row === comparison.total} />}
          />
        </>
      )}
    </>
  );
}

function CompareRow({ row, measure, query, total }: { row: WaveRow; measure: MeasureKey; query: string; total: boolean }) {
  const { unit, other, comparison: c } = row;
  const greyed = unit.figure.belowMinimum || other.figure.belowMinimum;
  const href = total ? null : unitHref(unit, query);
  return (
    <tr className={[total ? "total" : "", greyed ? "greyed" : ""].join(" ").trim() || undefined}>
      <td>
        {href ? <Link to={href}>{unit.name}</Link> : <span className="name">{unit.name}</span>}
        {unit.context && <span className="context">{unit.context}</span>}
      </td>
      <td>
        <EstimateCell measure={measure} estimate={unit.figure.weighted} greyed={unit.figure.belowMinimum} />
      </td>
      <td>
        <EstimateCell measure={measure} estimate={other.figure.weighted} greyed={other.figure.belowMinimum} />
      </td>
      <td>
        <ChangeCell measure={measure} current={unit.figure.weighted} previous={other.figure.weighted} comparison={c} />
      </td>
    </tr>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
