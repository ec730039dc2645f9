import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { DataTable } from "~/components/data-table";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { PageTitle } from "~/components/page-title";
import { useT } from "~/i18n/use-t";
import { listUsers } from "~/models/users.server";
import { requirePermission } from "~/utils/session.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "user:manage");
  return { users: await listUsers(user.countyId) };
}

export default function UsersPage() {
  const { users } = useLoaderData<typeof loader>();
  const t = useT();
  return (
    <>
      <PageTitle title={t("users.title")}>
        <Link to="/admin/users/new" className="button">
          {t("users.new")}
        </Link>
      </PageTitle>
      <DataTable
        columns={[t("users.username"), t("users.displayName"), t("users.role"), t("users.scope"), t("users.status")]}
        rows={users}
        row={(u) => (
          <tr key={u.id}>
            <td>
              <Link to={`/admin/users/${u.id}`}>{u.username}</Link>
            </td>
            <td>{u.displayName}</td>
            <td>{t(`role.${u.role}`)}</td>
            <td>{u.scopeName}</td>
            <td>{u.disabled ? <span className="badge off">{t("users.disabled")}</span> : t("users.active")}</td>
          </tr>
        )}
      />
    </>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
