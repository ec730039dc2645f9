import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { Fragment } from "react";
import { StateBadge, useWindowFormat } from "~/components/campaigns";
import { ConfirmStep } from "~/components/confirm-step";
import { Crumbs } from "~/components/crumbs";
import { DataTable } from "~/components/data-table";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { StatCount } from "~/components/stat";
import { CAMPAIGN_STATES, campaignAvailability, canMoveTo, residentUrl, type CampaignState } from "~/domain/campaigns";
import { useT } from "~/i18n/use-t";
import { recordAudit } from "~/models/audit.server";
import { campaignInScope, getCampaign, linksOf, responseCount, setCampaignState, type CampaignLink } from "~/models/campaigns.server";
import { can } from "~/utils/permissions";
import { clientInfo, isConfirmed } from "~/utils/request.server";
import { publicOrigin } from "~/utils/public-url.server";
import { requirePermission } from "~/utils/session.server";
import { idParam, invariantResponse } from "~/utils/input";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "campaign:print");
  const campaign = await campaignInScope(user, idParam(params.campaignId));
  invariantResponse(campaign);
  const [links, responses] = await Promise.all([linksOf(user, campaign.id), responseCount(user, campaign.id)]);
  // Opening, pausing and closing are the office's: others see the state, not the buttons.
  const canManage = can(user.role, "campaign:manage");
  return {
    campaign,
    links,
    responses,
    origin: publicOrigin(request),
    availability: campaignAvailability(campaign),
    moves: canManage ? CAMPAIGN_STATES.filter((to) => canMoveTo(campaign.state, to)) : [],
  };
}

const isState = (value: unknown): value is CampaignState => (CAMPAIGN_STATES as readonly unknown[]).includes(value);

export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = await requirePermission(request, "campaign:manage");
  const campaign = await getCampaign(user.countyId, idParam(params.campaignId));
  invariantResponse(campaign);
  const form = await request.formData();
  const to = form.get("state");
  invariantResponse(isState(to), 400);
  // Closing is final: it happens only through the confirmation step.
  if (to === "closed" && !isConfirmed(form)) return { confirm: "closed" as const };
  if (!(await setCampaignState(user.countyId, campaign.id, to))) return data({ changed: false, to }, { status: 409 });
  await recordAudit(user, "campaign.state", {
    target: campaign.code,
    details: { campaignId: campaign.id, from: campaign.state, to },
    ip: clientInfo(request, context).ip,
  });
  return { changed: true, to };
}

type Group = { compoundId: number; label: string; links: CampaignLink[] };

/** Links grouped by compound (a compound's own link first), for one poster sheet per group. */
function byCompound(links: CampaignLink[]): Group[] {
  const groups: Group[] = [];
  for (const link of links) {
    const last = groups[groups.length - 1];
    if (last?.compoundId === link.compoundId) last.links.push(link);
    else
      groups.push({
        compoundId: link.compoundId,
        label: `${link.communityName} · ${link.level === "building" ? link.compoundName : link.placeName}`,
        links: [link],
      });
  }
  return groups;
}

