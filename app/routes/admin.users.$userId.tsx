import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { ConfirmStep } from "~/components/confirm-step";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { Field, UserProfileFields } from "~/components/user-fields";
import { useT } from "~/i18n/use-t";
import { recordAudit } from "~/models/audit.server";
import { scopeChoices } from "~/models/places.server";
import { getAccount, resetPassword, setDisabled, updateUser } from "~/models/users.server";
import { clientInfo, isConfirmed } from "~/utils/request.server";
import { requirePermission } from "~/utils/session.server";
import { parsePassword, parseProfile } from "~/utils/user-form.server";
import { idParam, invariantResponse } from "~/utils/input";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const admin = await requirePermission(request, "user:manage");
  const account = await getAccount(admin.countyId, idParam(params.userId));
  invariantResponse(account);
  return { account, choices: await scopeChoices(admin.countyId), self: account.id === admin.id };
}

type Result = { ok?: string; errors?: Record<string, string>; intent?: string; confirm?: true };

export async function action({ request, params, context }: ActionFunctionArgs) {
  const admin = await requirePermission(request, "user:manage");
  const userId = idParam(params.userId);
  const account = await getAccount(admin.countyId, userId);
  invariantResponse(account);
  const form = await request.formData();
  const intent = String(form.get("intent"));
  const audit = (action: string, details: Record<string, unknown> = {}) =>
    recordAudit(admin, action, { target: account.username, details: { userId, ...details }, ip: clientInfo(request, context).ip });

  if (intent === "profile") {
    const parsed = parseProfile(form);
    if ("errors" in parsed) return data<Result>({ intent, errors: parsed.errors }, { status: 400 });
    if (userId === admin.id && parsed.value.role !== "admin")
      return data<Result>({ intent, errors: { role: "users.error.ownRole" } }, { status: 400 });
    const problem = await updateUser(admin.countyId, userId, parsed.value);
    if (problem)
      return data<Result>(
        {
          intent,
          errors: {
            [problem === "phoneTaken" ? "phone" : problem === "departmentNotFound" ? "departmentId" : "scope"]: `users.error.${problem}`,
          },
        },
        { status: 409 },
      );
    await audit("user.update", { role: parsed.value.role, scope: parsed.value.scope, departmentId: parsed.value.departmentId });
    return data<Result>({ intent, ok: "users.saved" });
  }
  if (intent === "password") {
    const parsed = parsePassword(form);
    if ("errors" in parsed) return data<Result>({ intent, errors: parsed.errors }, { status: 400 });
    await resetPassword(admin.countyId, userId, parsed.value.password);
    await audit("user.resetPassword");
    return data<Result>({ intent, ok: "users.passwordReset" });
  }
  if (intent === "disable" || intent === "enable") {
    if (userId === admin.id) return data<Result>({ intent, errors: { status: "users.error.disableSelf" } }, { status: 400 });
    // Disabling signs the account out everywhere at once: only through the confirmation step.
    if (intent === "disable" && !isConfirmed(form)) return data<Result>({ intent, confirm: true });
    await setDisabled(admin.countyId, userId, intent === "disable");
    await audit(`user.${intent}`);
    return data<Result>({ intent, ok: intent === "disable" ? "users.disabledNow" : "users.enabledNow" });
  }
  invariantResponse(false, 400);
}

export default function EditUser() {
  const { account, choices, self } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const [params] = useSearchParams();
  const t = useT();
  const errorsFor = (intent: string) => (result?.intent === intent ? (result.errors ?? {}) : {});
  const scope = account.scopeGridId ? `g:${account.scopeGridId}` : `p:${account.scopePlaceId}`;
  return (
    <>
      <h1>
        {account.displayName} <span className="badge">{account.username}</span>{" "}
        {account.disabled && <span className="badge off">{t("users.disabled")}</span>}
      </h1>
      {params.get("created") && !result && <p className="alert ok">{t("users.created")}</p>}
      {result?.ok && (
        <p className="alert ok" role="status">
          {t(result.ok)}
        </p>
      )}
      {errorsFor("disable").status || errorsFor("enable").status ? (
        <p className="alert error">{t(errorsFor("disable").status ?? errorsFor("enable").status)}</p>
      ) : null}
      <Form method="post" className="stack card">
        <h2>{t("users.profile")}</h2>
        <UserProfileFields
          choices={choices}
          values={{ displayName: account.displayName, phone: account.phone, role: account.role, scope, departmentId: account.departmentId }}
          errors={errorsFor("profile")}
        />
        <button type="submit" name="intent" value="profile" className="button">
          {t("users.save")}
        </button>
      </Form>
      <Form method="post" className="stack card">
        <h2>{t("users.resetPassword")}</h2>
        <Field label={t("users.newPassword")} name="password" error={errorsFor("password").password}>
          <input type="password" name="password" required autoComplete="new-password" />
        </Field>
        <button type="submit" name="intent" value="password" className="button secondary">
          {t("users.resetPassword")}
        </button>
      </Form>
      {!self && result?.confirm && (
        <ConfirmStep
          title={t("users.confirmDisable.title", { name: account.displayName })}
          consequence={t("users.confirmDisable.body", { name: account.displayName })}
          confirmLabel={t("users.confirmDisable.submit")}
          fields={{ intent: "disable" }}
        />
      )}
      {!self && !result?.confirm && (
        <Form method="post" className="card">
          <button type="submit" name="intent" value={account.disabled ? "enable" : "disable"} className="button secondary">
            {account.disabled ? t("users.enable") : t("users.disable")}
          </button>
        </Form>
      )}
    </>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
