import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary";
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
      <div className="actions" style={{ justifyContent: "space-between" }}>
        <h1>{t("users.title")}</h1>
        <Link to="/admin/users/new" className="button">
          {t("users.new")}
        </Link>
      </div>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>{t("users.username")}</th>
              <th>{t("users.displayName")}</th>
              <th>{t("users.role")}</th>
              <th>{t("users.scope")}</th>
              <th>{t("users.status")}</th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id}>
                <td>
                  <Link to={`/admin/users/${u.id}`}>{u.username}</Link>
                </td>
                <td>{u.displayName}</td>
                <td>{t(`role.${u.role}`)}</td>
                <td>{u.scopeName}</td>
                <td>{u.disabled ? <span className="badge off">{t("users.disabled")}</span> : t("users.active")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
