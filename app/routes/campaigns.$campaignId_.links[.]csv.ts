// The campaign's resident links as CSV (for bulk SMS, WeChat groups or printing elsewhere).
import type { LoaderFunctionArgs } from "@remix-run/node";
import { linksCsv } from "~/domain/campaigns";
import { translate } from "~/i18n";
import { recordAudit } from "~/models/audit.server";
import { exportRow } from "~/domain/campaigns";
import { campaignInScope, linksOf } from "~/models/campaigns.server";
import { clientInfo, getLang } from "~/utils/request.server";
import { publicOrigin } from "~/utils/public-url.server";
import { requirePermission } from "~/utils/session.server";
import { idParam, invariantResponse } from "~/utils/input";

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "campaign:print");
  const campaign = await campaignInScope(user, idParam(params.campaignId));
  invariantResponse(campaign);
  const origin = publicOrigin(request);
  const rows = (await linksOf(user, campaign.id)).map((l) => exportRow(l, origin));
  const lang = await getLang(request);
  const csv = linksCsv(
    rows,
    (column) => translate(lang, `campaigns.export.${column}`),
    (level) => translate(lang, `level.${level}`),
  );
  await recordAudit(user, "campaign.links.export", {
    target: campaign.code,
    details: { campaignId: campaign.id, format: "csv", rows: rows.length },
    ip: clientInfo(request, context).ip,
  });
  return new Response(csv, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="links-${campaign.code}.csv"`,
      "Cache-Control": "private, no-store",
    },
  });
}
