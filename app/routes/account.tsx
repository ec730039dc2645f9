import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { Field } from "~/components/user-fields";
import { useT } from "~/i18n/use-t";
import { recordAudit } from "~/models/audit.server";
import { scopeDescription } from "~/models/places.server";
import { changeOwnPassword } from "~/models/users.server";
import { passwordProblem } from "~/utils/password.server";
import { clientInfo } from "~/utils/request.server";
import { requireUser } from "~/utils/session.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  return { username: user.username, displayName: user.displayName, role: user.role, scope: await scopeDescription(user) };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const form = await request.formData();
  const current = String(form.get("current") ?? "");
  const next = String(form.get("next") ?? "");
  const problem = passwordProblem(next);
  if (problem) return data({ errors: { next: problem } as Record<string, string>, ok: false }, { status: 400 });
  if (next !== String(form.get("confirm") ?? ""))
    return data({ errors: { confirm: "account.error.mismatch" } as Record<string, string>, ok: false }, { status: 400 });
  if (!(await changeOwnPassword(user, current, next)))
    return data({ errors: { current: "account.error.current" } as Record<string, string>, ok: false }, { status: 400 });
  await recordAudit(user, "account.changePassword", { target: user.username, ip: clientInfo(request, context).ip });
  return data({ errors: {} as Record<string, string>, ok: true });
}

export default function Account() {
  const me = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const errors = result?.errors ?? {};
  const t = useT();
  return (
    <>
      <h1>{t("account.title")}</h1>
      <p className="card">
        {me.displayName}（{me.username}）· {t(`role.${me.role}`)}
        <br />
        {t("account.scope", {
          scope: me.scope.grid
            ? t("account.scopeGrid", { grid: me.scope.grid, path: me.scope.path.join(" › ") })
            : me.scope.path.join(" › "),
        })}
      </p>
      {result?.ok && (
        <p className="alert ok" role="status">
          {t("account.changed")}
        </p>
      )}
      <Form method="post" className="stack card">
        <h2>{t("account.changePassword")}</h2>
        <Field label={t("account.current")} name="current" error={errors.current}>
          <input type="password" name="current" required autoComplete="current-password" />
        </Field>
        <Field label={t("account.next")} name="next" error={errors.next}>
          <input type="password" name="next" required autoComplete="new-password" />
        </Field>
        <Field label={t("account.confirm")} name="confirm" error={errors.confirm}>
          <input type="password" name="confirm" required autoComplete="new-password" />
        </Field>
        <button type="submit" className="button">
          {t("account.submit")}
        </button>
      </Form>
    </>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
