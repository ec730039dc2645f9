// The bulletin as a spreadsheet with Chinese headers (whatever the interface language): the
// ranking sheet and a sheet with the measure's definition.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { formulaLines } from "~/components/rate-figure";
import { isoWeekLabel, isVisitMeasure, lowerIsBetter, shownChange, shownPercent, type VisitMeasure } from "~/domain/measures";
import { parseBulletinParams, type BulletinParams } from "~/domain/rate-params";
import { translator } from "~/i18n";
import { recordAudit } from "~/models/audit.server";
import { bulletinPage, visitBulletinPage } from "~/models/rates.server";
import { clientInfo } from "~/utils/request.server";
import type { CurrentUser } from "~/models/users.server";
import { requirePermission } from "~/utils/session.server";
import { writeXlsx, XLSX_TYPE, type SheetCell } from "~/utils/xlsx.server";
import { invariantResponse } from "~/utils/input";

// The same rounding as the page: the change column is the difference of the two rate columns.
const pct = (x: number | null) => (x === null ? null : shownPercent(x));
const one = (x: number) => Math.round(x * 10) / 10;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "rates:read");
  const params = parseBulletinParams(new URL(request.url).searchParams);
  if (isVisitMeasure(params.source)) return visitXlsx(request, context, user, params.source, params);
  const page = await bulletinPage(user, params, new Date());
  invariantResponse(page !== "notFound" && page.bulletin && page.campaign && page.measure);
  const { bulletin, campaign, measure } = page;
  const t = translator("zh");
  const m = t(`rates.measure.${measure}`);
  const headers = [
    t("rates.col.rank"),
    t(`rates.level.${bulletin.level}`),
    t("bulletin.xlsx.context"),
    t("bulletin.xlsx.weighted", { measure: m }),
    t("bulletin.xlsx.lower"),
    t("bulletin.xlsx.upper"),
    t("bulletin.xlsx.nEff"),
    t("bulletin.xlsx.plain", { measure: m }),
    t("bulletin.xlsx.n"),
    t(measure === "score" ? "bulletin.xlsx.points" : "bulletin.xlsx.positive"),
    t("bulletin.xlsx.valid"),
    t("bulletin.xlsx.excluded"),
    t("bulletin.xlsx.noAnswer"),
    t("rates.col.responses"),
    t("rates.col.households"),
    t("bulletin.xlsx.lastWeek", { measure: m }),
    t("bulletin.xlsx.change"),
    t("bulletin.xlsx.pValue"),
    t("bulletin.col.status"),
  ];
  const rows: SheetCell[][] = [bulletin.total, ...bulletin.rows].map((row, i) => {
    const f = row.unit.figure;
    return [
      i === 0 ? t("rates.total") : row.unit.rank,
      row.unit.name,
      row.unit.context,
      pct(f.weighted.rate),
      f.weighted.rate === null ? null : pct(f.weighted.lower),
      f.weighted.rate === null ? null : pct(f.weighted.upper),
      one(f.weighted.n),
      pct(f.plain.rate),
      one(f.plain.n),
      measure === "score" ? one(f.counts.successes * 100) : f.counts.successes,
      f.counts.valid,
      f.counts.excluded,
      f.counts.noAnswer,
      row.unit.responses,
      row.unit.households,
      pct(row.previous.figure.weighted.rate),
      row.change ? shownChange(f.weighted.rate!, row.previous.figure.weighted.rate!) : null,
      row.change ? Math.round(row.change.pValue * 10000) / 10000 : null,
      row.status ? t(`rates.status.${row.status}`) : t("rates.status.none"),
    ];
  });
  const about = [
    [t("bulletin.xlsx.campaign"), campaign.name],
    [t("bulletin.field.week"), `${isoWeekLabel(bulletin.week)}（${t(`bulletin.span.${params.span}`)}）`],
    [t("bulletin.field.target"), `${pct(params.target)}`],
    [t("rates.field.minN"), params.minN],
    [t("bulletin.xlsx.legend"), t("bulletin.legend", { target: `${pct(params.target)}`, minN: params.minN })],
    ...formulaLines(t, bulletin.formula, params.minN).map((line, i) => [i === 0 ? t("bulletin.xlsx.formula") : "", line]),
  ];
  const data = await writeXlsx([
    { name: t("bulletin.title"), headers, rows },
    { name: t("bulletin.xlsx.aboutSheet"), headers: [t("bulletin.xlsx.item"), t("bulletin.xlsx.value")], rows: about, widths: [16, 100] },
  ]);
  await recordAudit(user, "bulletin.export", {
    target: campaign.code,
    details: { week: isoWeekLabel(bulletin.week), measure, level: bulletin.level, rows: bulletin.rows.length },
    ip: clientInfo(request, context).ip,
  });
  return download(data, `${t("bulletin.title")}-${campaign.code}-${isoWeekLabel(bulletin.week)}.xlsx`);
}

