// JSON for BI tools: the numbers of the rates table (same query string, same engine). Signed-in
// session required, scoped like the pages.
//   GET /api/rates?campaign=<code>&measure=satisfaction&level=community&from=2026-W40&to=2026-W47&minN=30
import type { LoaderFunctionArgs } from "@remix-run/node";
import { formulaLines } from "~/components/rate-figure";
import { isoWeekLabel, addWeeks } from "~/domain/measures";
import { parseRateParams } from "~/domain/rate-params";
import { translator } from "~/i18n";
import { chooseCampaign, type RateUnit } from "~/domain/rate-engine";
import { listRateCampaigns, rateTable } from "~/models/rates.server";
import { getLang } from "~/utils/request.server";
import { requireApiPermission } from "~/utils/session.server";

function unitJson(u: RateUnit) {
  const { figure: f } = u;
  return {
    key: u.key,
    level: u.level,
    placeId: u.placeId,
    gridId: u.gridId,
    name: u.name,
    context: u.context,
    households: u.households,
    responses: u.responses,
    rank: u.rank,
    belowMinimum: f.belowMinimum,
    weighted: f.weighted,
    plain: f.plain,
    counts: f.counts,
    coverage: f.coverage,
  };
}

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireApiPermission(request, "rates:read");
  const params = parseRateParams(new URL(request.url).searchParams);
  const [campaigns, lang] = await Promise.all([listRateCampaigns(user), getLang(request)]);
  const { campaign, measure, unavailableMeasure } = chooseCampaign(campaigns, params);
  if (!campaign || !measure) return Response.json({ error: "campaign not found" }, { status: 404 });
  if (unavailableMeasure) {
    return Response.json({ error: `measure not available; this campaign has: ${campaign.measures.join(", ")}` }, { status: 400 });
  }
  const table = await rateTable(user, {
    campaign,
    measure,
    level: params.level,
    range: { from: params.from, to: params.to },
    minN: params.minN,
  });
  return Response.json(
    {
      campaign: {
        code: campaign.code,
        name: campaign.name,
        survey: campaign.surveyTitle,
        version: campaign.version,
        responses: campaign.responses,
      },
      measure,
      measures: campaign.measures,
      level: table.level,
      levels: table.levels,
      minN: params.minN,
      weeks: {
        from: params.from && isoWeekLabel(params.from),
        to: params.to && isoWeekLabel(addWeeks(params.to, -1)),
      },
      formula: { ...table.formula, text: formulaLines(translator(lang), table.formula, params.minN) },
      total: unitJson(table.total),
      units: table.units.map(unitJson),
    },
    { headers: { "Cache-Control": "no-store" } },
  );
}
