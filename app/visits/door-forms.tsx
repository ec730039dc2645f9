// The volunteer's questionnaire screens at a household (app/routes/visits.$round.tsx): the
// round's campaign questionnaire filled with the resident, the message or quiz shown after a
// "reached" tap, and the list of what the server refused with its reasons. What is saved goes
// into the phone's queue (app/visits/queue.client.ts) and is sent when there is a connection.
import { useT } from "~/i18n/use-t";
import type { RoundForms } from "~/domain/visit-forms";
import type { QueuedForm, RefusedForm } from "~/visits/queue.client";
import { VisitForm, type FilledForm } from "~/visits/visit-form";

/** A new queued form: its client key is made here, once, so every resend carries the same one. */
export function queuedForm(
  round: string,
  kind: QueuedForm["kind"],
  householdId: number,
  versionId: number,
  filled: FilledForm,
  visitKey?: string,
): QueuedForm {
  return { clientKey: crypto.randomUUID(), round, kind, householdId, versionId, ...filled, ...(visitKey ? { visitKey } : {}) };
}

export function QuestionnaireScreen({
  questionnaire,
  room,
  onSave,
  onCancel,
}: {
  questionnaire: NonNullable<RoundForms["questionnaire"]>;
  room: string;
  onSave: (filled: FilledForm) => void;
  onCancel: () => void;
}) {
  const t = useT();
  return (
    <div className="door-form" role="dialog" aria-modal="true" aria-label={t("visitForms.fill")}>
      <p className="door-form-head">{t("visitForms.formFor", { room, campaign: questionnaire.name })}</p>
      <p className="muted">{t("visitForms.intro")}</p>
      <VisitForm
        survey={questionnaire.survey}
        testId="household-questionnaire"
        saveLabel={t("visitForms.save")}
        cancelLabel={t("visitForms.cancel")}
        onSave={onSave}
        onCancel={onCancel}
      />
    </div>
  );
}

export function ReachedSheet({
  room,
  message,
  quiz,
  onSave,
  onClose,
}: {
  room: string;
  message: string | null;
  quiz: RoundForms["quiz"];
  onSave: (filled: FilledForm) => void;
  onClose: () => void;
}) {
  const t = useT();
  return (
    <div
      className="door-form"
      role="dialog"
      aria-modal="true"
      aria-label={t("visitForms.reachedTitle", { room })}
      data-testid="reached-sheet"
    >
      <h2>{t("visitForms.reachedTitle", { room })}</h2>
      {message && (
        <section className="card round-message" data-testid="round-message">
          <h3>{t("visitForms.message")}</h3>
          <p>{message}</p>
        </section>
      )}
      {quiz ? (
        <>
          <p className="muted">{t("visitForms.quiz")}</p>
          <VisitForm
            survey={quiz.survey}
            testId="round-quiz"
            saveLabel={t("visitForms.saveQuiz")}
            cancelLabel={t("visitForms.skip")}
            onSave={onSave}
            onCancel={onClose}
          />
        </>
      ) : (
        <button type="button" className="button big" onClick={onClose}>
          {t("visitForms.done")}
        </button>
      )}
    </div>
  );
}

export function RefusedForms({
  refused,
  roomOf,
  onDismiss,
}: {
  refused: RefusedForm[];
  roomOf: (householdId: number) => string;
  onDismiss: (clientKey: string) => void;
}) {
  const t = useT();
  if (refused.length === 0) return null;
  return (
    <section className="alert error" data-testid="refused-forms">
      <p>{t("visitForms.refusedTitle", { n: refused.length })}</p>
      <ul>
        {refused.map((r) => (
          <li key={r.clientKey}>
            {t("visitForms.refusedItem", { room: roomOf(r.householdId), kind: t(`visitForms.kind.${r.kind}`), message: r.message })}{" "}
            <button type="button" className="link-button" onClick={() => onDismiss(r.clientKey)}>
              {t("visits.dismiss")}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
