// One ticket on the callback workbench: its details (the number masked), the original rating and
// every callback side by side, its follow-ups; the agent claims it, reveals the full number (only
// while holding it; every reveal audited) and records each call with the call script.
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { randomUUID } from "node:crypto";
import { useState } from "react";
import { DataTable } from "~/components/data-table";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { Question } from "~/components/resident/question";
import { outsideCallingHours, scriptResult } from "~/domain/callbacks";
import { useDateTimeFormat, useT } from "~/i18n/use-t";
import { recordAudit } from "~/models/audit.server";
import { claimTicket, recordCallback, releaseClaim, revealPhone, ticketForCallback } from "~/models/callbacks.server";
import { evaluateCondition } from "~/survey/condition";
import { answersFromForm, buildRenderSurvey, conditionValues, type RenderQuestion } from "~/survey/render";
import { loadTemplate } from "~/survey/templates.server";
import { validateAnswers } from "~/survey/validate.server";
import { idParam, invariantResponse } from "~/utils/input";
import { clientInfo } from "~/utils/request.server";
import { requirePermission } from "~/utils/session.server";

const SCRIPT = "hotline-callback.json";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "callback:work");
  const detail = await ticketForCallback(user, idParam(params.ticketId));
  invariantResponse(detail);
  return {
    ...detail,
    mine: detail.ticket.holderId === user.id,
    script: buildRenderSurvey(loadTemplate(SCRIPT)),
    outsideHours: outsideCallingHours(new Date()),
    // The record form's key: a repeat of the same post (a retry, a double click) stores one call.
    clientKey: randomUUID(),
  };
}

type Result = {
  notice?: string;
  error?: string;
  phone?: string;
  errors?: Record<string, string[]>;
  followUpDue?: string;
  outsideHours?: boolean;
};

export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = await requirePermission(request, "callback:work");
  const ticketId = idParam(params.ticketId);
  const form = await request.formData();
  const intent = String(form.get("intent"));
  const ip = clientInfo(request, context).ip;
  if (intent === "claim") {
    const claim = await claimTicket(user, ticketId);
    invariantResponse(claim);
    if (!claim.ok) return data<Result>({ error: `ticket.error.${claim.problem}` }, { status: 409 });
    await recordAudit(user, "callbacks.claim", { target: String(ticketId), ip });
    return data<Result>({ notice: "ticket.claimed" });
  }
  if (intent === "release") {
    await releaseClaim(user, ticketId);
    return data<Result>({});
  }
  if (intent === "reveal") {
    const revealed = await revealPhone(user, ticketId);
    if (!revealed) return data<Result>({ error: "ticket.error.notHeld" }, { status: 403 });
    await recordAudit(user, "tickets.revealPhone", { target: revealed.ticketNo, details: { ticketId }, ip });
    return data<Result>({ phone: revealed.phone });
  }
  invariantResponse(intent === "record", 400);
  const definition = loadTemplate(SCRIPT);
  const checked = validateAnswers(definition, answersFromForm(buildRenderSurvey(definition), form));
  if (!checked.ok) return data<Result>({ errors: checked.errors }, { status: 400 });
  const result = scriptResult(checked.answers);
  invariantResponse(result, 400);
  // Absent on a page rendered before keys existed (a deploy while the agent had it open).
  const clientKey = form.get("clientKey");
  invariantResponse(clientKey === null || (typeof clientKey === "string" && UUID.test(clientKey)), 400);
  const recorded = await recordCallback(user, ticketId, result, checked.answers, new Date(), clientKey);
  if (!recorded.ok) return data<Result>({ error: `ticket.error.${recorded.problem}` }, { status: 409 });
  if (!recorded.duplicate)
    await recordAudit(user, "callbacks.record", {
      target: String(ticketId),
      details: { callbackId: recorded.callbackId, round: recorded.round, outcome: result.outcome, followUpId: recorded.followUpId },
      ip,
    });
  return data<Result>({
    notice: "ticket.recorded",
    outsideHours: recorded.outsideHours,
    followUpDue: recorded.followUpDueAt?.toISOString(),
  });
}

