import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { ChoiceSelect } from "~/components/choice-select";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { FileField, TABLE_ACCEPT } from "~/components/file-field";
import { IssueList } from "~/components/issue-list";
import type { ImportIssue } from "~/domain/register-import";
import { encodeValue, mappingFromForm, PLACE_ROLES, valueField, type ResponseMapping } from "~/domain/response-mapping";
import { useDateTimeFormat, useT } from "~/i18n/use-t";
import { listCampaigns } from "~/models/campaigns.server";
import {
  cancelResponseUpload,
  confirmResponseImport,
  planResponseImport,
  stageResponseUpload,
  type ImportPlan,
} from "~/models/response-import.server";
import { clientInfo } from "~/utils/request.server";
import { requirePermission } from "~/utils/session.server";
import { OptionalId } from "~/utils/input";
import { readForm, readUpload, uploadedFile } from "~/utils/upload.server";

const MAX_FILE_MB = 20;

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "response:import");
  const params = new URL(request.url).searchParams;
  const uploadId = OptionalId.parse(params.get("upload"));
  if (uploadId !== null) {
    const plan = await planResponseImport(user, uploadId, null);
    if (!plan) return { stage: "gone" as const };
    return { stage: "mapping" as const, plan };
  }
  const campaigns = await listCampaigns(user);
  return {
    stage: "upload" as const,
    campaigns: campaigns.map((c) => ({ id: c.id, name: c.name })),
    cancelled: params.has("cancelled"),
  };
}

type ActionResult =
  | { stage: "uploadIssues"; issues: ImportIssue[] }
  | { stage: "plan"; plan: ImportPlan }
  | { stage: "done"; campaignId: number; inserted: number; alreadyImported: number }
  | { stage: "gone" };

const uploadIssue = (key: string, params: ImportIssue["params"] = {}): ActionResult => ({
  stage: "uploadIssues",
  issues: [{ line: null, column: null, key, params }],
});

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requirePermission(request, "response:import");
  if (request.headers.get("Content-Type")?.startsWith("multipart/form-data")) {
    const form = await readUpload(request, MAX_FILE_MB * 1024 * 1024);
    if (!form) return data(uploadIssue("upload.tooLarge", { mb: MAX_FILE_MB }), { status: 413 });
    const campaignId = OptionalId.parse(form.get("campaign"));
    if (campaignId === null) return data(uploadIssue("responses.import.noCampaign"), { status: 400 });
    const file = uploadedFile(form, "upload.noFile");
    if (!(file instanceof File)) return data(uploadIssue(file.key, file.params), { status: 400 });
    const staged = await stageResponseUpload(user, {
      campaignId,
      filename: file.name,
      data: new Uint8Array(await file.arrayBuffer()),
    });
    if (!staged.ok) return data<ActionResult>({ stage: "uploadIssues", issues: staged.issues }, { status: 422 });
    return redirect(`/responses/import?upload=${staged.uploadId}`);
  }
  const form = await readForm(request);
  const uploadId = OptionalId.parse(form.get("upload"));
  if (uploadId === null) return data<ActionResult>({ stage: "gone" }, { status: 409 });
  const intent = form.get("intent");
  if (intent === "cancel") {
    await cancelResponseUpload(user, uploadId);
    return redirect("/responses/import?cancelled");
  }
  const mapping = mappingFromForm(form.entries());
  if (intent === "confirm") {
    const outcome = await confirmResponseImport(user, uploadId, mapping, clientInfo(request, context).ip);
    if (!outcome) return data<ActionResult>({ stage: "gone" }, { status: 409 });
    if (outcome.ok)
      return data<ActionResult>({
        stage: "done",
        campaignId: outcome.campaignId,
        inserted: outcome.inserted,
        alreadyImported: outcome.alreadyImported,
      });
  }
  const plan = await planResponseImport(user, uploadId, mapping);
  if (!plan) return data<ActionResult>({ stage: "gone" }, { status: 409 });
  return data<ActionResult>({ stage: "plan", plan }, { status: intent === "confirm" ? 422 : 200 });
}