export default function CampaignPage() {
  const { campaign, links, responses, origin, availability, moves } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const [params] = useSearchParams();
  const t = useT();
  const windowText = useWindowFormat();
  const totals = links.reduce(
    (sum, l) => ({ opens: sum.opens + l.opens, starts: sum.starts + l.starts, completions: sum.completions + l.completions }),
    { opens: 0, starts: 0, completions: 0 },
  );
  const created = params.get("created");
  const household = campaign.duplicatePolicy === "household";
  const stats: [string, number][] = [
    ["campaigns.totals.links", links.length],
    ["campaigns.totals.opens", totals.opens],
    ["campaigns.totals.starts", totals.starts],
    ["campaigns.totals.completions", totals.completions],
    ["campaigns.totals.responses", responses],
  ];

  return (
    <>
      <Crumbs crumbs={[{ label: t("campaigns.title"), to: "/campaigns" }]} />
      <h1>
        {campaign.name} <StateBadge state={campaign.state} />
      </h1>
      {created && !result && (
        <p className="alert ok" role="status">
          {t("campaigns.created", { n: Number(created) || links.length })}
        </p>
      )}
      {result && "changed" in result && (
        <p className={result.changed ? "alert ok" : "alert error"} role="status">
          {t(result.changed ? "campaigns.stateChanged" : "campaigns.stateRefused", { state: t(`campaigns.state.${result.to}`) })}
        </p>
      )}
      <dl className="card campaign-facts">
        <dt>{t("campaigns.code")}</dt>
        <dd className="campaign-code">{campaign.code}</dd>
        <dt>{t("campaigns.survey")}</dt>
        <dd>
          <Link to={`/surveys/${campaign.surveyId}`}>
            {t("campaigns.surveyVersion", { title: campaign.surveyTitle, n: campaign.version })}
          </Link>
        </dd>
        <dt>{t("campaigns.window")}</dt>
        <dd>{windowText(campaign.opensAt, campaign.closesAt)}</dd>
        <dt>{t("campaigns.policy")}</dt>
        <dd>{t(`campaigns.policy.${campaign.duplicatePolicy}`)}</dd>
        <dt>{t("campaigns.availability")}</dt>
        <dd data-testid="availability">{t(`campaigns.availability.${availability}`)}</dd>
      </dl>
      {result && "confirm" in result ? (
        <ConfirmStep
          title={t("campaigns.confirmClose.title", { name: campaign.name })}
          consequence={t("campaigns.confirmClose.body", { n: responses.toLocaleString() })}
          confirmLabel={t("campaigns.confirmClose.submit")}
          fields={{ state: "closed" }}
        />
      ) : (
        moves.length > 0 && (
          <Form method="post" className="actions campaign-moves">
            {moves.map((to) => (
              <button
                key={to}
                type="submit"
                name="state"
                value={to}
                className={to === "open" ? "button" : "button secondary"}
                disabled={navigation.state !== "idle"}
              >
                {t(`campaigns.action.${to}`)}
              </button>
            ))}
            {moves.includes("closed") && <span className="muted">{t("campaigns.closeHint")}</span>}
          </Form>
        )
      )}

      <div className="stats campaign-stats" data-testid="campaign-totals">
        {stats.map(([key, n]) => (
          <StatCount key={key} label={t(key)} n={n} />
        ))}
      </div>
      <p className="muted">{t("campaigns.countsHint")}</p>

      <div className="actions" style={{ justifyContent: "space-between" }}>
        <h2>{t("campaigns.linkTable")}</h2>
        <a href={`/campaigns/${campaign.id}/links.csv`} className="button secondary" download>
          {t("campaigns.downloadCsv")}
        </a>
      </div>
      <DataTable
        columns={[
          t("campaigns.place"),
          { num: t("campaigns.col.opens") },
          { num: t("campaigns.col.starts") },
          { num: t("campaigns.col.completions") },
        ]}
        rows={byCompound(links)}
        empty={<p className="card">{t("campaigns.noLinks")}</p>}
        className="campaign-links"
        testId="campaign-links"
        row={(group) => (
          <Fragment key={group.compoundId}>
            <tr className="compound-row">
              <th colSpan={4} scope="colgroup">
                <span>{group.label}</span>{" "}
                <Link to={`/campaigns/${campaign.id}/posters/${group.compoundId}`}>{t("campaigns.posters")}</Link>
              </th>
            </tr>
            {group.links.map((l) => (
              <tr key={l.id}>
                <td>
                  {l.level === "building" ? l.placeName : t("campaigns.wholeCompound")}{" "}
                  <span className="campaign-code muted">{l.code}</span>
                  <div className="link-actions">
                    <a href={`/campaigns/${campaign.id}/qr/${l.code}`} download={`${l.placeName}-${l.code}.svg`}>
                      {t("campaigns.qr")}
                    </a>
                    <a href={residentUrl(origin, l.code)} target="_blank" rel="noreferrer">
                      {t("campaigns.openLink")}
                    </a>
                    {household && l.level === "building" && (
                      <Link to={`/campaigns/${campaign.id}/codes/${l.placeId}`}>{t("campaigns.slips")}</Link>
                    )}
                  </div>
                </td>
                <td className="num">{l.opens.toLocaleString()}</td>
                <td className="num">{l.starts.toLocaleString()}</td>
                <td className="num">{l.completions.toLocaleString()}</td>
              </tr>
            ))}
          </Fragment>
        )}
      />
    </>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