export default function TicketPage() {
  const { ticket, callbacks, followUps, state, mine, script, outsideHours, clientKey } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const t = useT();
  const when = useDateTimeFormat("short", "short");
  const at = (d: string | Date | null) => (d ? when.format(new Date(d)) : t("ticket.none"));
  const [answers, setAnswers] = useState<Record<string, unknown>>({});
  const questions = script.elements.filter((e): e is RenderQuestion => e.type !== "html");
  const values = conditionValues(script, answers);
  const shown = questions.filter((q) => !q.visibleIf || evaluateCondition(q.visibleIf, values));
  const stateText =
    state.kind === "due"
      ? t("ticket.state.due", { round: state.round })
      : state.kind === "noRetry"
        ? t("ticket.state.noRetry", { outcome: t(`outcome.${state.outcome}`) })
        : t(`ticket.state.${state.kind}`);
  const facts: [string, string | null][] = [
    [t("ticket.received"), at(ticket.receivedAt)],
    [t("ticket.completed"), at(ticket.completedAt)],
    [t("ticket.due"), at(ticket.dueAt)],
    [t("ticket.department"), ticket.department],
    [t("ticket.category"), ticket.category],
    [t("ticket.place"), [ticket.street, ticket.community].filter(Boolean).join(" ")],
    [t("ticket.content"), ticket.content],
    [t("ticket.result"), ticket.result],
    [t("ticket.caller"), ticket.callerName],
  ];
  return (
    <>
      <p>
        <Link to="/hotline">{t("ticket.back")}</Link>
      </p>
      <h1>
        {t("ticket.title", { no: ticket.ticketNo })} {ticket.inSample && <span className="badge">{t("hotline.inSample")}</span>}
      </h1>
      <p className="lead" data-testid="callback-state">
        {stateText}
      </p>
      {result?.notice && (
        <p className="alert ok" role="status">
          {t(result.notice)}
          {result.followUpDue && ` ${t("ticket.followUpOpened", { date: at(result.followUpDue) })}`}
        </p>
      )}
      {result?.outsideHours && (
        <p className="alert warn" role="alert">
          {t("ticket.outsideHoursWarn")}
        </p>
      )}
      {result?.error && (
        <p className="alert error" role="alert">
          {t(result.error)}
        </p>
      )}
      <dl className="facts card">
        <dt>{t("ticket.phone")}</dt>
        <dd className="phone" data-testid="phone">
          {result?.phone && mine ? (
            <>
              {t("ticket.revealed")} <b>{result.phone}</b>
            </>
          ) : (
            (ticket.phoneMasked ?? t("ticket.none"))
          )}
        </dd>
        {facts.map(([label, value]) => (
          <div key={label} className="fact">
            <dt>{label}</dt>
            <dd>{value || t("ticket.none")}</dd>
          </div>
        ))}
      </dl>
      <div className="actions">
        {state.kind === "due" && !mine && !ticket.heldBy && (
          <Form method="post">
            <button type="submit" name="intent" value="claim" className="button">
              {t("ticket.claim")}
            </button>
          </Form>
        )}
        {ticket.heldBy && !mine && (
          <p className="muted">{t("ticket.heldByOther", { name: ticket.heldBy, time: at(ticket.holdExpiresAt) })}</p>
        )}
        {mine && (
          <>
            <p className="muted">{t("ticket.heldByMe", { time: at(ticket.holdExpiresAt) })}</p>
            {!result?.phone && (
              <Form method="post">
                <button type="submit" name="intent" value="reveal" className="button secondary">
                  {t("ticket.reveal")}
                </button>
              </Form>
            )}
            <Form method="post">
              <button type="submit" name="intent" value="release" className="button secondary">
                {t("ticket.release")}
              </button>
            </Form>
          </>
        )}
      </div>
      {mine && state.kind === "due" && (
        <Form
          method="post"
          className="card stack-form callback-script"
          onChange={(e) => setAnswers(answersFromForm(script, new FormData(e.currentTarget)))}
        >
          <h2>{t("ticket.script")}</h2>
          <input type="hidden" name="clientKey" value={clientKey} />
          {outsideHours && <p className="alert warn">{t("ticket.outsideHoursNow")}</p>}
          {shown.map((q, i) => (
            <Question
              key={q.name}
              q={q}
              number={i + 1}
              value={answers[q.name]}
              otherText=""
              errors={result?.errors?.[q.name]}
              onChange={(name, value) => setAnswers((a) => ({ ...a, [name]: value }))}
              requiredLabel={t("resident.requiredMark")}
            />
          ))}
          <p>
            <button type="submit" name="intent" value="record" className="button">
              {t("ticket.record")}
            </button>
          </p>
        </Form>
      )}
      <h2>{t("ticket.ratings")}</h2>
      <DataTable
        testId="ratings"
        columns={[
          t("ticket.col.when"),
          t("ticket.col.source"),
          t("ticket.col.outcome"),
          t("ticket.col.rating"),
          t("ticket.col.resolved"),
          t("ticket.col.notes"),
          t("ticket.col.agent"),
        ]}
        rows={[null, ...callbacks]}
        row={(c) =>
          c === null ? (
            <tr key="original">
              <td>{at(ticket.completedAt)}</td>
              <td>{t("ticket.source.original")}</td>
              <td>—</td>
              <td>{ticket.originalSatisfactionRaw ?? t(`rating.${ticket.originalSatisfaction ?? "none"}`)}</td>
              <td>—</td>
              <td>—</td>
              <td>—</td>
            </tr>
          ) : (
            <tr key={c.id}>
              <td>
                {at(c.calledAt)}
                {c.outsideHours && t("ticket.outsideHoursMark")}
              </td>
              <td>{t(`ticket.source.round${c.round}`)}</td>
              <td>{t(`outcome.${c.outcome}`)}</td>
              <td>{c.satisfaction ? t(`rating.${c.satisfaction}`) : "—"}</td>
              <td>{c.resolved === null ? "—" : t(c.resolved ? "ticket.yes" : "ticket.no")}</td>
              <td>{c.notes ?? "—"}</td>
              <td>{c.agent}</td>
            </tr>
          )
        }
      />
      {followUps.length > 0 && (
        <>
          <h2>{t("ticket.followUps")}</h2>
          <DataTable
            testId="ticket-followups"
            columns={[t("followups.col.department"), t("followups.col.due"), t("followups.col.status"), t("followups.notes")]}
            rows={followUps}
            row={(f) => (
              <tr key={f.id}>
                <td>{f.department ?? t("ticketRates.noName")}</td>
                <td>{at(f.dueAt)}</td>
                <td>{t(`followups.status.${f.status === "open" && f.overdue ? "overdue" : f.status}`)}</td>
                <td>{f.doneNotes ?? f.notes ?? "—"}</td>
              </tr>
            )}
          />
        </>
      )}
    </>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
