// The survey JSON editor: a plain textarea with a line-number gutter, and the list of problems
// in the definition, each pointing at its line.
import { forwardRef, memo, useImperativeHandle, useRef, type ReactNode } from "react";
import { useT } from "~/i18n/use-t";
import type { DefinitionError } from "~/survey/definition";

const SHOWN = 100;

/** Problems in a definition, each "第 N 行：…"; with `onJump` each one with a line is a button. */
export function DefinitionErrors({ errors, onJump }: { errors: DefinitionError[]; onJump?: (line: number) => void }) {
  const t = useT();
  return (
    <ul className="definition-errors" data-testid="definition-errors">
      {errors.slice(0, SHOWN).map((error, i) => {
        const message = t(error.key, error.params);
        if (error.line === null) return <li key={i}>{message}</li>;
        const line = error.line;
        // A message that names its line already (malformed JSON) is not prefixed with it again.
        const text = error.params.line === line ? message : t("surveys.errorAtLine", { line, message });
        return (
          <li key={i}>
            {onJump ? (
              <button type="button" className="link-button" onClick={() => onJump(line)}>
                {text}
              </button>
            ) : (
              text
            )}
          </li>
        );
      })}
      {errors.length > SHOWN && <li>{t("surveys.moreErrors", { n: errors.length - SHOWN })}</li>}
    </ul>
  );
}

// The bad lines come as one string so that memo skips re-rendering thousands of numbers per keystroke.
const Gutter = memo(function Gutter({ lines, badLines }: { lines: number; badLines: string }) {
  const bad = new Set(badLines.split(",").map(Number));
  const numbers: ReactNode[] = [];
  for (let n = 1; n <= lines; n++)
    numbers.push(
      <span key={n} className={bad.has(n) ? "bad" : undefined}>
        {n}
      </span>,
    );
  return <>{numbers}</>;
});

export type JsonEditorHandle = { jumpTo: (line: number) => void };

type JsonEditorProps = {
  name: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  errorLines: number[];
};

/** A monospace textarea with line numbers that scroll with it; `jumpTo` selects a line. */
export const JsonEditor = forwardRef<JsonEditorHandle, JsonEditorProps>(function JsonEditor(
  { name, label, value, onChange, errorLines },
  ref,
) {
  const area = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLDivElement>(null);
  const lines = value.split("\n").length;

  useImperativeHandle(ref, () => ({
    jumpTo(line: number) {
      const textarea = area.current;
      if (!textarea) return;
      const all = textarea.value.split("\n");
      const target = Math.min(Math.max(line, 1), all.length);
      let start = 0;
      for (let i = 0; i < target - 1; i++) start += all[i].length + 1;
      textarea.focus();
      textarea.setSelectionRange(start, start + all[target - 1].length);
      const lineHeight = parseFloat(getComputedStyle(textarea).lineHeight) || 20;
      textarea.scrollTop = Math.max(0, (target - 1) * lineHeight - textarea.clientHeight / 3);
    },
  }));

  return (
    <div className="json-editor">
      <div className="json-gutter" ref={gutter} aria-hidden="true">
        <Gutter lines={lines} badLines={[...new Set(errorLines)].join(",")} />
      </div>
      <textarea
        ref={area}
        name={name}
        aria-label={label}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        onScroll={(e) => {
          if (gutter.current) gutter.current.scrollTop = e.currentTarget.scrollTop;
        }}
        spellCheck={false}
        autoCapitalize="off"
        autoComplete="off"
        autoCorrect="off"
        wrap="off"
        aria-invalid={errorLines.length > 0}
      />
    </div>
  );
});
