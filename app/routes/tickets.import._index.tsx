// 12345 ticket import, step 1: the file. It is written to disk as it arrives (a million-row export
// is never held in memory), then the import's own page takes over (mapping, check, confirmation).
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { DataTable } from "~/components/data-table";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { FileField, TABLE_ACCEPT } from "~/components/file-field";
import { useT } from "~/i18n/use-t";
import { createTicketImport, importFilePath, recentTicketImports } from "~/models/ticket-import.server";
import { requirePermission } from "~/utils/session.server";
import { receiveUploadToFile } from "~/utils/upload.server";
import { renameSync, rmSync } from "node:fs";

const MAX_TICKET_FILE_BYTES = 1024 * 1024 * 1024;

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "ticket:import");
  return { imports: await recentTicketImports(user.countyId) };
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requirePermission(request, "ticket:import");
  const pending = `${importFilePath(0)}-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const upload = await receiveUploadToFile(request, pending, MAX_TICKET_FILE_BYTES);
  if (!upload) return data({ error: "upload.tooLarge", params: { mb: MAX_TICKET_FILE_BYTES / 1024 / 1024 } }, { status: 413 });
  if (!upload.file) return data({ error: "upload.noFile", params: {} }, { status: 400 });
  if (upload.file.size === 0) {
    rmSync(pending, { force: true });
    return data({ error: "upload.empty", params: { name: upload.file.name } }, { status: 400 });
  }
  const id = await createTicketImport({
    countyId: user.countyId,
    userId: user.id,
    source: "upload",
    filename: upload.file.name,
    fileSize: upload.file.size,
  });
  renameSync(pending, importFilePath(id));
  throw redirect(`/tickets/import/${id}`);
}

export default function TicketImportStart() {
  const t = useT();
  const { imports } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  return (
    <>
      <h1>{t("tickets.import.title")}</h1>
      {result && (
        <p className="alert error" role="alert">
          {t(result.error, result.params)}
        </p>
      )}
      <section className="card">
        <p>{t("tickets.import.intro")}</p>
        <p className="muted">{t("tickets.import.formats")}</p>
        <Form method="post" encType="multipart/form-data" className="stack">
          <FileField label={t("tickets.import.file")} accept={TABLE_ACCEPT} />
          <button type="submit" className="button" disabled={busy}>
            {busy ? t("tickets.import.uploading") : t("tickets.import.upload")}
          </button>
        </Form>
      </section>
      <h2>{t("tickets.import.recent")}</h2>
      <DataTable
        columns={[
          t("tickets.import.when"),
          t("tickets.import.filename"),
          t("tickets.import.state"),
          { num: t("tickets.import.read") },
          { num: t("tickets.import.rejected") },
        ]}
        rows={imports}
        empty={<p className="muted">{t("tickets.import.none")}</p>}
        row={(i) => (
          <tr key={i.id}>
            <td>{new Date(i.createdAt).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai" })}</td>
            <td>
              <Link to={`/tickets/import/${i.id}`}>{i.filename}</Link>
            </td>
            <td>{t(i.stuck ? "tickets.import.state.stuck" : `tickets.import.state.${i.state}`)}</td>
            <td className="num">{i.rowsRead.toLocaleString()}</td>
            <td className="num">{i.rowsRejected.toLocaleString()}</td>
          </tr>
        )}
      />
    </>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
