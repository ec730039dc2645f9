import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { useT } from "~/i18n/use-t";
import { recordAudit } from "~/models/audit.server";
import { signIn } from "~/models/users.server";
import { clientInfo } from "~/utils/request.server";
import { commitSession, getUser, safeRedirect } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "登录 · 创文测评" }];

export async function loader({ request }: LoaderFunctionArgs) {
  if (await getUser(request)) throw redirect("/");
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const identifier = String(form.get("identifier") ?? "").trim();
  const password = String(form.get("password") ?? "");
  const redirectTo = safeRedirect(form.get("redirectTo"), "/");
  if (!identifier || !password) return data({ error: "login.missing" }, { status: 400 });
  const client = clientInfo(request, context);
  const result = await signIn(identifier, password, client);
  if (!result.ok) {
    const status = result.reason === "rateLimited" ? 429 : result.reason === "disabled" ? 403 : 401;
    if (result.reason !== "invalid")
      await recordAudit(null, `signin.${result.reason}`, { countyId: result.countyId ?? undefined, target: identifier, ip: client.ip });
    return data({ error: `login.${result.reason}` }, { status });
  }
  await recordAudit(result.user, "signin", { target: identifier, ip: client.ip });
  return redirect(redirectTo, { headers: { "Set-Cookie": await commitSession(request, result.token) } });
}

export default function Login() {
  const t = useT();
  const actionData = useActionData<typeof action>();
  const [params] = useSearchParams();
  const busy = useNavigation().state !== "idle";
  return (
    <div className="login card">
      <h1>{t("login.title")}</h1>
      {params.get("expired") && !actionData && <p className="alert warn">{t("login.expired")}</p>}
      {actionData?.error && (
        <p className="alert error" role="alert">
          {t(actionData.error)}
        </p>
      )}
      <Form method="post" className="stack">
        <input type="hidden" name="redirectTo" value={params.get("redirectTo") ?? "/"} />
        <label>
          {t("login.identifier")}
          <input type="text" name="identifier" autoComplete="username" required autoFocus />
        </label>
        <label>
          {t("login.password")}
          <input type="password" name="password" autoComplete="current-password" required />
        </label>
        <button type="submit" className="button" disabled={busy}>
          {t("login.submit")}
        </button>
      </Form>
    </div>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
