// A printable A4 sheet of door posters for one compound: two posters per page, one per
// building (and one for the compound's entrance when the whole compound is a target).
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { QrCode } from "~/components/campaigns";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { PrintToolbar } from "~/components/print-sheet";
import { pages, residentUrl } from "~/domain/campaigns";
import { useT } from "~/i18n/use-t";
import { campaignInScope, linksUnder } from "~/models/campaigns.server";
import { qrSvg } from "~/utils/qr.server";
import { getPlace } from "~/models/places.server";

import { publicOrigin } from "~/utils/public-url.server";
import { requirePermission } from "~/utils/session.server";
import { idParam, invariantResponse } from "~/utils/input";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.placeName} · ${data.campaign.name}` : "" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "campaign:print");
  const campaign = await campaignInScope(user, idParam(params.campaignId));
  const place = campaign && (await getPlace(user, idParam(params.placeId)));
  invariantResponse(campaign && (place?.level === "compound" || place?.level === "building"));
  const links = await linksUnder(user, campaign.id, place.id);
  invariantResponse(links.length > 0);
  const origin = publicOrigin(request);
  const posters = await Promise.all(
    links.map(async (l) => ({
      code: l.code,
      // A building's poster names its building; the compound's (for the gate) names the compound.
      area: l.level === "building" ? `${l.communityName} ${l.compoundName}` : l.communityName,
      name: l.placeName,
      url: residentUrl(origin, l.code),
      svg: await qrSvg(residentUrl(origin, l.code, { qr: true })),
    })),
  );
  return {
    campaign: { id: campaign.id, name: campaign.name, opensAt: campaign.opensAt, closesAt: campaign.closesAt },
    title: campaign.surveyTitle,
    countyName: user.countyName,
    placeName: place.name,
    posters,
  };
}

export default function PosterSheet() {
  const { campaign, title, countyName, placeName, posters } = useLoaderData<typeof loader>();
  const t = useT();
  const day = new Intl.DateTimeFormat("zh-CN", { dateStyle: "long", timeZone: "Asia/Shanghai" });
  const period = t("campaigns.poster.window", {
    from: day.format(new Date(campaign.opensAt)),
    to: day.format(new Date(campaign.closesAt)),
  });
  return (
    <div className="print-sheet">
      <PrintToolbar
        campaign={campaign}
        title={t("campaigns.postersTitle", { place: placeName })}
        count={t("campaigns.postersCount", { n: posters.length })}
      />
      {pages(posters, 2).map((page, i) => (
        <section className="sheet-page posters" key={i}>
          {page.map((p) => (
            <article className="poster" key={p.code} data-testid="poster">
              <header className="poster-head">
                <div className="poster-title">{title}</div>
                <div className="poster-window">{period}</div>
              </header>
              <div className="poster-body">
                <QrCode svg={p.svg} label={p.url} className="poster-qr" />
                <div className="poster-text">
                  <div className="poster-area">{p.area}</div>
                  <div className="poster-building">{p.name}</div>
                  <p className="poster-line">{t("campaigns.poster.line")}</p>
                  <p className="poster-url">
                    {t("campaigns.poster.typeUrl")}
                    <br />
                    <span>{p.url}</span>
                  </p>
                </div>
              </div>
              <footer className="poster-foot">
                {countyName} · {campaign.name}
              </footer>
            </article>
          ))}
        </section>
      ))}
    </div>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
