import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { DataTable } from "~/components/data-table";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { CampaignField, toChoice } from "~/components/rate-controls";
import { formatN } from "~/components/rate-figure";
import { CONFIDENCE_LEVELS, parsePlanParams, planQuery } from "~/domain/rate-params";
import { useT } from "~/i18n/use-t";
import { drawMockSample, freshSeed, samplePlan } from "~/models/planning.server";
import { chooseCampaign } from "~/domain/rate-engine";
import { listRateCampaigns } from "~/models/rates.server";
import { requirePermission } from "~/utils/session.server";
import { invariantResponse } from "~/utils/input";

const PREVIEW_ROWS = 30;

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "rates:read");
  const search = new URL(request.url).searchParams;
  const params = parsePlanParams(search);
  const campaigns = await listRateCampaigns(user);
  const { campaign, unknownCampaign } = chooseCampaign(campaigns, params);
  invariantResponse(!unknownCampaign);
  const plan = await samplePlan(user, { ...params, campaign });
  // The draw is per community, whatever level the plan is shown at.
  const communities = params.level === "community" ? plan : await samplePlan(user, { ...params, campaign: null, level: "community" });
  const inScope = new Set(communities.map((p) => p.communityId));
  const chosen = params.communityIds.filter((id) => inScope.has(id));
  let draw = null;
  if (params.seed !== null && search.has("draw")) {
    const result = await drawMockSample(user, { ...params, seed: params.seed, communityIds: chosen.length ? chosen : [...inScope] });
    draw = {
      seed: result.seed,
      communities: result.communities,
      total: result.households.length,
      preview: result.households.slice(0, PREVIEW_ROWS),
    };
  }
  const canonical = { ...params, campaign: campaign?.code ?? null, communityIds: chosen };
  return {
    campaigns: campaigns.map(toChoice),
    campaign: campaign && toChoice(campaign),
    params: canonical,
    plan,
    communities: communities.map((c) => ({ communityId: c.communityId, name: c.name, needed: c.needed })),
    draw,
    // A fresh seed is offered for a new draw; the seed of a draw is always shown with it.
    newSeed: params.seed ?? freshSeed(),
    download: draw ? `?${planQuery({ ...canonical, communityIds: chosen })}&draw=1` : null,
  };
}

