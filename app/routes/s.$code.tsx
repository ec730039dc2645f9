// The resident questionnaire (no sign-in). Rendered on the server as a plain form that works
// before (and without) JavaScript; once the script arrives, answers are kept on the device as
// they are given, conditions show and hide questions, and submitting retries safely.
import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { useActionData, useLoaderData, useNavigate, useSearchParams } from "@remix-run/react";
import { Fragment, useEffect, useRef, useState } from "react";
import { Question } from "~/components/resident/question";
import { ResidentErrorBoundary, ResidentNotice } from "~/components/resident/notice";
import { useT } from "~/i18n/use-t-core";
import { evaluateCondition } from "~/survey/condition";
import { answersFromForm, conditionValues, isAnswered, otherField, tooLong, type RenderQuestion } from "~/survey/render";
import { handleSubmission, residentPage } from "~/models/resident.server";
import { invariantResponse } from "~/utils/input";
import { UNAVAILABLE_HEADERS } from "~/utils/unavailable.server";

export const handle = { resident: true };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.state === "open" ? data.survey.title : "问卷" }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const page = await residentPage(
    { method: request.method, url: request.url, headers: request.headers, address: context.clientIp },
    params.code ?? "",
  );
  invariantResponse(page);
  return data(page.data, { status: page.status, headers: page.headers });
}

/** The loader's headers (no caching, the device cookie) are the page's; after a post, with the
 *  action's (Retry-After when the database could not take the answers). */
export const headers: HeadersFunction = ({ loaderHeaders, actionHeaders }) => {
  const merged = new Headers(loaderHeaders);
  actionHeaders.forEach((value, name) => merged.set(name, value));
  return merged;
};

export async function action({ request, params }: ActionFunctionArgs) {
  const code = params.code ?? "";
  const { status, outcome, form } = await handleSubmission(request, code);
  if (outcome.ok) throw redirect(`/s/${code}/done`);
  // Without JavaScript this re-renders the form: with everything the resident gave, and the errors.
  return data({ outcome, form }, { status, headers: status === 503 ? UNAVAILABLE_HEADERS : undefined });
}

/** The household-code field's key among the errors (it is no question). */
const HOUSEHOLD = "__household";
const CODE_REASONS = ["codeRequired", "codeUnknown", "codeUsed"];

/** Errors by field, and the note beside the submit button, for a refused submission. */
function refusal(
  outcome: { reason?: string; errors?: Record<string, string[]> },
  t: (key: string) => string,
): { errors: Record<string, string[]>; notice: string | null } {
  if (outcome.errors) return { errors: outcome.errors, notice: "resident.fixErrors" };
  if (outcome.reason && CODE_REASONS.includes(outcome.reason))
    return { errors: { [HOUSEHOLD]: [t(`resident.refused.${outcome.reason}`)] }, notice: null };
  return { errors: {}, notice: outcome.reason ? `resident.refused.${outcome.reason}` : null };
}

type Stored = { answers: Record<string, unknown>; key: string; started: number | null; household: string };

const storageKey = (code: string, version: number) => `wm:s:${code}:${version}`;

function readStored(key: string): Stored | null {
  try {
    const raw = window.localStorage.getItem(key);
    return raw ? (JSON.parse(raw) as Stored) : null;
  } catch {
    return null;
  }
}

function writeStored(key: string, value: Stored) {
  try {
    window.localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Private mode or a full store: the questionnaire still works, it just won't survive a reload.
  }
}

export default function ResidentSurvey() {
  const loaderData = useLoaderData<typeof loader>();
  if (loaderData.state !== "open") {
    return (
      <ResidentNotice
        reason={loaderData.state}
        place={loaderData.place}
        campaignName={loaderData.campaignName}
        opensAt={loaderData.opensAt}
      />
    );
  }
  return <SurveyForm {...loaderData} />;
}

type FormProps = Extract<ReturnType<typeof useLoaderData<typeof loader>>, { state: "open" }>;