function download(data: Awaited<ReturnType<typeof writeXlsx>>, filename: string) {
  return new Response(data, {
    headers: {
      "Content-Type": XLSX_TYPE,
      "Content-Disposition": `attachment; filename*=UTF-8''${encodeURIComponent(filename)}`,
      "Cache-Control": "no-store",
    },
  });
}

/** The bulletin ranked by a visit measure: a census, so counts of households and no interval. */
async function visitXlsx(
  request: Request,
  context: LoaderFunctionArgs["context"],
  user: CurrentUser,
  measure: VisitMeasure,
  params: BulletinParams,
) {
  const page = await visitBulletinPage(user, measure, params, new Date());
  invariantResponse(page !== "notFound" && page.bulletin && page.round);
  const { bulletin, round } = page;
  const t = translator("zh");
  const m = t(`rates.measure.${measure}`);
  const headers = [
    t("rates.col.rank"),
    t(`rates.level.${bulletin.level}`),
    t("bulletin.xlsx.context"),
    `${m}（%）`,
    t(measure === "refusal" ? "bulletin.xlsx.refused" : "bulletin.xlsx.reached"),
    t(measure === "refusal" ? "bulletin.xlsx.tried" : "bulletin.xlsx.toReach"),
    t("rates.col.households"),
    t("bulletin.xlsx.lastWeek", { measure: m }),
    t("bulletin.xlsx.change"),
    t("bulletin.col.status"),
  ];
  const rows: SheetCell[][] = [bulletin.total, ...bulletin.rows].map((row, i) => {
    const f = row.unit.figure;
    return [
      i === 0 ? t("rates.total") : row.unit.rank,
      row.unit.name,
      row.unit.context,
      pct(f.weighted.rate),
      f.counts.successes,
      f.counts.n,
      row.unit.households,
      pct(row.previous.figure.weighted.rate),
      row.change ? shownChange(f.weighted.rate!, row.previous.figure.weighted.rate!) : null,
      row.status ? t(`rates.status.${row.status}`) : t("rates.status.none"),
    ];
  });
  const about = [
    [t("bulletin.xlsx.round"), `${round.name}（${round.code}）`],
    [t("bulletin.field.week"), isoWeekLabel(bulletin.week)],
    [t("bulletin.field.target"), `${pct(params.target)}`],
    [t("rates.field.minN"), params.minN],
    [
      t("bulletin.xlsx.legend"),
      t(lowerIsBetter(measure) ? "bulletin.legendCensusLower" : "bulletin.legendCensus", {
        target: `${pct(params.target)}`,
        minN: params.minN,
      }),
    ],
    ...formulaLines(t, bulletin.formula, params.minN).map((line, i) => [i === 0 ? t("bulletin.xlsx.formula") : "", line]),
  ];
  const data = await writeXlsx([
    { name: t("bulletin.title"), headers, rows },
    { name: t("bulletin.xlsx.aboutSheet"), headers: [t("bulletin.xlsx.item"), t("bulletin.xlsx.value")], rows: about, widths: [16, 100] },
  ]);
  await recordAudit(user, "bulletin.export", {
    target: round.code,
    details: { week: isoWeekLabel(bulletin.week), measure, level: bulletin.level, rows: bulletin.rows.length },
    ip: clientInfo(request, context).ip,
  });
  return download(data, `${t("bulletin.title")}-${m}-${round.code}-${isoWeekLabel(bulletin.week)}.xlsx`);
}
