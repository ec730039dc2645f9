import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, useActionData, useBeforeUnload, useLoaderData, useNavigation } from "@remix-run/react";
import { lazy, Suspense, useCallback, useEffect, useRef, useState } from "react";
import { ConfirmStep } from "~/components/confirm-step";
import { DataTable } from "~/components/data-table";
import { Crumbs } from "~/components/crumbs";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { DefinitionErrors, JsonEditor, type JsonEditorHandle } from "~/components/survey-editor";
import { useDateTimeFormat, useT } from "~/i18n/use-t";
import { recordAudit } from "~/models/audit.server";
import { definitionText, getSurvey, listVersions, publishSurvey, saveDraft } from "~/models/surveys.server";
import { checkDefinitionText, MAX_DEFINITION_BYTES, type DefinitionError } from "~/survey/definition";
import { clientInfo, isConfirmed } from "~/utils/request.server";
import { requirePermission } from "~/utils/session.server";
import { idParam, invariantResponse } from "~/utils/input";
import { readUpload } from "~/utils/upload.server";

const SurveyPreview = lazy(() => import("~/components/survey-preview.client"));

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.survey.title ?? "" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "survey:manage");
  const surveyId = idParam(params.surveyId);
  const survey = await getSurvey(user.countyId, surveyId);
  invariantResponse(survey);
  const { draft, ...summary } = survey;
  return {
    survey: summary,
    text: definitionText(draft),
    versions: await listVersions(user.countyId, surveyId),
  };
}

type ActionResult =
  | { ok: false; errors: DefinitionError[] }
  | { ok: false; errors: []; confirm: { title: string; definition: string; version: number } }
  | { ok: true; saved: true }
  | { ok: true; published: { version: number; created: boolean } };

export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = await requirePermission(request, "survey:manage");
  const surveyId = idParam(params.surveyId);
  // Every field is capped while it is read, so an oversized definition is never held whole.
  const form = await readUpload(request, MAX_DEFINITION_BYTES);
  if (!form) {
    const errors = [{ key: "surveys.tooLarge", params: { max: MAX_DEFINITION_BYTES / 1024 }, line: null }];
    return data<ActionResult>({ ok: false, errors }, { status: 413 });
  }
  const title = String(form.get("title") ?? "").trim();
  if (title.length < 1 || title.length > 200)
    return data<ActionResult>({ ok: false, errors: [{ key: "surveys.titleRequired", params: {}, line: null }] }, { status: 400 });
  const checked = checkDefinitionText(String(form.get("definition") ?? ""));
  if (!checked.ok) return data<ActionResult>({ ok: false, errors: checked.errors }, { status: 422 });

  if (form.get("intent") === "publish") {
    // A published version is frozen for good: only through the confirmation step, which posts
    // back exactly the title and text it showed. Until then nothing, not even the draft, changes.
    if (!isConfirmed(form)) {
      const survey = await getSurvey(user.countyId, surveyId);
      invariantResponse(survey);
      const confirm = { title, definition: String(form.get("definition")), version: (survey.latestVersion ?? 0) + 1 };
      return data<ActionResult>({ ok: false, errors: [], confirm });
    }
    const published = await publishSurvey(user, surveyId, { title, draft: checked.definition });
    invariantResponse(published);
    if (published.created)
      await recordAudit(user, "survey.publish", {
        target: title,
        details: { surveyId, versionId: published.id, version: published.version },
        ip: clientInfo(request, context).ip,
      });
    return data<ActionResult>({ ok: true, published: { version: published.version, created: published.created } });
  }
  invariantResponse(await saveDraft(user.countyId, surveyId, { title, draft: checked.definition }));
  return data<ActionResult>({ ok: true, saved: true });
}

/** Renders its children only after hydration: the preview needs the browser. */
function useHydrated() {
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  return hydrated;
}

