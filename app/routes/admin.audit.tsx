import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { DataTable } from "~/components/data-table";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { useDateTimeFormat, useT } from "~/i18n/use-t";
import { listAudit } from "~/models/audit.server";
import { requirePermission } from "~/utils/session.server";
import { wholeNumber } from "~/utils/input";

const PAGE = 100;

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "audit:read");
  const before = new URL(request.url).searchParams.get("before");
  const entries = await listAudit(user.countyId, { limit: PAGE, before: wholeNumber(before, 1, Number.MAX_SAFE_INTEGER)?.toString() });
  return { entries };
}

export default function AuditPage() {
  const { entries } = useLoaderData<typeof loader>();
  const t = useT();
  const format = useDateTimeFormat("short", "medium");
  return (
    <>
      <h1>{t("audit.title")}</h1>
      <DataTable
        columns={[t("audit.time"), t("audit.user"), t("audit.action"), t("audit.target"), t("audit.ip")]}
        rows={entries}
        row={(e) => (
          <tr key={e.id}>
            <td>{format.format(new Date(e.createdAt))}</td>
            <td>{e.displayName ?? "—"}</td>
            <td>{t(`audit.action.${e.action}`)}</td>
            <td>{e.target ?? ""}</td>
            <td>{e.ip ?? ""}</td>
          </tr>
        )}
      />
      {entries.length === PAGE && (
        <p>
          <Link to={`?before=${entries[entries.length - 1].id}`}>{t("audit.older")}</Link>
        </p>
      )}
    </>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
