import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import type { ReactNode } from "react";
import { Crumbs } from "~/components/crumbs";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { FileField } from "~/components/file-field";
import { DefinitionErrors } from "~/components/survey-editor";
import { useT } from "~/i18n/use-t";
import { recordAudit } from "~/models/audit.server";
import { createSurvey, definitionTitle, SURVEY_KINDS, type SurveyKind } from "~/models/surveys.server";
import { translate } from "~/i18n";
import { checkDefinitionText, MAX_DEFINITION_BYTES, type DefinitionError } from "~/survey/definition";
import { loadTemplate, templateList } from "~/survey/templates.server";
import { clientInfo, getLang } from "~/utils/request.server";
import { requirePermission } from "~/utils/session.server";
import { readUpload, uploadedFile } from "~/utils/upload.server";
import { invariantResponse } from "~/utils/input";

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, "survey:manage");
  return { templates: templateList(), kinds: SURVEY_KINDS, maxKib: MAX_DEFINITION_BYTES / 1024 };
}

type ActionResult = { form: "template" | "blank" | "import"; errors: DefinitionError[] };

const isKind = (value: unknown): value is SurveyKind => (SURVEY_KINDS as readonly unknown[]).includes(value);

function titleOf(value: FormDataEntryValue | null): string | null {
  const title = typeof value === "string" ? value.trim() : "";
  return title.length >= 1 && title.length <= 200 ? title : null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requirePermission(request, "survey:manage");
  const ip = clientInfo(request, context).ip;
  const form = await readUpload(request, MAX_DEFINITION_BYTES);
  if (!form) {
    const errors = [{ key: "surveys.tooLarge", params: { max: MAX_DEFINITION_BYTES / 1024 }, line: null }];
    return data<ActionResult>({ form: "import", errors }, { status: 413 });
  }
  const intent = form.get("intent");
  const kind = form.get("kind");

  if (intent === "template") {
    const file = String(form.get("template") ?? "");
    const template = templateList().find((t) => t.file === file);
    invariantResponse(template);
    const draft = loadTemplate(file);
    const id = await createSurvey(user, { title: template.title, kind: template.kind, draft });
    await recordAudit(user, "survey.create", { target: template.title, details: { surveyId: id, template: file }, ip });
    return redirect(`/surveys/${id}`);
  }

  if (intent === "blank") {
    const title = titleOf(form.get("title"));
    if (!title || !isKind(kind))
      return data<ActionResult>({ form: "blank", errors: [{ key: "surveys.titleRequired", params: {}, line: null }] }, { status: 400 });
    const question = { type: "text", name: "question1", title: translate(await getLang(request), "surveys.blankQuestion") };
    const draft = { title, pages: [{ name: "page1", elements: [question] }] };
    const id = await createSurvey(user, { title, kind, draft });
    await recordAudit(user, "survey.create", { target: title, details: { surveyId: id }, ip });
    return redirect(`/surveys/${id}`);
  }

  const file = uploadedFile(form, "surveys.noFile");
  if (intent !== "import" || !(file instanceof File) || !isKind(kind)) {
    const issue = intent === "import" && !(file instanceof File) ? file : { key: "surveys.noFile", params: {} };
    return data<ActionResult>({ form: "import", errors: [{ ...issue, line: null }] }, { status: 400 });
  }
  const text = new TextDecoder("utf-8").decode(await file.arrayBuffer());
  const checked = checkDefinitionText(text);
  if (!checked.ok) return data<ActionResult>({ form: "import", errors: checked.errors }, { status: 422 });
  const title = (definitionTitle(checked.definition) ?? file.name.replace(/\.json$/i, "")).slice(0, 200) || file.name;
  const id = await createSurvey(user, { title, kind, draft: checked.definition });
  await recordAudit(user, "survey.import", {
    target: title,
    details: { surveyId: id, filename: file.name, bytes: file.size },
    ip,
  });
  return redirect(`/surveys/${id}`);
}

function KindSelect({ kinds }: { kinds: readonly SurveyKind[] }) {
  const t = useT();
  return (
    <label>
      {t("surveys.kind")}
      <select name="kind" defaultValue="household">
        {kinds.map((k) => (
          <option key={k} value={k}>
            {t(`surveys.kind.${k}`)}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A blank or an imported questionnaire: its one field, the kind, the button. */
function CreateForm({
  intent,
  kinds,
  busy,
  submit,
  children,
}: {
  intent: "blank" | "import";
  kinds: readonly SurveyKind[];
  busy: boolean;
  submit: string;
  children: ReactNode;
}) {
  return (
    <Form method="post" encType="multipart/form-data" className="stack">
      {children}
      <KindSelect kinds={kinds} />
      <button type="submit" name="intent" value={intent} className="button" disabled={busy}>
        {submit}
      </button>
    </Form>
  );
}

export default function NewSurvey() {
  const { templates, kinds, maxKib } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const t = useT();
  const errorsFor = (form: ActionResult["form"]) =>
    result?.form === form && (
      <div className="alert error" role="alert">
        <strong>{t(form === "import" ? "surveys.importRejected" : "surveys.notCreated")}</strong>
        <DefinitionErrors errors={result.errors} />
      </div>
    );
  return (
    <>
      <Crumbs crumbs={[{ label: t("surveys.title"), to: "/surveys" }]} label={t("surveys.crumbs")} />
      <h1>{t("surveys.new")}</h1>

      <section className="card survey-create">
        <h2>{t("surveys.fromTemplate")}</h2>
        {errorsFor("template")}
        <ul className="list" data-testid="template-list">
          {templates.map((tpl) => (
            <li key={tpl.file}>
              <Form method="post" encType="multipart/form-data" className="row">
                <input type="hidden" name="template" value={tpl.file} />
                <span>
                  <span className="name">{tpl.title}</span> <span className="badge">{t(`surveys.kind.${tpl.kind}`)}</span>
                </span>
                <button type="submit" name="intent" value="template" className="button secondary" disabled={busy}>
                  {t("surveys.useTemplate")}
                </button>
              </Form>
            </li>
          ))}
        </ul>
      </section>

      <section className="card survey-create">
        <h2>{t("surveys.blank")}</h2>
        {errorsFor("blank")}
        <CreateForm intent="blank" kinds={kinds} busy={busy} submit={t("surveys.createBlank")}>
          <label>
            {t("surveys.name")}
            <input type="text" name="title" required maxLength={200} />
          </label>
        </CreateForm>
      </section>

      <section className="card survey-create">
        <h2>{t("surveys.import")}</h2>
        <p className="muted">{t("surveys.importHint", { max: maxKib })}</p>
        {errorsFor("import")}
        <CreateForm intent="import" kinds={kinds} busy={busy} submit={t("surveys.importSubmit")}>
          <FileField label={t("surveys.importFile")} accept=".json,application/json" />
        </CreateForm>
      </section>
    </>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
