import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { PageTitle } from "~/components/page-title";
import { useT } from "~/i18n/use-t";
import { listCampaigns } from "~/models/campaigns.server";
import { can } from "~/utils/permissions";
import { requirePermission } from "~/utils/session.server";
import { StateBadge, useWindowFormat } from "~/components/campaigns";

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "campaign:print");
  return { campaigns: await listCampaigns(user), canManage: can(user.role, "campaign:manage") };
}

export default function CampaignsPage() {
  const { campaigns, canManage } = useLoaderData<typeof loader>();
  const t = useT();
  const windowText = useWindowFormat();
  return (
    <>
      <PageTitle title={t("campaigns.title")}>
        {canManage && (
          <Link to="/campaigns/new" className="button">
            {t("campaigns.new")}
          </Link>
        )}
      </PageTitle>
      {campaigns.length === 0 ? (
        <p className="card">{t("campaigns.empty")}</p>
      ) : (
        <ul className="list campaign-list" data-testid="campaign-list">
          {campaigns.map((c) => (
            <li key={c.id}>
              <Link to={`/campaigns/${c.id}`} className="row">
                <div className="campaign-summary">
                  <div>
                    <span className="name">{c.name}</span> <StateBadge state={c.state} />
                  </div>
                  <div className="muted">
                    <span className="campaign-code">{c.code}</span> · {t("campaigns.surveyVersion", { title: c.surveyTitle, n: c.version })}
                  </div>
                  <div className="muted">{windowText(c.opensAt, c.closesAt)}</div>
                  <div className="muted">{t(`campaigns.policy.${c.duplicatePolicy}`)}</div>
                </div>
                <div className="count campaign-counts">
                  <div>{t("campaigns.responseCount", { n: c.responses.toLocaleString() })}</div>
                  <div>{t("campaigns.linkCount", { n: c.links.toLocaleString() })}</div>
                </div>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
