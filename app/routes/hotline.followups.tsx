// Follow-up tasks (闭环): a department account sees and reports only its own department's; the
// hotline office sees every department's and may report on a department's behalf. Overdue ones
// are marked and can be listed alone.
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { DataTable } from "~/components/data-table";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { useDateTimeFormat, useT } from "~/i18n/use-t";
import { recordAudit } from "~/models/audit.server";
import { completeFollowUp, listFollowUps, type FollowUpReader } from "~/models/callbacks.server";
import type { CurrentUser } from "~/models/users.server";
import { idField, parseInput, parseQuery } from "~/utils/input";
import { can } from "~/utils/permissions";
import { clientInfo } from "~/utils/request.server";
import { requirePermission } from "~/utils/session.server";

const FILTERS = ["open", "overdue", "done", "all"] as const;

/** The office reads every department's tasks; a department account only its own (none when it has no department). */
function readerOf(user: CurrentUser): FollowUpReader {
  return { countyId: user.countyId, departmentId: can(user.role, "followup:all") ? null : (user.departmentId ?? -1) };
}

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "followup:report");
  const { status } = parseQuery(z.object({ status: z.enum(FILTERS).catch("open") }), new URL(request.url).searchParams);
  const reader = readerOf(user);
  const [tasks, overdue] = await Promise.all([
    listFollowUps(reader, { status: status === "all" ? undefined : status }),
    listFollowUps(reader, { status: "overdue" }),
  ]);
  return { tasks, status, overdue: overdue.length, office: can(user.role, "callback:work") };
}

const doneForm = z.object({
  followUp: idField("followups.error.notFound"),
  notes: z.string().trim().max(1000, "followups.error.notes").catch(""),
});

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requirePermission(request, "followup:report");
  const parsed = parseInput(doneForm, await request.formData());
  if ("errors" in parsed) return data({ errors: parsed.errors, done: null }, { status: 400 });
  const done = await completeFollowUp({ ...readerOf(user), id: user.id }, parsed.value.followUp, parsed.value.notes || null);
  if (!done) return data({ errors: { followUp: "followups.error.notFound" } as Record<string, string>, done: null }, { status: 409 });
  await recordAudit(user, "followups.done", {
    target: done.ticketNo,
    details: { followUpId: done.id, ticketId: done.ticketId },
    ip: clientInfo(request, context).ip,
  });
  return data({ errors: {} as Record<string, string>, done });
}

export default function FollowUps() {
  const { tasks, status, overdue, office } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const t = useT();
  const when = useDateTimeFormat("short", "short");
  const at = (d: string | Date) => when.format(new Date(d));
  return (
    <>
      {office && (
        <p>
          <Link to="/hotline">{t("ticket.back")}</Link>
        </p>
      )}
      <h1>{t("followups.title")}</h1>
      <p className="muted">{t("followups.intro")}</p>
      <nav className="actions rate-nav">
        {FILTERS.map((f) => (
          <Link key={f} to={`?status=${f}`} aria-current={f === status ? "page" : undefined}>
            {t(`followups.filter.${f}`)}
            {f === "overdue" && overdue > 0 && ` (${overdue})`}
          </Link>
        ))}
      </nav>
      {result?.done && (
        <p className="alert ok" role="status">
          {t("followups.markedDone")}
        </p>
      )}
      {result?.errors.followUp && (
        <p className="alert error" role="alert">
          {t(result.errors.followUp)}
        </p>
      )}
      <DataTable
        testId="followups"
        columns={[
          t("followups.col.ticket"),
          t("followups.col.department"),
          t("followups.col.issue"),
          t("followups.col.due"),
          t("followups.col.status"),
          "",
        ]}
        rows={tasks}
        empty={<p className="muted">{t("followups.empty")}</p>}
        row={(f) => (
          <tr key={f.id} className={f.overdue ? "overdue" : undefined}>
            <td>{office ? <Link to={`/hotline/tickets/${f.ticketId}`}>{f.ticketNo}</Link> : f.ticketNo}</td>
            <td>{f.department ?? t("ticketRates.noName")}</td>
            <td>
              {[f.category, f.content].filter(Boolean).join("：")}
              {f.notes && <span className="context">{f.notes}</span>}
            </td>
            <td>{at(f.dueAt)}</td>
            <td>
              <span className={f.overdue ? "badge off" : "badge"}>{t(`followups.status.${f.overdue ? "overdue" : f.status}`)}</span>
              {f.doneAt && <span className="context">{t("followups.doneBy", { name: f.doneBy ?? "—", at: at(f.doneAt) })}</span>}
              {f.doneNotes && <span className="context">{f.doneNotes}</span>}
            </td>
            <td>
              {f.status === "open" && (
                <Form method="post" className="inline-form">
                  <input type="hidden" name="followUp" value={f.id} />
                  <input type="text" name="notes" maxLength={1000} placeholder={t("followups.notes")} aria-label={t("followups.notes")} />
                  <button type="submit" className="button secondary">
                    {t("followups.markDone")}
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
