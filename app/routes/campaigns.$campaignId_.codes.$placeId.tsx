// Printable one-time household code slips for one building (the one-per-household policy):
// eight slips per A4 page, each with the room, the code and a QR code that fills the code in.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { QrCode } from "~/components/campaigns";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { PrintToolbar } from "~/components/print-sheet";
import { pages, residentUrl } from "~/domain/campaigns";
import { useT } from "~/i18n/use-t";
import { campaignInScope, householdSlips } from "~/models/campaigns.server";
import { qrSvg } from "~/utils/qr.server";

import { publicOrigin } from "~/utils/public-url.server";
import { requirePermission } from "~/utils/session.server";
import { idParam, invariantResponse } from "~/utils/input";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.place} · ${data.campaign.name}` : "" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "campaign:print");
  const campaign = await campaignInScope(user, idParam(params.campaignId));
  // Codes are only asked for under the one-per-household policy; elsewhere there is nothing to print.
  invariantResponse(campaign?.duplicatePolicy === "household");
  const slips = await householdSlips(user, campaign.id, idParam(params.placeId));
  invariantResponse(slips);
  const origin = publicOrigin(request);
  return {
    campaign: { id: campaign.id, name: campaign.name },
    title: campaign.surveyTitle,
    place: `${slips.communityName} ${slips.compoundName} ${slips.buildingName}`,
    building: `${slips.compoundName} ${slips.buildingName}`,
    codes: await Promise.all(
      slips.codes.map(async (c) => ({
        code: c.code,
        room: c.stairwell ? `${c.stairwell} ${c.room}` : c.room,
        used: c.usedAt !== null,
        svg: await qrSvg(residentUrl(origin, slips.code, { qr: true, household: c.code })),
      })),
    ),
  };
}

export default function HouseholdSlips() {
  const { campaign, title, place, building, codes } = useLoaderData<typeof loader>();
  const t = useT();
  return (
    <div className="print-sheet">
      <PrintToolbar
        campaign={campaign}
        title={t("campaigns.slipsTitle", { place })}
        count={t("campaigns.slipsCount", { n: codes.length })}
        empty={codes.length === 0 && t("campaigns.slipsNone")}
      />
      {pages(codes, 8).map((page, i) => (
        <section className="sheet-page slips" key={i}>
          {page.map((c) => (
            <article className={c.used ? "slip used" : "slip"} key={c.code} data-testid="slip">
              <div className="slip-text">
                <div className="slip-title">{title}</div>
                <div className="slip-building">{building}</div>
                <div className="slip-room">
                  {t("campaigns.slip.room")} <b>{c.room}</b>
                </div>
                <div className="slip-code">
                  {t("campaigns.slip.code")} <b>{c.code}</b>
                  {c.used && <span className="badge off">{t("campaigns.slip.used")}</span>}
                </div>
                <p className="slip-line">{t("campaigns.slip.line")}</p>
              </div>
              <QrCode svg={c.svg} label={c.code} className="slip-qr" />
            </article>
          ))}
        </section>
      ))}
    </div>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
