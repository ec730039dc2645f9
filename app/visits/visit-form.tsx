// A questionnaire on the volunteer's phone: the round's campaign questionnaire filled with a
// resident, or the round's quiz after a "reached" tap. It draws the same render model and question
// component as the resident page (no SurveyJS on the phone), checks what the resident page checks
// before saving (required, visible-if, length), and hands the answers to the caller, which queues
// them on the phone; the server validates them again when they arrive.
import { Fragment, useRef, useState } from "react";
import { Question } from "~/components/resident/question";
import { useT } from "~/i18n/use-t";
import { evaluateCondition } from "~/survey/condition";
import { conditionValues, isAnswered, otherField, tooLong, type RenderQuestion, type RenderSurvey } from "~/survey/render";

export type FilledForm = { answers: Record<string, unknown>; startedAt: string | null; finishedAt: string };

export function VisitForm({
  survey,
  testId,
  saveLabel,
  cancelLabel,
  onSave,
  onCancel,
}: {
  survey: RenderSurvey;
  testId: string;
  saveLabel: string;
  cancelLabel: string;
  onSave: (filled: FilledForm) => void;
  onCancel: () => void;
}) {
  const t = useT();
  const [answers, setAnswers] = useState<Record<string, unknown>>({});
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [notice, setNotice] = useState<string | null>(null);
  const started = useRef<string | null>(null);
  const formRef = useRef<HTMLFormElement>(null);

  const values = conditionValues(survey, answers);
  const visible = (e: { visibleIf: string | null }) => !e.visibleIf || evaluateCondition(e.visibleIf, values);
  const shown = survey.elements.filter((e): e is RenderQuestion => e.type !== "html" && visible(e));
  const numbers = new Map(shown.map((q, i) => [q.name, i + 1]));
  const answered = shown.filter((q) => isAnswered(q, answers)).length;

  function update(name: string, value: unknown) {
    started.current ??= new Date().toISOString();
    setAnswers((a) => ({ ...a, [name]: value }));
    setErrors((e) => ({ ...e, [name]: [] }));
    setNotice(null);
  }

  function save(event: React.FormEvent) {
    event.preventDefault();
    const found: Record<string, string[]> = {};
    for (const q of shown) {
      if (q.isRequired && !isAnswered(q, answers)) found[q.name] = [t("resident.required")];
      const over = tooLong(q, answers[q.name]);
      if (over) found[q.name] = [t("surveyDef.answers.tooLong", over)];
    }
    if (Object.keys(found).length) {
      setErrors(found);
      setNotice(Object.values(found).every(([m]) => m === t("resident.required")) ? "visitForms.missing" : "resident.fixErrors");
      requestAnimationFrame(() => formRef.current?.querySelector(".invalid")?.scrollIntoView({ block: "center" }));
      return;
    }
    // Only what is shown is sent (the server drops answers to hidden questions anyway).
    const names = new Set(shown.flatMap((q) => [q.name, otherField(q.name)]));
    const kept = Object.fromEntries(Object.entries(answers).filter(([name]) => names.has(name)));
    onSave({ answers: kept, startedAt: started.current, finishedAt: new Date().toISOString() });
  }

  let lastSection: number | null = null;
  return (
    <form ref={formRef} className="visit-form" onSubmit={save} noValidate data-testid={testId}>
      <h2>{survey.title}</h2>
      {survey.description && <p className="survey-desc">{survey.description}</p>}
      {survey.elements.map((e) => {
        if (!visible(e)) return null;
        const section = e.section !== null && e.section !== lastSection ? survey.sections[e.section] : null;
        lastSection = e.section;
        return (
          <Fragment key={e.name}>
            {section?.title && <h3 className="survey-section">{section.title}</h3>}
            {e.type === "html" ? (
              <p className="survey-note">{e.html.replace(/<[^>]+>/g, "")}</p>
            ) : (
              <Question
                q={e}
                number={numbers.get(e.name) ?? 0}
                value={answers[e.name]}
                otherText={typeof answers[otherField(e.name)] === "string" ? String(answers[otherField(e.name)]) : ""}
                errors={errors[e.name]}
                onChange={update}
                requiredLabel={t("resident.requiredMark")}
              />
            )}
          </Fragment>
        );
      })}
      {notice && (
        <p className="alert error" role="alert">
          {t(notice)}
        </p>
      )}
      <div className="visit-form-bar">
        <span className="progress" aria-live="polite">
          {t("resident.progress", { done: answered, total: shown.length })}
        </span>
        <button type="button" className="link-button" onClick={onCancel}>
          {cancelLabel}
        </button>
        <button type="submit" className="button big">
          {saveLabel}
        </button>
      </div>
    </form>
  );
}
