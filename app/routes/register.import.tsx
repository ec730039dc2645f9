import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useActionData, useNavigation } from "@remix-run/react";
import { DataTable } from "~/components/data-table";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { FileField, TABLE_ACCEPT } from "~/components/file-field";
import { IssueList } from "~/components/issue-list";
import { useT } from "~/i18n/use-t";
import { cancelRegisterImport, confirmRegisterImport, previewRegisterImport } from "~/models/register.server";
import { changeCount, type ImportIssue, type RegisterRow, type RegisterSummary } from "~/domain/register-import";
import { clientInfo } from "~/utils/request.server";
import { requirePermission } from "~/utils/session.server";
import { readForm, readUpload, uploadedFile } from "~/utils/upload.server";

const MAX_FILE_BYTES = 20 * 1024 * 1024;

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, "register:import");
  return null;
}

type ActionResult =
  | { stage: "issues"; issues: ImportIssue[] }
  | { stage: "preview"; importId: number; filename: string; summary: RegisterSummary; sample: RegisterRow[] }
  | { stage: "applied"; summary: RegisterSummary }
  | { stage: "cancelled" }
  | { stage: "gone" };

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requirePermission(request, "register:import");
  if (request.headers.get("Content-Type")?.startsWith("multipart/form-data")) {
    const form = await readUpload(request, MAX_FILE_BYTES);
    if (!form)
      return data<ActionResult>(
        { stage: "issues", issues: [{ line: null, column: null, key: "upload.tooLarge", params: { mb: MAX_FILE_BYTES / 1024 / 1024 } }] },
        { status: 413 },
      );
    const file = uploadedFile(form, "upload.noFile");
    if (!(file instanceof File))
      return data<ActionResult>({ stage: "issues", issues: [{ line: null, column: null, ...file }] }, { status: 400 });
    const preview = await previewRegisterImport(user, { name: file.name, data: new Uint8Array(await file.arrayBuffer()) });
    if (!preview.ok) return data<ActionResult>({ stage: "issues", issues: preview.issues }, { status: 422 });
    return data<ActionResult>({ stage: "preview", filename: file.name, ...preview });
  }
  const form = await readForm(request);
  const importId = Number(form.get("importId"));
  if (form.get("intent") === "cancel") {
    await cancelRegisterImport(user, importId);
    return data<ActionResult>({ stage: "cancelled" });
  }
  const result = await confirmRegisterImport(user, importId, clientInfo(request, context).ip);
  if (!result) return data<ActionResult>({ stage: "gone" }, { status: 409 });
  if (!result.ok) return data<ActionResult>({ stage: "issues", issues: result.issues }, { status: 422 });
  return data<ActionResult>({ stage: "applied", summary: result.summary });
}

function Summary({ summary }: { summary: RegisterSummary }) {
  const t = useT();
  const rows: [string, number][] = [
    [t("register.summary.rows"), summary.rows],
    [t("register.summary.streets"), summary.placesCreated.street],
    [t("register.summary.communities"), summary.placesCreated.community],
    [t("register.summary.compounds"), summary.placesCreated.compound],
    [t("register.summary.buildings"), summary.placesCreated.building],
    [t("register.summary.stairwells"), summary.placesCreated.stairwell],
    [t("register.summary.householdsCreated"), summary.householdsCreated],
    [t("register.summary.householdsUpdated"), summary.householdsUpdated],
    [t("register.summary.householdsUnchanged"), summary.householdsUnchanged],
    [t("register.summary.gridsCreated"), summary.gridsCreated],
    [t("register.summary.gridsUpdated"), summary.gridsUpdated],
    [t("register.summary.gridBuildingsChanged"), summary.gridBuildingsChanged],
  ];
  return (
    <div className="table-wrap">
      <table data-testid="import-summary">
        <tbody>
          {rows.map(([label, n]) => (
            <tr key={label}>
              <th>{label}</th>
              <td className="num">{n.toLocaleString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export default function RegisterImport() {
  const t = useT();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  return (
    <>
      <h1>{t("register.title")}</h1>
      {result?.stage === "issues" && (
        <div className="alert error" role="alert">
          <strong>{t("register.rejected", { n: result.issues.length })}</strong>
          <IssueList issues={result.issues} />
        </div>
      )}
      {result?.stage === "applied" && (
        <div className="alert ok" role="status">
          <strong>{changeCount(result.summary) === 0 ? t("register.nothingChanged") : t("register.applied")}</strong>
          <Summary summary={result.summary} />
        </div>
      )}
      {result?.stage === "cancelled" && <p className="alert warn">{t("register.cancelled")}</p>}
      {result?.stage === "gone" && <p className="alert warn">{t("register.gone")}</p>}
      {result?.stage === "preview" ? (
        <section className="card">
          <h2>{t("register.previewTitle", { file: result.filename })}</h2>
          <p>{changeCount(result.summary) === 0 ? t("register.previewNoChange") : t("register.previewIntro")}</p>
          <Summary summary={result.summary} />
          <h2>{t("register.sample")}</h2>
          <DataTable
            columns={[
              { num: t("register.line") },
              t("level.street"),
              t("level.community"),
              t("level.compound"),
              t("level.building"),
              t("level.stairwell"),
              t("register.room"),
              t("grids.name"),
            ]}
            rows={result.sample}
            row={(r) => (
              <tr key={r.line}>
                <td className="num">{r.line}</td>
                <td>{r.street}</td>
                <td>{r.community}</td>
                <td>{r.compound}</td>
                <td>{r.building}</td>
                <td>{r.stairwell ?? ""}</td>
                <td>{r.room}</td>
                <td>{r.grid ?? ""}</td>
              </tr>
            )}
          />
          <Form method="post" className="actions" style={{ marginTop: "0.8rem" }}>
            <input type="hidden" name="importId" value={result.importId} />
            <button type="submit" name="intent" value="confirm" className="button" disabled={busy}>
              {t("register.confirm")}
            </button>
            <button type="submit" name="intent" value="cancel" className="button secondary" disabled={busy}>
              {t("register.cancel")}
            </button>
          </Form>
        </section>
      ) : (
        <section className="card">
          <p>{t("register.intro")}</p>
          <p className="muted">{t("register.columns")}</p>
          <p>
            <Link to="/register/template" reloadDocument>
              {t("register.template")}
            </Link>
          </p>
          <Form method="post" encType="multipart/form-data" className="stack">
            <FileField label={t("register.file")} accept={TABLE_ACCEPT} />
            <button type="submit" className="button" disabled={busy}>
              {busy ? t("register.checking") : t("register.upload")}
            </button>
          </Form>
        </section>
      )}
    </>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