export default function ResponseImportPage() {
  const loaded = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const t = useT();
  if (result?.stage === "done")
    return (
      <>
        <h1>{t("responses.import.title")}</h1>
        <div className="alert ok" role="status" data-testid="import-done">
          <p>{t("responses.import.done", { n: result.inserted })}</p>
          {result.alreadyImported > 0 && <p>{t("responses.import.doneAlready", { n: result.alreadyImported })}</p>}
        </div>
        <p className="actions">
          <Link to={`/responses?campaign=${result.campaignId}`} className="button">
            {t("responses.import.view")}
          </Link>
          <Link to="/responses/import">{t("responses.import.again")}</Link>
        </p>
      </>
    );
  if (result?.stage === "gone" || loaded.stage === "gone")
    return (
      <>
        <h1>{t("responses.import.title")}</h1>
        <p className="alert warn">{t("responses.import.gone")}</p>
        <Link to="/responses/import">{t("responses.import.again")}</Link>
      </>
    );
  const plan = result?.stage === "plan" ? result.plan : loaded.stage === "mapping" ? loaded.plan : null;
  if (plan) return <MappingPage plan={plan} />;
  return (
    <UploadPage
      campaigns={loaded.stage === "upload" ? loaded.campaigns : []}
      cancelled={loaded.stage === "upload" && loaded.cancelled}
      issues={result?.stage === "uploadIssues" ? result.issues : null}
    />
  );
}

