// The review of questionnaires volunteers filled with residents (on /coverage/review, beside the
// visit logs): flagged by app/domain/visit-forms.ts, accepted, or rejected with a reason, which
// voids them through the confirmation step every void goes through.
import { Form, Link } from "@remix-run/react";
import { ConfirmStep } from "~/components/confirm-step";
import { DataTable } from "~/components/data-table";
import { DEFAULT_RESPONSE_SIGNAL_RULES, RESPONSE_SIGNALS, type ResponseSignal } from "~/domain/visit-forms";
import { useDateTimeFormat, useT } from "~/i18n/use-t";

export type ReviewedResponse = {
  id: string;
  address: string;
  volunteer: string;
  finishedAt: string;
  durationSeconds: number | null;
  answered: number;
  signals: ResponseSignal[];
  review: "unreviewed" | "accepted" | "rejected";
  reason: string | null;
};

export function ResponseReview({
  responses,
  total,
  canVoid,
  errors,
  confirm,
  done,
}: {
  responses: ReviewedResponse[];
  total: number;
  canVoid: boolean;
  errors: Record<string, string>;
  confirm: { ids: string[]; reason: string } | null;
  done: { decision: "accepted" | "rejected"; n: number } | null;
}) {
  const t = useT();
  const when = useDateTimeFormat("short", "medium");
  const rules = DEFAULT_RESPONSE_SIGNAL_RULES;
  return (
    <section data-testid="response-review">
      <h2>{t("responseReview.title")}</h2>
      <p className="muted">{t("responseReview.intro", { seconds: rules.secondsPerAnswer, households: rules.identicalHouseholds })}</p>
      <ul className="inline-list" data-testid="response-signal-counts">
        {RESPONSE_SIGNALS.map((s) => (
          <li key={s}>
            {t("responseReview.count", {
              signal: t(`responseReview.signal.${s}`),
              n: responses.filter((r) => r.signals.includes(s)).length,
            })}
          </li>
        ))}
      </ul>
      {done && (
        <p className="alert ok" role="status">
          {t(`responseReview.done.${done.decision}`, { n: done.n })}
        </p>
      )}
      {confirm ? (
        <ConfirmStep
          title={t("responseReview.confirmTitle", { n: confirm.ids.length })}
          consequence={t("responseReview.confirmBody", { n: confirm.ids.length, reason: confirm.reason })}
          confirmLabel={t("responseReview.confirmSubmit")}
          fields={{ subject: "responses", decision: "rejected", reason: confirm.reason, response: confirm.ids.join(",") }}
        />
      ) : (
        <Form method="post" className="card stack-form">
          <input type="hidden" name="subject" value="responses" />
          {errors.response && <p className="field-error">{t(errors.response)}</p>}
          <DataTable
            testId="flagged-responses"
            columns={["", t("responseReview.col.response"), t("responseReview.col.time"), t("review.col.signals"), t("review.col.review")]}
            rows={responses}
            row={(r) => (
              <tr key={r.id}>
                <td>
                  {r.review !== "rejected" && <input type="checkbox" name="response" value={r.id} aria-label={`#${r.id} ${r.address}`} />}
                </td>
                <td>
                  <Link to={`/responses/${r.id}`}>#{r.id}</Link> {r.address}
                  <span className="context">
                    {r.volunteer} · {when.format(new Date(r.finishedAt))}
                  </span>
                </td>
                <td>
                  {r.durationSeconds === null
                    ? t("responseReview.durationUnknown", { answered: r.answered })
                    : t("responseReview.duration", { answered: r.answered, seconds: r.durationSeconds })}
                </td>
                <td>{r.signals.map((s) => t(`responseReview.signal.${s}`)).join("、")}</td>
                <td>
                  {t(`review.state.${r.review}`)}
                  {r.reason && <span className="context">{r.reason}</span>}
                </td>
              </tr>
            )}
            empty={<p className="muted">{t("responseReview.none")}</p>}
          />
          {total > responses.length && <p className="muted">{t("review.more", { n: total - responses.length })}</p>}
          <label>
            {t("responseReview.reason")}
            <input type="text" name="reason" maxLength={500} aria-invalid={!!errors.reason} />
            {errors.reason && <span className="field-error">{t(errors.reason)}</span>}
          </label>
          <p className="actions">
            <button type="submit" name="decision" value="accepted" className="button secondary">
              {t("responseReview.accept")}
            </button>
            {canVoid && (
              <button type="submit" name="decision" value="rejected" className="button">
                {t("responseReview.reject")}
              </button>
            )}
          </p>
        </Form>
      )}
    </section>
  );
}
