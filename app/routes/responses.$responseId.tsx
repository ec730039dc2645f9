import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { ConfirmStep } from "~/components/confirm-step";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { useDateTimeFormat, useT } from "~/i18n/use-t";
import { getResponse, voidResponse } from "~/models/responses.server";
import { can } from "~/utils/permissions";
import { clientInfo, isConfirmed } from "~/utils/request.server";
import { requirePermission } from "~/utils/session.server";
import { invariantResponse } from "~/utils/input";

const VOID_REASON_MAX = 500;

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "response:read");
  const response = await getResponse(user, params.responseId ?? "");
  invariantResponse(response);
  return { response, canVoid: can(user.role, "response:void") };
}

type ActionResult =
  { ok: true; outcome: "voided" | "alreadyVoided" } | { ok: false; error: "reasonRequired" } | { ok: false; confirm: { reason: string } };

export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = await requirePermission(request, "response:void");
  const form = await request.formData();
  const reason = String(form.get("reason") ?? "").trim();
  if (reason.length < 2 || reason.length > VOID_REASON_MAX)
    return data<ActionResult>({ ok: false, error: "reasonRequired" }, { status: 400 });
  // Voiding cannot be undone: it happens only through the confirmation step.
  if (!isConfirmed(form)) return data<ActionResult>({ ok: false, confirm: { reason } });
  const outcome = await voidResponse(user, params.responseId ?? "", reason, clientInfo(request, context).ip);
  invariantResponse(outcome);
  return data<ActionResult>({ ok: true, outcome });
}

export default function ResponsePage() {
  const { response: r, canVoid } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const t = useT();
  const format = useDateTimeFormat("medium", "medium");
  const time = (value: string | Date | null) => (value ? format.format(new Date(value)) : t("responses.detail.unknown"));
  const facts: [string, string][] = [
    [t("responses.detail.campaign"), r.campaignName],
    [t("responses.detail.survey"), t("responses.detail.version", { title: r.surveyTitle, n: r.version })],
    [t("responses.detail.place"), r.placeLabel],
    ...(r.household
      ? ([
          [t("responses.detail.household"), r.household.room],
          [t("responses.detail.householdCode"), r.household.code ?? "—"],
        ] as [string, string][])
      : []),
    [t("responses.detail.channel"), t(`responses.channel.${r.channel}`)],
    [t("responses.detail.startedAt"), time(r.startedAt)],
    [t("responses.detail.finishedAt"), time(r.finishedAt)],
    [
      t("responses.detail.duration"),
      r.durationSeconds === null
        ? t("responses.detail.unknown")
        : t("responses.detail.durationValue", { m: Math.floor(r.durationSeconds / 60), s: r.durationSeconds % 60 }),
    ],
    [t("responses.detail.status"), r.complete ? t("responses.detail.complete") : t("responses.detail.partial")],
  ];
  if (r.collectedBy) facts.push([t("responses.detail.collectedBy"), r.collectedBy]);
  if (r.imported)
    facts.push([
      t("responses.detail.imported"),
      t("responses.detail.importedValue", { file: r.imported.filename, by: r.imported.by, at: time(r.imported.at) }),
    ]);
  if (r.userAgent) facts.push([t("responses.detail.userAgent"), r.userAgent]);
  return (
    <>
      <p className="crumbs">
        <Link to="/responses">{t("responses.detail.back")}</Link>
      </p>
      <h1>
        {t("responses.detail.title", { id: r.id })} {r.voided && <span className="badge off">{t("responses.badge.voided")}</span>}
        {!r.complete && <span className="badge warn">{t("responses.badge.partial")}</span>}
        {r.imported && <span className="badge">{t("responses.badge.imported")}</span>}
      </h1>
      {result?.ok && (
        <p className="alert ok" role="status">
          {result.outcome === "voided" ? t("responses.void.done") : t("responses.void.already")}
        </p>
      )}
      {r.voided && (
        <p className="alert warn" data-testid="void-note">
          {t("responses.detail.voidedBanner", {
            at: time(r.voided.at),
            by: r.voided.by ?? t("responses.detail.unknown"),
            reason: r.voided.reason,
          })}
        </p>
      )}
      <section className="card">
        <dl className="response-facts">
          {facts.map(([label, value]) => (
            <div key={label}>
              <dt>{label}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
      </section>

      <h2>{t("responses.detail.answers")}</h2>
      <ol className="list response-answers" data-testid="response-answers">
        {r.answers.map((a) => (
          <li key={a.name}>
            <div className="answer-q">{a.title}</div>
            <div className={a.text ? "answer-a" : "answer-a muted"}>{a.text || t("responses.detail.noAnswer")}</div>
          </li>
        ))}
      </ol>

      {canVoid && !r.voided && result && "confirm" in result && (
        <ConfirmStep
          title={t("responses.void.confirmTitle", { id: r.id })}
          consequence={t("responses.void.confirmBody", { reason: result.confirm.reason })}
          confirmLabel={t("responses.void.confirmSubmit")}
          fields={{ reason: result.confirm.reason }}
        />
      )}
      {canVoid && !r.voided && !(result && "confirm" in result) && (
        <section className="card response-void">
          <h2>{t("responses.void.title")}</h2>
          <p className="muted">{t("responses.void.intro")}</p>
          <Form method="post" className="stack">
            <label>
              {t("responses.void.reason")}
              <textarea
                name="reason"
                required
                minLength={2}
                maxLength={VOID_REASON_MAX}
                rows={3}
                aria-invalid={result && "error" in result ? true : undefined}
              />
              {result && "error" in result && (
                <span className="field-error">{t("responses.void.reasonRequired", { max: VOID_REASON_MAX })}</span>
              )}
            </label>
            <div>
              <button type="submit" className="button" disabled={busy}>
                {t("responses.void.submit")}
              </button>
            </div>
          </Form>
        </section>
      )}
    </>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
