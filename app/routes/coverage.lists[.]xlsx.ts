// The evening's lists as one workbook: households to knock on again (with the times of day not yet
// tried), refusals, buildings not started, volunteers without a log for two days.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { translator } from "~/i18n";
import { recordAudit } from "~/models/audit.server";
import { actionLists, roundByCode } from "~/models/visits.server";
import { invariantResponse } from "~/utils/input";
import { clientInfo } from "~/utils/request.server";
import { requirePermission } from "~/utils/session.server";
import { writeXlsx, XLSX_TYPE } from "~/utils/xlsx.server";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "visit:read");
  const code = new URL(request.url).searchParams.get("round");
  const round = code ? await roundByCode(user.countyId, code) : null;
  invariantResponse(round);
  const lists = await actionLists(user, round);
  const t = translator("zh");
  const data = await writeXlsx([
    {
      name: t("coverage.lists.revisit"),
      headers: [t("coverage.lists.address"), t("coverage.lists.attempts"), t("coverage.lists.lastAt"), t("coverage.lists.untried")],
      rows: lists.revisit.map((r) => [r.address, r.attempts, r.lastAt, r.untried.map((slot) => t(`visits.slot.${slot}`)).join("、")]),
    },
    {
      name: t("coverage.lists.refusals"),
      headers: [t("coverage.lists.address"), t("coverage.lists.volunteer"), t("coverage.lists.lastAt")],
      rows: lists.refusals.map((r) => [r.address, r.volunteer, r.at]),
    },
    {
      name: t("coverage.lists.notStarted"),
      headers: [t("coverage.lists.building"), t("coverage.lists.households"), t("coverage.lists.volunteer")],
      rows: lists.notStarted.map((r) => [r.building, r.households, r.volunteer]),
    },
    {
      name: t("coverage.lists.quiet"),
      headers: [t("coverage.lists.volunteer"), t("coverage.lists.lastLog"), t("coverage.lists.assigned")],
      rows: lists.quiet.map((r) => [r.volunteer, r.lastAt, r.buildings]),
    },
  ]);
  await recordAudit(user, "visits.export", {
    target: round.code,
    details: {
      revisit: lists.revisit.length,
      refusals: lists.refusals.length,
      notStarted: lists.notStarted.length,
      quiet: lists.quiet.length,
    },
    ip: clientInfo(request, context).ip,
  });
  const filename = `${t("coverage.lists.file")}-${round.code}.xlsx`;
  return new Response(data, {
    headers: {
      "Content-Type": XLSX_TYPE,
      "Content-Disposition": `attachment; filename*=UTF-8''${encodeURIComponent(filename)}`,
      "Cache-Control": "no-store",
    },
  });
}
