// API tokens for the hotline platform's push (POST /api/tickets): an admin creates one, sees it
// once, and revokes it; only its hash is kept.
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { DataTable } from "~/components/data-table";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { useT } from "~/i18n/use-t";
import { createApiToken, listApiTokens, revokeApiToken } from "~/models/api-tokens.server";
import { idField, parseInput, TextField } from "~/utils/input";
import { clientInfo } from "~/utils/request.server";
import { requirePermission } from "~/utils/session.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "token:manage");
  return { tokens: await listApiTokens(user.countyId) };
}

const CreateForm = z.object({ name: TextField.pipe(z.string().min(1, "tokens.nameRequired").max(100, "tokens.nameTooLong")) });
const RevokeForm = z.object({ tokenId: idField("tokens.unknown") });

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requirePermission(request, "token:manage");
  const form = await request.formData();
  const ip = clientInfo(request, context).ip;
  if (form.get("intent") === "revoke") {
    const parsed = parseInput(RevokeForm, form);
    if ("errors" in parsed) return data({ error: parsed.errors.tokenId, created: null }, { status: 400 });
    await revokeApiToken(user, parsed.value.tokenId, ip);
    return { error: null, created: null };
  }
  const parsed = parseInput(CreateForm, form);
  if ("errors" in parsed) return data({ error: parsed.errors.name, created: null }, { status: 400 });
  const created = await createApiToken(user, parsed.value.name, ip);
  return { error: null, created: { name: parsed.value.name, token: created.token } };
}

const bj = (d: Date | string | null) => (d ? new Date(d).toLocaleString("sv-SE", { timeZone: "Asia/Shanghai" }).slice(0, 16) : "—");

export default function Tokens() {
  const t = useT();
  const { tokens } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  return (
    <>
      <h1>{t("tokens.title")}</h1>
      <p className="muted">{t("tokens.intro")}</p>
      {result?.error && (
        <p className="alert error" role="alert">
          {t(result.error)}
        </p>
      )}
      {result?.created && (
        <div className="alert ok" role="status">
          <strong>{t("tokens.created", { name: result.created.name })}</strong>
          <p>
            <code data-testid="new-token" className="token">
              {result.created.token}
            </code>
          </p>
          <p>{t("tokens.onlyOnce")}</p>
        </div>
      )}
      <Form method="post" className="inline-form card">
        <label>
          {t("tokens.name")}
          <input name="name" required maxLength={100} placeholder={t("tokens.nameHint")} />
        </label>
        <button type="submit" name="intent" value="create" className="button" disabled={busy}>
          {t("tokens.create")}
        </button>
      </Form>
      <DataTable
        testId="tokens"
        columns={[t("tokens.name"), t("tokens.prefix"), t("tokens.createdAt"), t("tokens.lastUsed"), t("tokens.state"), ""]}
        rows={tokens}
        empty={<p className="muted">{t("tokens.none")}</p>}
        row={(tk) => (
          <tr key={tk.id}>
            <td>{tk.name}</td>
            <td>
              <code>{tk.prefix}…</code>
            </td>
            <td>
              {bj(tk.createdAt)} {tk.createdBy}
            </td>
            <td>{bj(tk.lastUsedAt)}</td>
            <td>{tk.revokedAt ? t("tokens.revokedAt", { at: bj(tk.revokedAt) }) : t("tokens.active")}</td>
            <td>
              {!tk.revokedAt && (
                <Form method="post">
                  <input type="hidden" name="tokenId" value={tk.id} />
                  <button type="submit" name="intent" value="revoke" className="button secondary" disabled={busy}>
                    {t("tokens.revoke")}
                  </button>
                </Form>
              )}
            </td>
          </tr>
        )}
      />
    </>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
