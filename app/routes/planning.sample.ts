// The mock-evaluation draw as a file to hand out (CSV or XLSX, Chinese headers): the same seed and
// register give the same households, so the file can be re-created and checked.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { parsePlanParams } from "~/domain/rate-params";
import { translator } from "~/i18n";
import { recordAudit } from "~/models/audit.server";
import { drawMockSample, samplePlan } from "~/models/planning.server";
import { writeCsv } from "~/utils/csv";
import { clientInfo } from "~/utils/request.server";
import { requirePermission } from "~/utils/session.server";
import { writeXlsx, XLSX_TYPE } from "~/utils/xlsx.server";
import { invariantResponse } from "~/utils/input";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "rates:read");
  const search = new URL(request.url).searchParams;
  const params = parsePlanParams(search);
  const format = search.get("format") === "csv" ? "csv" : "xlsx";
  invariantResponse(params.seed !== null);
  const inScope = (await samplePlan(user, { ...params, campaign: null })).map((p) => p.communityId);
  const chosen = params.communityIds.filter((id) => inScope.includes(id));
  const draw = await drawMockSample(user, { ...params, seed: params.seed, communityIds: chosen.length ? chosen : inScope });
  const t = translator("zh");
  const headers = [
    t("planning.col.number"),
    t("rates.level.street"),
    t("rates.level.community"),
    t("rates.level.compound"),
    t("rates.level.building"),
    t("level.stairwell"),
    t("planning.col.room"),
    t("planning.col.order"),
    t("planning.col.visitor"),
    t("planning.col.result"),
  ];
  const rows = draw.households.map((h, i) => [
    i + 1,
    h.street,
    h.community,
    h.compound,
    h.building,
    h.stairwell ?? "",
    h.room,
    h.order,
    "",
    "",
  ]);
  await recordAudit(user, "planning.sample", {
    target: String(params.seed),
    details: { households: rows.length, communities: draw.communities.map((c) => c.name), margin: params.margin, format },
    ip: clientInfo(request, context).ip,
  });
  const name = `${t("planning.fileName")}-${t("planning.field.seed")}${params.seed}`;
  const disposition = (ext: string) => `attachment; filename*=UTF-8''${encodeURIComponent(`${name}.${ext}`)}`;
  if (format === "csv") {
    // With a BOM, so Excel opens the Chinese headers as UTF-8; place names defused as formulas.
    const csv = writeCsv([headers, ...rows]);
    return new Response(csv, {
      headers: { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": disposition("csv"), "Cache-Control": "no-store" },
    });
  }
  const data = await writeXlsx([{ name: t("planning.fileName"), headers, rows }]);
  return new Response(data, {
    headers: { "Content-Type": XLSX_TYPE, "Content-Disposition": disposition("xlsx"), "Cache-Control": "no-store" },
  });
}
