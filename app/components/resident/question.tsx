// One question of the resident questionnaire: native inputs (they work before and without
// JavaScript), large tap targets, errors beside the question.
import { useT } from "~/i18n/use-t-core";
import type { Choice, RenderQuestion } from "~/survey/render";
import { matrixField, OTHER_VALUE, otherField, tooLong } from "~/survey/render";

type Props = {
  q: RenderQuestion;
  /** Position among the questions shown now (hidden ones are not counted, as in SurveyJS). */
  number: number;
  value: unknown;
  otherText: string;
  errors: string[] | undefined;
  onChange: (name: string, value: unknown) => void;
  requiredLabel: string;
};

const same = (a: unknown, b: Choice["value"]) => a !== undefined && String(a) === String(b);

function Options({
  name,
  type,
  choices,
  value,
  onPick,
}: {
  name: string;
  type: "radio" | "checkbox";
  choices: Choice[];
  value: unknown;
  onPick: (choice: Choice["value"], checked: boolean) => void;
}) {
  return (
    <div className="options">
      {choices.map((c) => {
        const checked = type === "checkbox" ? Array.isArray(value) && value.some((v) => same(v, c.value)) : same(value, c.value);
        return (
          <label key={String(c.value)} className={checked ? "option checked" : "option"}>
            <input type={type} name={name} value={String(c.value)} checked={checked} onChange={(e) => onPick(c.value, e.target.checked)} />
            <span>{c.text}</span>
          </label>
        );
      })}
    </div>
  );
}

/** Characters given of the allowed ones, live; red once over (the server refuses more). */
function Counter({ q, value }: { q: RenderQuestion & { maxLength: number | null }; value: unknown }) {
  const t = useT();
  if (!q.maxLength || q.maxLength <= 0) return null;
  const length = typeof value === "string" ? value.trim().length : 0;
  return (
    <p className={tooLong(q, value) ? "counter over" : "counter"} id={`${q.name}-counter`}>
      {t("resident.counter", { length, max: q.maxLength })}
    </p>
  );
}

/** A text box followed by its character counter. */
function Counted({ q, value, children }: { q: RenderQuestion & { maxLength: number | null }; value: unknown; children: React.ReactNode }) {
  return (
    <>
      {children}
      <Counter q={q} value={value} />
    </>
  );
}

export function Question({ q, number, value, otherText, errors, onChange, requiredLabel }: Props) {
  const errorId = `${q.name}-error`;
  const other = "other" in q && q.other ? [{ value: OTHER_VALUE, text: q.other }] : [];
  const otherChosen = Array.isArray(value) ? value.includes(OTHER_VALUE) : value === OTHER_VALUE;
  let body: React.ReactNode;
  switch (q.type) {
    case "radiogroup":
    case "dropdown":
    case "boolean":
      body = <Options name={q.name} type="radio" choices={[...q.choices, ...other]} value={value} onPick={(v) => onChange(q.name, v)} />;
      break;
    case "rating":
      body = (
        <>
          <div className="rating" role="radiogroup">
            {q.choices.map((c) => (
              <label key={String(c.value)} className={same(value, c.value) ? "rate checked" : "rate"}>
                <input
                  type="radio"
                  name={q.name}
                  value={String(c.value)}
                  checked={same(value, c.value)}
                  onChange={() => onChange(q.name, c.value)}
                />
                <span>{c.text}</span>
              </label>
            ))}
          </div>
          {(q.minText || q.maxText) && (
            <div className="rating-ends">
              <span>{q.minText}</span>
              <span>{q.maxText}</span>
            </div>
          )}
        </>
      );
      break;
    case "checkbox": {
      const current = Array.isArray(value) ? value : [];
      body = (
        <Options
          name={q.name}
          type="checkbox"
          choices={[...q.choices, ...other]}
          value={current}
          onPick={(v, checked) => onChange(q.name, checked ? [...current, v] : current.filter((x) => String(x) !== String(v)))}
        />
      );
      break;
    }
    case "text":
      body = (
        <Counted q={q} value={value}>
          <input
            className="text-answer"
            type={["number", "tel", "email"].includes(q.inputType) ? q.inputType : "text"}
            name={q.name}
            value={typeof value === "string" || typeof value === "number" ? String(value) : ""}
            placeholder={q.placeholder ?? undefined}
            aria-describedby={q.maxLength ? `${q.name}-counter` : undefined}
            onChange={(e) => onChange(q.name, e.target.value)}
          />
        </Counted>
      );
      break;
    case "comment":
      body = (
        <Counted q={q} value={value}>
          <textarea
            className="text-answer"
            name={q.name}
            rows={4}
            value={typeof value === "string" ? value : ""}
            placeholder={q.placeholder ?? undefined}
            aria-describedby={q.maxLength ? `${q.name}-counter` : undefined}
            onChange={(e) => onChange(q.name, e.target.value)}
          />
        </Counted>
      );
      break;
    case "matrix": {
      const cells = (value && typeof value === "object" ? value : {}) as Record<string, unknown>;
      body = q.rows.map((row) => (
        <fieldset key={String(row.value)} className="matrix-row">
          <legend>{row.text}</legend>
          <Options
            name={matrixField(q.name, row.value)}
            type="radio"
            choices={q.columns}
            value={cells[String(row.value)]}
            onPick={(v) => onChange(q.name, { ...cells, [String(row.value)]: v })}
          />
        </fieldset>
      ));
      break;
    }
  }
  return (
    <fieldset
      className={errors?.length ? "question invalid" : "question"}
      id={`q-${q.name}`}
      aria-describedby={errors?.length ? errorId : undefined}
    >
      <legend>
        <span className="qnum">{number}.</span> {q.title}
        {q.isRequired && (
          <span className="required" aria-label={requiredLabel}>
            {" "}
            *
          </span>
        )}
      </legend>
      {q.description && <p className="qdesc">{q.description}</p>}
      {errors?.length ? (
        <p className="qerror" id={errorId} role="alert">
          {errors.join(" ")}
        </p>
      ) : null}
      {body}
      {otherChosen && (
        <input
          className="text-answer"
          type="text"
          name={otherField(q.name)}
          value={otherText}
          onChange={(e) => onChange(otherField(q.name), e.target.value)}
          aria-label={"other" in q && q.other ? q.other : undefined}
        />
      )}
    </fieldset>
  );
}
