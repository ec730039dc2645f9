// Logs that look made up (fabrication signals), for a person to decide: accept, or reject with a
// reason. Nothing is deleted; a rejected log stays in the history and stops counting. Below them,
// the questionnaires volunteers filled with residents that look made up (app/visits/response-review.tsx):
// a rejected one is voided, so it stops counting in the rates.
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { z } from "zod";
import { DataTable } from "~/components/data-table";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { SIGNALS } from "~/domain/visits";
import { useDateTimeFormat, useT } from "~/i18n/use-t";
import { recordAudit } from "~/models/audit.server";
import { flaggedResponses, reviewResponses } from "~/models/visit-forms.server";
import { flaggedLogs, reviewLogs, roundByCode } from "~/models/visits.server";
import { invariantResponse, many, parseInput } from "~/utils/input";
import { can } from "~/utils/permissions";
import { clientInfo, isConfirmed } from "~/utils/request.server";
import { ResponseReview } from "~/visits/response-review";
import { requirePermission } from "~/utils/session.server";

async function roundOf(countyId: number, request: Request) {
  const code = new URL(request.url).searchParams.get("round");
  const round = code ? await roundByCode(countyId, code) : null;
  invariantResponse(round);
  return round;
}

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "visit:assign");
  const round = await roundOf(user.countyId, request);
  const readsResponses = can(user.role, "response:read");
  const [logs, responses] = await Promise.all([flaggedLogs(user, round), readsResponses ? flaggedResponses(user, round) : []]);
  const counts = Object.fromEntries(SIGNALS.map((s) => [s, logs.filter((l) => l.signals.includes(s)).length]));
  return {
    round: { code: round.code, name: round.name },
    logs: logs.slice(0, 500),
    total: logs.length,
    counts,
    responses: readsResponses && round.campaignId !== null ? { rows: responses.slice(0, 500), total: responses.length } : null,
    canVoid: can(user.role, "response:void"),
  };
}

const responseReviewForm = z
  .object({
    decision: z.enum(["accepted", "rejected"], { message: "review.error.decision" }),
    reason: z.string().trim().max(500, "review.error.reason").catch(""),
    // Ticked boxes, or the confirmation step's one comma-separated field.
    response: many(z.string())
      .transform((values) => values.flatMap((v) => v.split(",")).filter((v) => /^\d{1,18}$/.test(v)))
      .refine((ids) => ids.length > 0, "responseReview.error.none"),
  })
  .superRefine((v, ctx) => {
    if (v.decision === "rejected" && v.reason === "") ctx.addIssue({ code: "custom", path: ["reason"], message: "review.error.reason" });
  });

async function reviewResponsesAction(request: Request, form: FormData, ip: string | null) {
  const user = await requirePermission(request, "response:read");
  const round = await roundOf(user.countyId, request);
  const parsed = parseInput(responseReviewForm, form);
  if ("errors" in parsed) return data({ subject: "responses" as const, errors: parsed.errors, done: null, confirm: null }, { status: 400 });
  const { decision, reason, response } = parsed.value;
  if (decision === "rejected") {
    // A rejection voids: only for those who may void, and only through the confirmation step.
    await requirePermission(request, "response:void");
    if (!isConfirmed(form)) return data({ subject: "responses" as const, errors: {}, done: null, confirm: { ids: response, reason } });
  }
  const n = await reviewResponses(user, round, response, { state: decision, reason: reason || null }, ip);
  await recordAudit(user, "responses.review", {
    target: round.code,
    details: { decision, reason, responses: response.length, changed: n },
    ip,
  });
  return data({ subject: "responses" as const, errors: {}, done: { decision, n }, confirm: null });
}

