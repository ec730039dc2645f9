// The responses the list's filters match, as .xlsx or as CSV (UTF-8 with a BOM, so Excel on a
// Chinese Windows reads it as UTF-8): one column per question with its Chinese title, answers as
// their text, plus place, household room and code (household-code campaigns), time, channel,
// duration, version, imported and status.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { translate, type Lang } from "~/i18n";
import { recordAudit } from "~/models/audit.server";
import { campaignInScope } from "~/models/campaigns.server";
import { parseResponseFilters } from "~/domain/response-filters";
import { exportResponses, type ExportRow } from "~/models/responses.server";
import { writeCsv } from "~/utils/csv";
import { clientInfo, getLang } from "~/utils/request.server";
import { requirePermission } from "~/utils/session.server";
import { writeXlsx, XLSX_TYPE, type SheetCell } from "~/utils/xlsx.server";
import { invariantResponse } from "~/utils/input";

function table(lang: Lang, questions: { name: string; title: string }[], rows: ExportRow[]) {
  const t = (key: string) => translate(lang, key);
  const headers = [
    t("responses.col.id"),
    t("responses.col.campaign"),
    t("level.street"),
    t("level.community"),
    t("level.compound"),
    t("level.building"),
    t("responses.col.room"),
    t("responses.col.householdCode"),
    t("responses.col.finishedAt"),
    t("responses.col.channel"),
    t("responses.col.duration"),
    t("responses.col.version"),
    t("responses.col.imported"),
    t("responses.col.status"),
    ...questions.map((q) => q.title),
  ];
  const body: SheetCell[][] = rows.map((r) => [
    Number(r.id),
    r.campaignName,
    r.street,
    r.community,
    r.compound,
    r.building,
    r.room,
    r.householdCode,
    new Date(r.finishedAt),
    t(`responses.channel.${r.channel}`),
    r.durationSeconds,
    r.version,
    r.imported ? t("responses.yes") : t("responses.no"),
    t(r.voided ? "responses.count.voided" : r.complete ? "responses.count.complete" : "responses.count.partial"),
    ...questions.map((q) => r.answers[q.name] ?? ""),
  ]);
  return { headers, body };
}

const beijing = new Intl.DateTimeFormat("sv-SE", {
  timeZone: "Asia/Shanghai",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

// Dates as Beijing time; writeCsv defuses text that would run as a formula (residents type free text).
function csv(headers: string[], body: SheetCell[][]): string {
  return writeCsv([headers, ...body.map((row) => row.map((cell) => (cell instanceof Date ? beijing.format(cell) : cell)))]);
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "response:export");
  const params = new URL(request.url).searchParams;
  const format = params.get("format") === "csv" ? "csv" : "xlsx";
  const filters = parseResponseFilters(params);
  const lang = await getLang(request);
  const campaign = filters.campaignId ? await campaignInScope(user, filters.campaignId) : null;
  invariantResponse(!filters.campaignId || campaign);
  const { questions, rows } = await exportResponses(user, filters);
  const { headers, body } = table(lang, questions, rows);
  await recordAudit(user, "response.export", {
    target: campaign ? `campaign:${campaign.id}` : undefined,
    details: { format, rows: rows.length, filters },
    ip: clientInfo(request, context).ip,
  });
  const name = translate(lang, "responses.export.filename", {
    name: campaign?.name ?? translate(lang, "responses.export.all"),
    date: beijing.format(new Date()).slice(0, 10),
  }).replace(/[\\/:*?"<>|]/g, "_");
  const content =
    format === "csv"
      ? new TextEncoder().encode(csv(headers, body))
      : await writeXlsx([{ name: translate(lang, "responses.export.sheet"), headers, rows: body }]);
  return new Response(content, {
    headers: {
      "Content-Type": format === "csv" ? "text/csv; charset=utf-8" : XLSX_TYPE,
      "Content-Disposition": `attachment; filename*=UTF-8''${encodeURIComponent(`${name}.${format}`)}`,
      "Cache-Control": "no-store",
    },
  });
}
