// The QR code of one resident link as an SVG file (for printing elsewhere or a WeChat post).
import type { LoaderFunctionArgs } from "@remix-run/node";
import { residentUrl } from "~/domain/campaigns";
import { campaignInScope, linkOf } from "~/models/campaigns.server";
import { qrSvg } from "~/utils/qr.server";

import { publicOrigin } from "~/utils/public-url.server";
import { requirePermission } from "~/utils/session.server";
import { idParam, invariantResponse } from "~/utils/input";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "campaign:print");
  const campaign = await campaignInScope(user, idParam(params.campaignId));
  const link = campaign && (await linkOf(user, campaign.id, params.linkCode ?? ""));
  invariantResponse(link);
  const svg = await qrSvg(residentUrl(publicOrigin(request), link.code, { qr: true }));
  return new Response(svg, {
    headers: {
      "Content-Type": "image/svg+xml; charset=utf-8",
      "Content-Disposition": `inline; filename="${link.code}.svg"; filename*=UTF-8''${encodeURIComponent(`${link.placeName}-${link.code}.svg`)}`,
      "Cache-Control": "private, no-cache",
    },
  });
}
