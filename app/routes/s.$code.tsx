// The resident questionnaire (no sign-in). Rendered on the server as a plain form that works
// before (and without) JavaScript; once the script arrives, answers are kept on the device as
// they are given, conditions show and hide questions, and submitting retries safely.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { useActionData, useLoaderData, useNavigate, useSearchParams } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";
import { Question } from "~/components/resident/question";
import { ResidentErrorBoundary, ResidentNotice } from "~/components/resident/notice";
import { useT } from "~/i18n/use-t";
import { campaignAvailability, countLinkEvent, resolveLink } from "~/models/campaigns.server";
import { deviceHasAnswered } from "~/models/responses.server";
import { evaluateCondition } from "~/survey/condition";
import { answersFromForm, buildRenderSurvey, conditionValues, isAnswered, otherField, type RenderQuestion } from "~/survey/render";
import { ensureDeviceCookie, handleSubmission, isRealVisit } from "~/utils/resident.server";

export const handle = { resident: true };

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data && "survey" in data ? data.survey.title : "问卷" },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const code = params.code ?? "";
  const link = await resolveLink(code);
  if (!link) throw new Response("Not Found", { status: 404 });
  const { campaign } = link;
  const device = await ensureDeviceCookie(request);
  const headers: HeadersInit = device.setCookie ? { "Set-Cookie": device.setCookie } : {};
  const place = link.placeLabel;
  const availability = campaignAvailability(campaign);
  if (availability !== "open")
    return data(
      // A start time is named only while it lies ahead: past it, the organiser has simply not opened the campaign yet.
      { state: availability, place, campaignName: campaign.name, opensAt: campaign.opensAt > new Date() ? campaign.opensAt.toISOString() : null },
      { status: availability === "closed" ? 410 : 200, headers },
    );
  if (campaign.duplicatePolicy === "device" && (await deviceHasAnswered(campaign.id, device.id)))
    return data({ state: "deviceUsed" as const, place, campaignName: campaign.name, opensAt: null }, { status: 409, headers });
  if (isRealVisit(request) && request.method === "GET") await countLinkEvent(link.linkId, "opens");
  return data(
    {
      state: "open" as const,
      code,
      place,
      campaignName: campaign.name,
      versionId: campaign.surveyVersionId,
      needsHouseholdCode: campaign.duplicatePolicy === "household",
      survey: buildRenderSurvey(link.definition),
      clientKey: crypto.randomUUID(),
    },
    { headers },
  );
}

export async function action({ request, params }: ActionFunctionArgs) {
  const code = params.code ?? "";
  const { status, outcome } = await handleSubmission(request, code);
  if (outcome.ok) throw redirect(`/s/${code}/done`);
  return data({ outcome }, { status });
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
    return <ResidentNotice reason={loaderData.state} place={loaderData.place} campaignName={loaderData.campaignName} opensAt={loaderData.opensAt} />;
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
  const [answers, setAnswers] = useState<Record<string, unknown>>({});
  const [key, setKey] = useState<string>(clientKey);
  const [started, setStarted] = useState<number | null>(null);
  const [household, setHousehold] = useState(params.get("h") ?? "");
  const [errors, setErrors] = useState<Record<string, string[]>>(
    actionData?.outcome && "errors" in actionData.outcome ? actionData.outcome.errors : {},
  );
  const [notice, setNotice] = useState<string | null>(
    actionData && !actionData.outcome.ok && actionData.outcome.reason !== "invalid" ? `resident.refused.${actionData.outcome.reason}` : null,
  );
  const [busy, setBusy] = useState(false);
  const [ready, setReady] = useState(false);

  // Restore what was answered before a reload or a lost connection, and keep anything tapped
  // before the script arrived (the form already holds it).
  useEffect(() => {
    const stored = readStored(storeKey);
    const fromForm = formRef.current ? answersFromForm(survey, new FormData(formRef.current)) : {};
    if (stored) {
      setKey(stored.key);
      setStarted(stored.started);
      if (stored.household && !params.get("h")) setHousehold(stored.household);
    }
    setAnswers({ ...(stored?.answers ?? {}), ...fromForm });
    setReady(true);
    // Only once, on arrival.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const conditionAnswers = conditionValues(survey, answers);
  const visible = (q: { visibleIf: string | null }) => !q.visibleIf || evaluateCondition(q.visibleIf, conditionAnswers);
  const questions = survey.elements.filter((e): e is RenderQuestion => e.type !== "html");
  const shown = questions.filter(visible);
  const answered = shown.filter((q) => isAnswered(q, answers)).length;
  const numbers = new Map(shown.map((q, i) => [q.name, i + 1]));

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

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    const missing = shown.filter((q) => q.isRequired && !isAnswered(q, answers));
    if (missing.length) {
      setErrors(Object.fromEntries(missing.map((q) => [q.name, [t("resident.required")]])));
      setNotice("resident.missing");
      document.getElementById(`q-${missing[0].name}`)?.scrollIntoView({ behavior: "smooth", block: "center" });
      return;
    }
    if (needsHouseholdCode && !household.trim()) {
      setNotice("resident.refused.codeRequired");
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
      if (result.errors) {
        setErrors(result.errors);
        setNotice("resident.fixErrors");
      } else setNotice(`resident.refused.${result.reason}`);
    } catch {
      setNotice("resident.offline");
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="resident">
      <header className="resident-head">
        <span>{campaignName}</span>
        <span>{place}</span>
      </header>
      <h1>{survey.title}</h1>
      {survey.description && <p className="survey-desc">{survey.description}</p>}
      <form ref={formRef} method="post" onSubmit={submit} noValidate data-ready={ready || undefined}>
        <input type="hidden" name="__key" value={key} />
        <input type="hidden" name="__version" value={versionId} />
        <input type="hidden" name="__started" value={started ?? ""} />
        <input type="hidden" name="__src" value={params.get("src") ?? ""} />
        {needsHouseholdCode && (
          <label className="household-code">
            {t("resident.householdCode")}
            <input
              type="text"
              name="__household"
              value={household}
              autoCapitalize="characters"
              autoComplete="off"
              onChange={(e) => {
                setHousehold(e.target.value);
                writeStored(storeKey, { answers, key, started, household: e.target.value });
              }}
            />
            <span className="muted">{t("resident.householdCodeHint")}</span>
          </label>
        )}
        {survey.elements.map((e) =>
          !visible(e) ? null : e.type === "html" ? (
            <p key={e.name} className="survey-note">
              {e.html.replace(/<[^>]+>/g, "")}
            </p>
          ) : (
            <Question
              key={e.name}
              q={e}
              number={numbers.get(e.name) ?? 0}
              value={answers[e.name]}
              otherText={typeof answers[otherField(e.name)] === "string" ? String(answers[otherField(e.name)]) : ""}
              errors={errors[e.name]}
              onChange={update}
              requiredLabel={t("resident.requiredMark")}
            />
          ),
        )}
        {notice && (
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
