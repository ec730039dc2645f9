// The register import's CSV template, for those who may import the register (the page that links it).
import type { LoaderFunctionArgs } from "@remix-run/node";
import { REGISTER_TEMPLATE } from "~/utils/register-template";
import { requirePermission } from "~/utils/session.server";

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, "register:import");
  return new Response(REGISTER_TEMPLATE, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename*=UTF-8''${encodeURIComponent("住户登记导入模板.csv")}`,
    },
  });
}