function UploadPage({
  campaigns,
  cancelled,
  issues,
}: {
  campaigns: { id: number; name: string }[];
  cancelled: boolean;
  issues: ImportIssue[] | null;
}) {
  const t = useT();
  const busy = useNavigation().state !== "idle";
  return (
    <>
      <h1>{t("responses.import.title")}</h1>
      {cancelled && <p className="alert warn">{t("responses.import.cancelled")}</p>}
      {issues && (
        <div className="alert error" role="alert">
          <IssueList issues={issues} />
        </div>
      )}
      <section className="card">
        <p>{t("responses.import.intro")}</p>
        <p className="muted">{t("responses.import.formats")}</p>
        <Form method="post" encType="multipart/form-data" className="stack">
          <label>
            {t("responses.import.campaign")}
            <select name="campaign" required defaultValue="">
              <option value="" disabled>
                {t("responses.import.chooseCampaign")}
              </option>
              {campaigns.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          </label>
          <FileField label={t("responses.import.file")} accept={TABLE_ACCEPT} />
          <div>
            <button type="submit" className="button" disabled={busy}>
              {busy ? t("responses.import.checking") : t("responses.import.upload")}
            </button>
          </div>
        </Form>
      </section>
    </>
  );
}

function MappingPage({ plan }: { plan: ImportPlan }) {
  const t = useT();
  const busy = useNavigation().state !== "idle";
  const format = useDateTimeFormat("short", "short");
  const { mapping } = plan;
  const ready = plan.issues.length === 0;
  return (
    <>
      <h1>{t("responses.import.title")}</h1>
      <p className="muted">
        {t("responses.import.mappingTitle", { file: plan.filename })}
        <br />
        {t("responses.import.into", { campaign: plan.campaign.name, survey: plan.campaign.surveyTitle, n: plan.campaign.version })}
      </p>
      {/* key: after each preview the fields start from the mapping the server completed */}
      <Form method="post" key={JSON.stringify(mapping)} className="import-mapping">
        <input type="hidden" name="upload" value={plan.uploadId} />

        <section className="card">
          <h2>{t("responses.import.columns")}</h2>
          <ul className="mapping-columns">
            {plan.headers.map((header, i) => (
              <li key={i}>
                <label>
                  <span>
                    {header}
                    {plan.examples[i] ? (
                      <span className="muted">
                        {" "}
                        · {t("responses.import.example")}：{plan.examples[i]}
                      </span>
                    ) : null}
                  </span>
                  <ColumnSelect plan={plan} index={i} />
                </label>
              </li>
            ))}
          </ul>
        </section>

        <section className="card">
          <h2>{t("responses.import.place")}</h2>
          <div className="stack-tight">
            <label className="choice">
              <input type="radio" name="placeMode" value="columns" defaultChecked={mapping.place.mode === "columns"} />
              {t("responses.import.place.columns")}
            </label>
            <label className="choice">
              <input type="radio" name="placeMode" value="fixed" defaultChecked={mapping.place.mode === "fixed"} />
              {t("responses.import.place.fixed")}
            </label>
            <ChoiceSelect
              name="placeId"
              label={t("responses.import.place.choose")}
              value={mapping.place.mode === "fixed" ? mapping.place.placeId : null}
              empty={t("responses.import.place.choose")}
              choices={plan.places}
            />
          </div>
        </section>

        {plan.distinct.length > 0 && (
          <section className="card">
            <h2>{t("responses.import.values")}</h2>
            <p className="muted">{t("responses.import.valuesIntro")}</p>
            {plan.distinct.map(({ target, column, texts }) => (
              <fieldset key={target.id} className="mapping-values">
                <legend>{column === target.title ? column : `${column} → ${target.title}`}</legend>
                <div className="table-wrap">
                  <table>
                    <thead>
                      <tr>
                        <th>{t("responses.import.valueText")}</th>
                        <th className="num">{t("responses.import.valueCount")}</th>
                        <th>{t("responses.import.valueChoice")}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {texts.map(({ text, count }) => {
                        const chosen = mapping.values[target.id]?.[text] ?? "";
                        return (
                          <tr key={text} className={chosen === "" ? "unmapped" : undefined}>
                            <td>{text}</td>
                            <td className="num">{count}</td>
                            <td>
                              <select name={valueField(target.id, text)} defaultValue={chosen} aria-label={`${column} ${text}`}>
                                <option value="">{t("responses.import.unmapped")}</option>
                                <option value={encodeValue(null)}>{t("responses.import.skip")}</option>
                                {target.choices.map((c) => (
                                  <option key={String(c.value)} value={encodeValue(c.value)}>
                                    {c.text === String(c.value) ? c.text : `${c.text}（${String(c.value)}）`}
                                  </option>
                                ))}
                              </select>
                            </td>
                          </tr>
                        );
                      })}
                    </tbody>
                  </table>
                </div>
              </fieldset>
            ))}
          </section>
        )}

        <p>
          <button type="submit" name="intent" value="preview" className="button secondary" disabled={busy}>
            {t("responses.import.refresh")}
          </button>
        </p>

        {!ready && (
          <div className="alert error" role="alert">
            <strong>{t("responses.import.problems", { n: plan.issues.length })}</strong>
            <IssueList issues={plan.issues} />
          </div>
        )}

        <section className="card">
          <p data-testid="import-counts">
            {t("responses.import.counts", { rows: plan.counts.rows, complete: plan.counts.complete, partial: plan.counts.partial })}
            {plan.counts.alreadyImported > 0 && <> {t("responses.import.alreadyCounted", { n: plan.counts.alreadyImported })}</>}
          </p>
          {plan.preview.length > 0 && (
            <>
              <h2>{t("responses.import.preview", { n: plan.preview.length })}</h2>
              <ol className="list import-preview" data-testid="import-preview">
                {plan.preview.map((row) => (
                  <li key={row.line}>
                    <div className="preview-head">
                      <b>{t("responses.import.lineN", { line: row.line })}</b>
                      <span className={row.complete ? "badge" : "badge warn"}>
                        {row.complete ? t("responses.count.complete") : t("responses.count.partial")}
                      </span>
                      <span className="muted">
                        {row.finishedAt ? format.format(new Date(row.finishedAt)) : t("responses.import.timeNow")}
                      </span>
                    </div>
                    <div className="muted">{row.place}</div>
                    {row.answers.map((a) => (
                      <div key={a.name} className="preview-answer">
                        <span className="muted">{a.title}：</span>
                        {a.text}
                      </div>
                    ))}
                  </li>
                ))}
              </ol>
            </>
          )}
          <div className="actions" style={{ marginTop: "0.8rem" }}>
            {ready && (
              <button type="submit" name="intent" value="confirm" className="button" disabled={busy}>
                {t("responses.import.confirm")}
              </button>
            )}
            <button type="submit" name="intent" value="cancel" className="button secondary" formNoValidate disabled={busy}>
              {t("responses.import.cancel")}
            </button>
          </div>
        </section>
      </Form>
    </>
  );
}

function ColumnSelect({ plan, index }: { plan: ImportPlan; index: number }) {
  const t = useT();
  const role: ResponseMapping["columns"][number] = plan.mapping.columns[index] ?? "";
  return (
    <select name={`col.${index}`} defaultValue={role}>
      <option value="">{t("responses.import.role.ignore")}</option>
      <optgroup label={t("responses.import.role.questions")}>
        {plan.targets.map((target) => (
          <option key={target.id} value={`q:${target.id}`}>
            {target.title}
          </option>
        ))}
      </optgroup>
      <optgroup label={t("responses.import.role.places")}>
        {PLACE_ROLES.map((level) => (
          <option key={level} value={level}>
            {t(`level.${level}`)}
          </option>
        ))}
      </optgroup>
      <optgroup label={t("responses.import.role.timing")}>
        <option value="finishedAt">{t("responses.import.role.finishedAt")}</option>
        <option value="duration">{t("responses.import.role.duration")}</option>
      </optgroup>
    </select>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