const reviewForm = z
  .object({
    decision: z.enum(["accepted", "rejected"], { message: "review.error.decision" }),
    reason: z.string().trim().max(500, "review.error.reason").catch(""),
    log: many(z.string().regex(/^\d{1,18}$/)).refine((ids) => ids.length > 0, "review.error.none"),
  })
  .superRefine((v, ctx) => {
    if (v.decision === "rejected" && v.reason === "") ctx.addIssue({ code: "custom", path: ["reason"], message: "review.error.reason" });
  });

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requirePermission(request, "visit:assign");
  const form = await request.formData();
  if (form.get("subject") === "responses") return reviewResponsesAction(request, form, clientInfo(request, context).ip);
  const round = await roundOf(user.countyId, request);
  const parsed = parseInput(reviewForm, form);
  if ("errors" in parsed) return data({ subject: "logs" as const, errors: parsed.errors, done: null }, { status: 400 });
  const { decision, reason, log } = parsed.value;
  const n = await reviewLogs(user, round, log, { state: decision, reason: reason || null });
  await recordAudit(user, "visits.review", {
    target: round.code,
    details: { decision, reason, logs: log.length, changed: n },
    ip: clientInfo(request, context).ip,
  });
  return data({ subject: "logs" as const, errors: {}, done: { decision, n } });
}

export default function Review() {
  const { round, logs, total, counts, responses, canVoid } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const result = actionData?.subject === "logs" ? actionData : null;
  const responseResult = actionData?.subject === "responses" ? actionData : null;
  const t = useT();
  const when = useDateTimeFormat("short", "medium");
  const format = (d: Date) => when.format(d);
  const errors: Record<string, string> = result?.errors ?? {};
  // After a decision the rows move (decided ones last): the ticks and the reason must not stay on
  // the rows that now sit where the decided ones were.
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (result?.done) form.current?.reset();
  }, [result]);
  return (
    <>
      <p>
        <Link to={`/coverage?round=${round.code}`}>{t("review.back")}</Link>
      </p>
      <h1>{t("review.title")}</h1>
      <p className="muted">{t("review.intro")}</p>
      <ul className="inline-list" data-testid="signal-counts">
        {SIGNALS.map((s) => (
          <li key={s}>{t("review.count", { signal: t(`review.signal.${s}`), n: counts[s] })}</li>
        ))}
      </ul>
      {result?.done && (
        <p className="alert ok" role="status">
          {t(`review.done.${result.done.decision}`, { n: result.done.n })}
        </p>
      )}
      <Form method="post" className="card stack-form" ref={form}>
        {errors.log && <p className="field-error">{t(errors.log)}</p>}
        <DataTable
          testId="flagged"
          columns={[
            "",
            t("review.col.household"),
            t("review.col.volunteer"),
            t("review.col.at"),
            t("review.col.signals"),
            t("review.col.review"),
          ]}
          rows={logs}
          row={(l) => (
            <tr key={l.id}>
              <td>
                <input type="checkbox" name="log" value={l.id} aria-label={l.address} />
              </td>
              <td>
                {l.address}
                {l.note && <span className="context">{l.note}</span>}
              </td>
              <td>{l.volunteer}</td>
              <td>{format(new Date(l.at))}</td>
              <td>{l.signals.map((s) => t(`review.signal.${s}`)).join("、")}</td>
              <td>
                {t(`review.state.${l.review}`)}
                {l.reason && <span className="context">{l.reason}</span>}
              </td>
            </tr>
          )}
          empty={<p className="muted">{t("review.none")}</p>}
        />
        {total > logs.length && <p className="muted">{t("review.more", { n: total - logs.length })}</p>}
        <label>
          {t("review.reason")}
          <input type="text" name="reason" maxLength={500} aria-invalid={!!errors.reason} />
          {errors.reason && <span className="field-error">{t(errors.reason)}</span>}
        </label>
        <p className="actions">
          <button type="submit" name="decision" value="accepted" className="button secondary">
            {t("review.accept")}
          </button>
          <button type="submit" name="decision" value="rejected" className="button">
            {t("review.reject")}
          </button>
        </p>
      </Form>
      {responses && (
        <ResponseReview
          responses={responses.rows.map((r) => ({ ...r, finishedAt: new Date(r.finishedAt).toISOString() }))}
          total={responses.total}
          canVoid={canVoid}
          errors={responseResult?.errors ?? {}}
          confirm={responseResult?.confirm ?? null}
          done={responseResult?.done ?? null}
        />
      )}
    </>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