export default function PlanningPage() {
  const { campaigns, campaign, params, plan, communities, draw, newSeed, download } = useLoaderData<typeof loader>();
  const t = useT();
  const total = plan.reduce(
    (sum, p) => ({
      households: sum.households + p.households,
      needed: sum.needed + p.needed,
      collected: sum.collected + p.collected,
      remaining: sum.remaining + p.remaining,
    }),
    { households: 0, needed: 0, collected: 0, remaining: 0 },
  );
  const pct = (x: number) => String(Math.round(x * 1000) / 10);
  return (
    <>
      <h1>{t("planning.title")}</h1>
      <nav className="actions rate-nav" aria-label={t("rates.views")}>
        <Link to="/planning">{t("planning.plannerLink")}</Link>
        <Link to="/planning/forecast">{t("planning.forecastLink")}</Link>
      </nav>

      <section>
        <h2>{t("planning.planTitle")}</h2>
        <p className="muted">{t("planning.planIntro")}</p>
        <Form method="get" className="filters card">
          <label>
            {t("planning.field.level")}
            <select name="level" defaultValue={params.level}>
              <option value="community">{t("rates.level.community")}</option>
              <option value="compound">{t("rates.level.compound")}</option>
            </select>
          </label>
          <label>
            {t("planning.field.margin")}
            <input type="text" name="margin" inputMode="decimal" defaultValue={pct(params.margin)} />
          </label>
          <label>
            {t("planning.field.confidence")}
            <select name="confidence" defaultValue={String(Math.round(params.confidence * 100))}>
              {CONFIDENCE_LEVELS.map((c) => (
                <option key={c} value={String(Math.round(c * 100))}>
                  {Math.round(c * 100)}%
                </option>
              ))}
            </select>
          </label>
          <label>
            {t("planning.field.p")}
            <input type="text" name="p" inputMode="decimal" defaultValue={pct(params.p)} />
          </label>
          {campaigns.length > 0 && (
            <CampaignField campaigns={campaigns} value={campaign?.code ?? null} label={t("planning.field.campaign")} />
          )}
          <button type="submit" className="button">
            {t("planning.calculate")}
          </button>
        </Form>
        <div className="table-wrap">
          <table data-testid="plan-table">
            <thead>
              <tr>
                <th>{t(params.level === "community" ? "rates.level.street" : "rates.level.community")}</th>
                <th>{t(`rates.level.${params.level}`)}</th>
                <th className="num">{t("planning.col.households")}</th>
                <th className="num">{t("planning.col.needed")}</th>
                <th className="num">{t("planning.col.collected")}</th>
                <th className="num">{t("planning.col.effective")}</th>
                <th className="num">{t("planning.col.remaining")}</th>
              </tr>
            </thead>
            <tbody>
              {plan.map((p) => (
                <tr key={p.placeId} className={p.remaining > 0 ? undefined : "done"}>
                  <td>{p.context}</td>
                  <td>{p.name}</td>
                  <td className="num">{p.households.toLocaleString()}</td>
                  <td className="num">{p.needed.toLocaleString()}</td>
                  <td className="num">{p.collected.toLocaleString()}</td>
                  <td className="num">{formatN(p.effective)}</td>
                  <td className="num" data-testid="remaining">
                    {p.remaining.toLocaleString()}
                  </td>
                </tr>
              ))}
              <tr className="total">
                <td colSpan={2}>{t("rates.total")}</td>
                <td className="num">{total.households.toLocaleString()}</td>
                <td className="num">{total.needed.toLocaleString()}</td>
                <td className="num">{total.collected.toLocaleString()}</td>
                <td className="num">—</td>
                <td className="num">{total.remaining.toLocaleString()}</td>
              </tr>
            </tbody>
          </table>
        </div>
        <p className="muted">
          {t("planning.planNote", { margin: pct(params.margin), confidence: Math.round(params.confidence * 100), p: pct(params.p) })}
        </p>
      </section>

      <section>
        <h2>{t("planning.drawTitle")}</h2>
        <p className="muted">{t("planning.drawIntro")}</p>
        <Form method="get" className="card stack-form">
          <input type="hidden" name="margin" value={pct(params.margin)} />
          <input type="hidden" name="confidence" value={String(Math.round(params.confidence * 100))} />
          <input type="hidden" name="p" value={pct(params.p)} />
          {campaign && <input type="hidden" name="campaign" value={campaign.code} />}
          <input type="hidden" name="draw" value="1" />
          <fieldset className="community-choices">
            <legend>{t("planning.field.communities")}</legend>
            {communities.map((p) => (
              <label key={p.communityId} className="check">
                <input
                  type="checkbox"
                  name="community"
                  value={p.communityId}
                  defaultChecked={params.communityIds.includes(p.communityId)}
                />
                {p.name}
                <span className="context">{t("planning.needs", { n: p.needed })}</span>
              </label>
            ))}
            <p className="muted">{t("planning.allIfNone")}</p>
          </fieldset>
          <label>
            {t("planning.field.seed")}
            <input type="text" name="seed" inputMode="numeric" defaultValue={String(newSeed)} />
            <span className="hint muted">{t("planning.seedHint")}</span>
          </label>
          <button type="submit" className="button">
            {t("planning.draw")}
          </button>
        </Form>
        {draw && download && (
          <div className="card" data-testid="draw-result">
            <p>
              <b>{t("planning.drawn", { n: draw.total.toLocaleString(), seed: draw.seed })}</b>
            </p>
            <p className="actions">
              <a className="button" href={`/planning/sample${download}&format=xlsx`} download>
                {t("planning.downloadXlsx")}
              </a>
              <a className="button secondary" href={`/planning/sample${download}&format=csv`} download>
                {t("planning.downloadCsv")}
              </a>
            </p>
            <ul className="inline-list">
              {draw.communities.map((c) => (
                <li key={c.communityId}>{t("planning.drawnIn", { community: c.name, n: c.drawn, households: c.households })}</li>
              ))}
            </ul>
            <h3>{t("planning.preview", { n: draw.preview.length })}</h3>
            <DataTable
              columns={[
                t("rates.level.community"),
                t("rates.level.compound"),
                t("rates.level.building"),
                t("level.stairwell"),
                t("planning.col.room"),
                { num: t("planning.col.order") },
              ]}
              rows={draw.preview}
              row={(h) => (
                <tr key={h.householdId}>
                  <td>{h.community}</td>
                  <td>{h.compound}</td>
                  <td>{h.building}</td>
                  <td>{h.stairwell ?? "—"}</td>
                  <td>{h.room}</td>
                  <td className="num">{h.order}</td>
                </tr>
              )}
            />
          </div>
        )}
      </section>
    </>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
