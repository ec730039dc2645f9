import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { Field, UserProfileFields } from "~/components/user-fields";
import { useT } from "~/i18n/use-t";
import { recordAudit } from "~/models/audit.server";
import { scopeChoices } from "~/models/places.server";
import { createUser } from "~/models/users.server";
import { clientInfo } from "~/utils/request.server";
import { requirePermission } from "~/utils/session.server";
import { parseNewUser } from "~/utils/user-form.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "user:manage");
  return { choices: await scopeChoices(user.countyId) };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const admin = await requirePermission(request, "user:manage");
  const parsed = parseNewUser(await request.formData());
  if ("errors" in parsed) return data({ errors: parsed.errors }, { status: 400 });
  const created = await createUser(admin.countyId, parsed.value);
  if ("problem" in created) {
    const fields = { usernameTaken: "username", phoneTaken: "phone", scopeNotFound: "scope", departmentNotFound: "departmentId" } as const;
    const field = fields[created.problem];
    return data({ errors: { [field]: `users.error.${created.problem}` } as Record<string, string> }, { status: 409 });
  }
  await recordAudit(admin, "user.create", {
    target: parsed.value.username,
    details: { userId: created.id, role: parsed.value.role, scope: parsed.value.scope, departmentId: parsed.value.departmentId },
    ip: clientInfo(request, context).ip,
  });
  return redirect(`/admin/users/${created.id}?created=1`);
}

export default function NewUser() {
  const { choices } = useLoaderData<typeof loader>();
  const errors = useActionData<typeof action>()?.errors ?? {};
  const t = useT();
  return (
    <>
      <h1>{t("users.new")}</h1>
      <Form method="post" className="stack card">
        <Field label={t("users.username")} name="username" error={errors.username}>
          <input type="text" name="username" required autoComplete="off" aria-invalid={!!errors.username} />
        </Field>
        <UserProfileFields choices={choices} errors={errors} />
        <Field label={t("users.initialPassword")} name="password" error={errors.password}>
          <input type="password" name="password" required autoComplete="new-password" aria-invalid={!!errors.password} />
        </Field>
        <button type="submit" className="button">
          {t("users.create")}
        </button>
      </Form>
    </>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