function SurveyForm({ code, place, campaignName, versionId, needsHouseholdCode, survey, clientKey }: FormProps) {
  const t = useT();
  const navigate = useNavigate();
  const actionData = useActionData<typeof action>();
  const [params] = useSearchParams();
  const formRef = useRef<HTMLFormElement>(null);
  const storeKey = storageKey(code, versionId);
  // After a post without JavaScript the server gives back what was entered.
  const given = actionData?.form ?? null;
  const refused = actionData && !actionData.outcome.ok ? refusal(actionData.outcome, t) : null;
  const [answers, setAnswers] = useState<Record<string, unknown>>(given?.answers ?? {});
  const [key, setKey] = useState<string>(given?.key || clientKey);
  const [started, setStarted] = useState<number | null>(Number(given?.started) || null);
  const [household, setHousehold] = useState(given?.household ?? params.get("h") ?? "");
  const [errors, setErrors] = useState<Record<string, string[]>>(refused?.errors ?? {});
  const [notice, setNotice] = useState<string | null>(refused?.notice ?? null);
  const [busy, setBusy] = useState(false);
  const [ready, setReady] = useState(false);
  const [jump, setJump] = useState(0);

  // Restore what was answered before a reload or a lost connection, and keep anything tapped
  // before the script arrived (the form already holds it).
  useEffect(() => {
    const stored = readStored(storeKey);
    const fromForm = formRef.current ? answersFromForm(survey, new FormData(formRef.current)) : {};
    if (stored && !given) {
      setKey(stored.key);
      setStarted(stored.started);
      if (stored.household && !params.get("h")) setHousehold(stored.household);
    }
    setAnswers({ ...(given ? {} : (stored?.answers ?? {})), ...fromForm });
    setReady(true);
    // Only once, on arrival.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // Brings the first field with an error into view (the household code is at the very top, the
  // submit button at the very bottom of a long page), else the note above the submit button
  // (offline, the database unavailable), which a resident still reading a question would miss.
  useEffect(() => {
    if (!jump) return;
    const first = formRef.current?.querySelector<HTMLElement>(".invalid") ?? formRef.current?.querySelector<HTMLElement>(".alert.error");
    if (!first) return;
    const fits = first.getBoundingClientRect().height < window.innerHeight * 0.8;
    first.scrollIntoView({ block: fits ? "center" : "start" });
  }, [jump]);

  const conditionAnswers = conditionValues(survey, answers);
  const visible = (q: { visibleIf: string | null }) => !q.visibleIf || evaluateCondition(q.visibleIf, conditionAnswers);
  const questions = survey.elements.filter((e): e is RenderQuestion => e.type !== "html");
  const shown = questions.filter(visible);
  const answered = shown.filter((q) => isAnswered(q, answers)).length;
  const numbers = new Map(shown.map((q, i) => [q.name, i + 1]));
  const titles = new Map(shown.map((q) => [q.name, q.title.length > 18 ? `${q.title.slice(0, 17)}…` : q.title]));

  function update(name: string, value: unknown) {
    const next = { ...answers, [name]: value };
    const firstAnswer = started === null;
    const startedAt = started ?? Date.now();
    setAnswers(next);
    setStarted(startedAt);
    setErrors((e) => ({ ...e, [name]: [] }));
    writeStored(storeKey, { answers: next, key, started: startedAt, household });
    if (firstAnswer) navigator.sendBeacon?.(`/s/${code}/start`);
  }

  function show(found: Record<string, string[]>, note: string | null) {
    setErrors(found);
    setNotice(note);
    setJump((n) => n + 1);
  }

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    const found: Record<string, string[]> = {};
    if (needsHouseholdCode && !household.trim()) found[HOUSEHOLD] = [t("resident.refused.codeRequired")];
    for (const q of shown) {
      if (q.isRequired && !isAnswered(q, answers)) found[q.name] = [t("resident.required")];
      const over = tooLong(q, answers[q.name]);
      if (over) found[q.name] = [t("surveyDef.answers.tooLong", over)];
    }
    if (Object.keys(found).length) {
      const onlyCode = Object.keys(found).length === 1 && found[HOUSEHOLD];
      const onlyRequired = Object.values(found).every(([m]) => m === t("resident.required"));
      show(found, onlyCode ? null : onlyRequired ? "resident.missing" : "resident.fixErrors");
      return;
    }
    setBusy(true);
    setNotice(null);
    try {
      const response = await fetch(`/s/${code}/submit`, {
        method: "POST",
        body: new URLSearchParams(new FormData(event.currentTarget) as unknown as Record<string, string>),
        headers: { Accept: "application/json" },
      });
      const result = (await response.json()) as { ok: boolean; reason?: string; errors?: Record<string, string[]> };
      if (result.ok) {
        navigate(`/s/${code}/done`, { replace: true });
        return;
      }
      const { errors: byField, notice: note } = refusal(result, t);
      show(byField, note);
    } catch {
      show({}, "resident.offline");
    } finally {
      setBusy(false);
    }
  }

  const householdError = errors[HOUSEHOLD]?.length ? errors[HOUSEHOLD] : null;
  // After a post without JavaScript the page opens at its top: say there what went wrong (the
  // household code's own error is right there already).
  const fields = refused ? Object.keys(refused.errors).filter((name) => numbers.has(name)) : [];
  const summary =
    refused && jump === 0 && (refused.notice || fields.length) ? { notice: refused.notice ?? "resident.fixErrors", fields } : null;
  const shownSections = new Set<number>();
  const headings = (section: number | null): React.ReactNode[] => {
    if (section === null || shownSections.has(section)) return [];
    shownSections.add(section);
    const s = survey.sections[section];
    const Heading = s.level === 1 ? "h2" : "h3";
    return [
      ...headings(s.parent),
      <div key={`section-${section}`} className={`survey-section level-${s.level}`}>
        {s.title && <Heading>{s.title}</Heading>}
        {s.description && <p>{s.description}</p>}
      </div>,
    ];
  };

  return (
    <div className="resident">
      <header className="resident-head">
        <span>{campaignName}</span>
        <span>{place}</span>
      </header>
      <h1>{survey.title}</h1>
      {survey.description && <p className="survey-desc">{survey.description}</p>}
      {summary && (
        <div className="alert error" role="alert" data-testid="error-summary">
          {t(summary.notice)}
          {summary.fields.length > 0 && (
            <ul>
              {summary.fields.map((name) => (
                <li key={name}>
                  <a href={`#q-${name}`}>
                    {t("resident.questionNumber", { number: numbers.get(name) ?? "" })}
                    {titles.get(name) ? `：${titles.get(name)}` : ""}
                  </a>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      <form ref={formRef} method="post" onSubmit={submit} noValidate data-ready={ready || undefined}>
        <input type="hidden" name="__key" value={key} />
        <input type="hidden" name="__version" value={versionId} />
        <input type="hidden" name="__started" value={started ?? ""} />
        <input type="hidden" name="__src" value={params.get("src") ?? ""} />
        {needsHouseholdCode && (
          <div className={householdError ? "household-code invalid" : "household-code"} id="q-__household">
            <label htmlFor="household-code">{t("resident.householdCode")}</label>
            {householdError && (
              <p className="qerror" id="household-code-error" role="alert">
                {householdError.join(" ")}
              </p>
            )}
            <input
              id="household-code"
              type="text"
              name="__household"
              value={household}
              autoCapitalize="characters"
              autoComplete="off"
              aria-invalid={householdError ? true : undefined}
              aria-describedby={householdError ? "household-code-error household-code-hint" : "household-code-hint"}
              onChange={(e) => {
                setHousehold(e.target.value);
                setErrors((errs) => ({ ...errs, [HOUSEHOLD]: [] }));
                writeStored(storeKey, { answers, key, started, household: e.target.value });
              }}
            />
            <span className="muted" id="household-code-hint">
              {t("resident.householdCodeHint")}
            </span>
          </div>
        )}
        {survey.elements.map((e) =>
          !visible(e) ? null : (
            <Fragment key={e.name}>
              {headings(e.section)}
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
          ),
        )}
        {notice && !summary && (
          <p className="alert error" role="alert">
            {t(notice)}
          </p>
        )}
        <div className="submit-bar">
          <span className="progress" aria-live="polite">
            {t("resident.progress", { done: answered, total: shown.length })}
          </span>
          <button type="submit" className="button big" disabled={busy}>
            {busy ? t("resident.submitting") : t("resident.submit")}
          </button>
        </div>
      </form>
    </div>
  );
}

export const ErrorBoundary = ResidentErrorBoundary;