export default function SurveyEditor() {
  const { survey, text: savedText, versions } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state !== "idle";
  const t = useT();
  const hydrated = useHydrated();
  const editor = useRef<JsonEditorHandle>(null);
  const [text, setText] = useState(savedText);
  const [errors, setErrors] = useState<DefinitionError[]>([]);

  // A saved definition comes back in its stored form (keys in a fixed order, two-space indent).
  useEffect(() => setText(savedText), [savedText]);
  useEffect(() => {
    if (result && !result.ok) setErrors(result.errors);
  }, [result]);
  const onCheck = useCallback((found: DefinitionError[]) => setErrors(found), []);

  const dirty = text !== savedText;
  useBeforeUnload(
    useCallback(
      (event: BeforeUnloadEvent) => {
        if (dirty) event.preventDefault();
      },
      [dirty],
    ),
  );

  const format = useDateTimeFormat("short", "short");
  const errorLines = errors.flatMap((e) => (e.line === null ? [] : [e.line]));
  const intent = navigation.formData?.get("intent");

  return (
    <>
      <Crumbs crumbs={[{ label: t("surveys.title"), to: "/surveys" }]} label={t("surveys.crumbs")} />
      <h1>{survey.title}</h1>
      <p className="actions survey-status">
        <span className="badge">{t(`surveys.kind.${survey.kind}`)}</span>
        {survey.latestVersion === null ? (
          <span>{t("surveys.notPublished")}</span>
        ) : (
          <span>{t("surveys.latestIs", { n: survey.latestVersion })}</span>
        )}
        {survey.latestVersion !== null && survey.unpublishedChanges && (
          <span className="badge warn">{t("surveys.unpublishedChanges")}</span>
        )}
      </p>

      {result?.ok && "published" in result && (
        <p className="alert ok" role="status">
          {result.published.created
            ? t("surveys.published", { n: result.published.version })
            : t("surveys.publishedUnchanged", { n: result.published.version })}
        </p>
      )}
      {result && "confirm" in result && (
        <ConfirmStep
          title={t("surveys.confirmPublish.title", { n: result.confirm.version })}
          consequence={t("surveys.confirmPublish.body", { n: result.confirm.version })}
          confirmLabel={t("surveys.confirmPublish.submit", { n: result.confirm.version })}
          fields={{ intent: "publish", title: result.confirm.title, definition: result.confirm.definition }}
          multipart
        />
      )}
      {result?.ok && "saved" in result && !dirty && (
        <p className="alert ok" role="status">
          {t("surveys.saved")}
        </p>
      )}

      <div className="survey-workspace">
        <Form method="post" encType="multipart/form-data" className="survey-form" replace>
          <label>
            {t("surveys.name")}
            <input type="text" name="title" defaultValue={survey.title} key={survey.title} required maxLength={200} />
          </label>
          <div className="json-head">
            <span className="json-label">{t("surveys.definition")}</span>
            {dirty && <span className="badge warn">{t("surveys.unsaved")}</span>}
          </div>
          <JsonEditor
            ref={editor}
            name="definition"
            label={t("surveys.definition")}
            value={text}
            onChange={setText}
            errorLines={errorLines}
          />
          {errors.length > 0 ? (
            <div className="alert error" role="alert">
              <strong>{t("surveys.definitionProblems", { n: errors.length })}</strong>
              <DefinitionErrors errors={errors} onJump={(line) => editor.current?.jumpTo(line)} />
            </div>
          ) : (
            hydrated && <p className="muted">{t("surveys.definitionFine")}</p>
          )}
          <div className="actions">
            <button type="submit" name="intent" value="save" className="button secondary" disabled={busy}>
              {busy && intent === "save" ? t("surveys.saving") : t("surveys.saveDraft")}
            </button>
            <button type="submit" name="intent" value="publish" className="button" disabled={busy || errors.length > 0}>
              {busy && intent === "publish" ? t("surveys.publishing") : t("surveys.publish")}
            </button>
            <a href={`/surveys/${survey.id}/export`} download className="button secondary">
              {t("surveys.exportDraft")}
            </a>
          </div>
          <p className="muted">{t("surveys.publishHint")}</p>
        </Form>

        <section className="survey-preview" aria-label={t("surveys.preview")}>
          <h2>{t("surveys.preview")}</h2>
          <div className="phone-frame" data-testid="phone-frame">
            <div className="phone-screen">
              {hydrated ? (
                <Suspense fallback={<p className="muted preview-loading">{t("surveys.previewLoading")}</p>}>
                  <SurveyPreview text={text} onCheck={onCheck} />
                </Suspense>
              ) : (
                <p className="muted preview-loading">{t("surveys.previewLoading")}</p>
              )}
            </div>
          </div>
        </section>
      </div>

      <h2>{t("surveys.versions")}</h2>
      <DataTable
        columns={[t("surveys.version"), t("surveys.name"), t("surveys.publishedAt"), t("surveys.actions")]}
        rows={versions}
        empty={<p className="muted">{t("surveys.noVersions")}</p>}
        testId="version-list"
        row={(v) => (
          <tr key={v.id}>
            <td>{t("surveys.versionN", { n: v.version })}</td>
            <td>{v.title}</td>
            <td>{format.format(new Date(v.publishedAt))}</td>
            <td>
              <a href={`/surveys/${survey.id}/export?version=${v.version}`} download>
                {t("surveys.export")}
              </a>
            </td>
          </tr>
        )}
      />
    </>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
