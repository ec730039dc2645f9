// The callback workbench (回访工作台): tickets due a call, by priority, filtered by department,
// category and street; each opens the ticket's page, where the agent claims and calls it.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { DataTable } from "~/components/data-table";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { useDateTimeFormat, useT } from "~/i18n/use-t";
import { callbackQueue, HOLD_MINUTES, queueFilterChoices } from "~/models/callbacks.server";
import { OptionalId, parseQuery } from "~/utils/input";
import { requirePermission } from "~/utils/session.server";

const queueQuery = z.object({
  department: OptionalId,
  category: z.string().trim().max(200).catch(""),
  street: z.string().trim().max(200).catch(""),
});

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "callback:work");
  const query = parseQuery(queueQuery, new URL(request.url).searchParams);
  const filters = { departmentId: query.department, category: query.category || null, street: query.street || null };
  const [queue, choices] = await Promise.all([callbackQueue(user, filters), queueFilterChoices(user.countyId)]);
  return { queue, choices, query, holdMinutes: HOLD_MINUTES };
}

export default function Workbench() {
  const { queue, choices, query, holdMinutes } = useLoaderData<typeof loader>();
  const t = useT();
  const when = useDateTimeFormat("short", "short");
  return (
    <>
      <h1>{t("hotline.title")}</h1>
      <nav className="actions rate-nav">
        <Link to="/hotline/sample">{t("hotline.links.sample")}</Link>
        <Link to="/hotline/followups">{t("hotline.links.followups")}</Link>
        <Link to="/hotline/rates">{t("hotline.links.rates")}</Link>
      </nav>
      <p className="muted">{t("hotline.intro", { minutes: holdMinutes })}</p>
      <Form method="get" className="card filters">
        <label>
          {t("hotline.filter.department")}
          <select name="department" defaultValue={query.department ?? ""}>
            <option value="">{t("hotline.filter.all")}</option>
            {choices.departments.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("hotline.filter.category")}
          <select name="category" defaultValue={query.category}>
            <option value="">{t("hotline.filter.all")}</option>
            {choices.categories.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
        <label>
          {t("hotline.filter.street")}
          <select name="street" defaultValue={query.street}>
            <option value="">{t("hotline.filter.all")}</option>
            {choices.streets.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <button type="submit" className="button secondary">
          {t("hotline.filter.apply")}
        </button>
      </Form>
      <DataTable
        testId="callback-queue"
        columns={[
          t("hotline.col.ticket"),
          t("hotline.col.priority"),
          t("hotline.col.completed"),
          t("hotline.col.department"),
          t("hotline.col.category"),
          t("hotline.col.place"),
          t("hotline.col.phone"),
          t("hotline.col.original"),
          t("hotline.col.attempts"),
          t("hotline.col.holder"),
        ]}
        rows={queue}
        empty={<p className="muted">{t("hotline.empty")}</p>}
        row={(q) => (
          <tr key={q.id}>
            <td>
              <Link to={`/hotline/tickets/${q.id}`}>{q.ticketNo}</Link>
            </td>
            <td>
              {q.inSample && <span className="badge">{t("hotline.inSample")}</span>}
              {q.round === 2 && <span className="badge">{t("hotline.second")}</span>}
            </td>
            <td>{when.format(new Date(q.completedAt))}</td>
            <td>{q.department ?? "—"}</td>
            <td>{q.category ?? "—"}</td>
            <td>{[q.street, q.community].filter(Boolean).join(" ") || "—"}</td>
            <td className="phone">{q.phoneMasked}</td>
            <td>{t(`rating.${q.originalSatisfaction ?? "none"}`)}</td>
            <td>
              {q.failed > 0
                ? t("hotline.failedTimes", { n: q.failed, slots: q.triedSlots.map((s) => t(`visits.slot.${s}`)).join("、") })
                : "—"}
            </td>
            <td>{q.heldByMe ? t("hotline.mine") : q.heldBy ? t("hotline.heldBy", { name: q.heldBy }) : ""}</td>
          </tr>
        )}
      />
    </>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
