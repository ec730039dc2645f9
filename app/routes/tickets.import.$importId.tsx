// 12345 ticket import, steps 2–4: choose the sheet and the column mapping (recognised headers,
// a saved mapping, or by hand; save it under a name), check every row with progress in the page,
// then store the good rows or nothing. Checking and storing run in the server process; the page
// polls the import's counts while they run.
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useLoaderData, useNavigation, useRevalidator, useSearchParams, useActionData } from "@remix-run/react";
import { useEffect } from "react";
import { z } from "zod";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { StatCount } from "~/components/stat";
import { describeFailure, describeRowError, TICKET_FIELDS, REQUIRED_FIELDS, type TicketMapping } from "~/domain/tickets";
import { useT } from "~/i18n/use-t";
import { recordAudit } from "~/models/audit.server";
import {
  cancelTicketImport,
  checkTicketFile,
  getTicketImport,
  importFilePath,
  isBuiltInMapping,
  listMappings,
  mappingProblems,
  readLayout,
  resumeStep,
  resumeTicketImport,
  saveMapping,
  storeTicketImport,
} from "~/models/ticket-import.server";
import { idParam, parseInput, TextField } from "~/utils/input";
import { clientInfo } from "~/utils/request.server";
import { requirePermission } from "~/utils/session.server";
import { summarizeSheets, TableReadError } from "~/utils/tabular.server";
import { existsSync } from "node:fs";

async function layoutOf(countyId: number, id: number, filename: string, search: URLSearchParams) {
  const path = importFilePath(id);
  if (!existsSync(path)) return { gone: true as const };
  try {
    let sheets: string[] = [];
    let sheet = search.get("sheet");
    if (filename.toLowerCase().endsWith(".xlsx") || !filename.includes(".")) {
      const summaries = await summarizeSheets(path, filename).catch(() => []);
      sheets = summaries.filter((s) => s.headers.length > 0).map((s) => s.name);
      if (!sheet || !sheets.includes(sheet)) sheet = sheets.length === 1 ? sheets[0] : null;
    } else sheet = null;
    if (sheets.length > 1 && sheet === null) return { sheets, sheet, headers: null, mapping: null, mappings: [] };
    const layout = await readLayout(path, filename, sheet);
    const mappings = await listMappings(countyId);
    const chosen = mappings.find((m) => m.name === search.get("mapping")) ?? layout.suggested;
    return { sheets, sheet, headers: layout.headers, mapping: chosen, mappings: mappings.map((m) => m.name) };
  } catch (error) {
    if (error instanceof TableReadError) return { failure: { key: error.key, params: error.params } };
    throw error;
  }
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "ticket:import");
  const ticketImport = await getTicketImport(user.countyId, idParam(params.importId));
  if (!ticketImport || ticketImport.source !== "upload") throw new Response("Not Found", { status: 404 });
  const layout =
    ticketImport.state === "uploaded"
      ? await layoutOf(user.countyId, ticketImport.id, ticketImport.filename, new URL(request.url).searchParams)
      : null;
  const resume = ticketImport.stuck ? await resumeStep(user.countyId, ticketImport) : null;
  return { ticketImport, layout, resume };
}

const CheckForm = z.object({
  sheet: TextField,
  saveAs: TextField.pipe(z.string().max(60, "tickets.import.mappingNameTooLong")),
  ...Object.fromEntries(TICKET_FIELDS.map((f) => [`column.${f}`, TextField])),
});

/**
 * Starts a check or a store that goes on after the response, and waits until the import shows
 * it (checking, storing) or it ended: the page the redirect lands on never shows the step before.
 */
function inBackground(run: (onStarted: () => void) => Promise<unknown>): Promise<void> {
  return new Promise((resolve) => {
    void run(resolve).finally(resolve);
  });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = await requirePermission(request, "ticket:import");
  const ticketImport = await getTicketImport(user.countyId, idParam(params.importId));
  if (!ticketImport || ticketImport.source !== "upload") throw new Response("Not Found", { status: 404 });
  const form = await request.formData();
  const intent = form.get("intent");
  const ip = clientInfo(request, context).ip;
  const self = `/tickets/import/${ticketImport.id}`;
  if (intent === "cancel") {
    if (await cancelTicketImport(user.countyId, ticketImport.id))
      await recordAudit(user, "tickets.import.cancel", { target: `ticket_import:${ticketImport.id}`, ip });
    throw redirect(self);
  }
  if (intent === "resume") {
    const step = await resumeTicketImport(user.countyId, ticketImport.id);
    if (step) await recordAudit(user, "tickets.import.resume", { target: `ticket_import:${ticketImport.id}`, details: { step }, ip });
    throw redirect(self);
  }
  if (intent === "store" && ticketImport.state === "checked") {
    await inBackground((onStarted) =>
      storeTicketImport(user.countyId, ticketImport.id, { onStarted }).then(
        (done) =>
          recordAudit(user, "tickets.import", {
            target: `ticket_import:${done.id}`,
            details: {
              file: done.filename,
              inserted: done.inserted,
              updated: done.updated,
              unchanged: done.unchanged,
              rejected: done.rowsRejected,
            },
            ip,
          }),
        (error: unknown) =>
          console.error(`ticket import ${ticketImport.id} failed to store: ${error instanceof Error ? error.message : "error"}`),
      ),
    );
    throw redirect(self);
  }
  if (intent === "check" && ticketImport.state === "uploaded") {
    const parsed = parseInput(CheckForm, form);
    if ("errors" in parsed) return data({ error: Object.values(parsed.errors)[0], params: {} }, { status: 400 });
    const columns: TicketMapping["columns"] = {};
    for (const field of TICKET_FIELDS) {
      const header = (parsed.value as Record<string, string>)[`column.${field}`];
      if (header) columns[field] = header;
    }
    const name = parsed.value.saveAs;
    const mapping: TicketMapping = { name: name || "manual", columns };
    const layout = await readLayout(importFilePath(ticketImport.id), ticketImport.filename, parsed.value.sheet || null);
    const problems = mappingProblems(mapping, layout.headers);
    if (problems.length) return data({ error: problems[0].key, params: problems[0].params }, { status: 400 });
    if (name) {
      if (isBuiltInMapping(name)) return data({ error: "tickets.import.mappingNameTaken", params: { name } }, { status: 400 });
      await saveMapping(user.countyId, user.id, mapping);
    }
    await recordAudit(user, "tickets.import.check", {
      target: `ticket_import:${ticketImport.id}`,
      details: { file: ticketImport.filename },
      ip,
    });
    await inBackground((onStarted) =>
      checkTicketFile(
        user.countyId,
        ticketImport.id,
        { path: importFilePath(ticketImport.id), filename: ticketImport.filename, sheet: parsed.value.sheet || null },
        mapping,
        undefined,
        onStarted,
      ).catch((error: unknown) =>
        console.error(`ticket import ${ticketImport.id} failed to check: ${error instanceof Error ? error.message : "error"}`),
      ),
    );
    throw redirect(self);
  }
  throw redirect(self);
}

function Counts({ items }: { items: [string, number, string][] }) {
  return (
    <div className="stats" data-testid="import-counts">
      {items.map(([label, n, id]) => (
        <StatCount key={id} label={label} n={n} testId={`count-${id}`} />
      ))}
    </div>
  );
}

export default function TicketImportPage() {
  const t = useT();
  const { ticketImport: ti, layout, resume } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const revalidator = useRevalidator();
  const [search] = useSearchParams();
  const running = (ti.state === "checking" || ti.state === "storing") && !ti.stuck;
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => {
      if (revalidator.state === "idle") revalidator.revalidate();
    }, 1000);
    return () => clearInterval(timer);
  }, [running, revalidator]);
  const good = ti.rowsRead - ti.rowsRejected;
  const errors = (
    <ul data-testid="import-issues">
      {ti.errors.map((e, i) => (
        <li key={i}>{describeRowError(t, e)}</li>
      ))}
      {ti.rowsRejected > new Set(ti.errors.map((e) => e.line)).size && (
        <li>{t("tickets.import.moreErrors", { n: ti.rowsRejected - new Set(ti.errors.map((e) => e.line)).size })}</li>
      )}
    </ul>
  );
  return (
    <>
      <h1>{t("tickets.import.title")}</h1>
      <p className="muted">
        {ti.filename}
        {ti.fileSize !== null && ` · ${(ti.fileSize / 1024 / 1024).toFixed(1)} MB`}
        {ti.sheet && ` · ${t("tickets.import.sheet")}「${ti.sheet}」`}
      </p>
      {result && (
        <p className="alert error" role="alert">
          {describeFailure(t, { key: result.error, params: result.params })}
        </p>
      )}
      {ti.state === "uploaded" && layout && "gone" in layout && <p className="alert warn">{t("tickets.import.gone")}</p>}
      {ti.state === "uploaded" && layout && "failure" in layout && layout.failure && (
        <p className="alert error" role="alert">
          {describeFailure(t, layout.failure)}
        </p>
      )}
      {ti.state === "uploaded" && layout && "sheets" in layout && (
        <section className="card">
          {(layout.sheets ?? []).length > 1 && (
            <Form method="get" className="stack">
              <label>
                {t("tickets.import.chooseSheet")}
                <select name="sheet" defaultValue={layout.sheet ?? ""}>
                  <option value="" disabled>
                    {t("tickets.import.sheetPrompt", { n: (layout.sheets ?? []).length })}
                  </option>
                  {(layout.sheets ?? []).map((s) => (
                    <option key={s} value={s}>
                      {s}
                    </option>
                  ))}
                </select>
              </label>
              <button type="submit" className="button secondary">
                {t("tickets.import.useSheet")}
              </button>
            </Form>
          )}
          {layout.headers && layout.mapping && (
            <>
              <Form method="get" className="inline-form">
                {layout.sheet && <input type="hidden" name="sheet" value={layout.sheet} />}
                <label>
                  {t("tickets.import.savedMapping")}
                  <select name="mapping" defaultValue={search.get("mapping") ?? ""}>
                    <option value="">{t("tickets.import.recognised")}</option>
                    {layout.mappings.map((m) => (
                      <option key={m} value={m}>
                        {m}
                      </option>
                    ))}
                  </select>
                </label>
                <button type="submit" className="button secondary">
                  {t("tickets.import.applyMapping")}
                </button>
              </Form>
              <Form method="post" className="stack" key={`${layout.sheet}-${layout.mapping.name}`}>
                <input type="hidden" name="sheet" value={layout.sheet ?? ""} />
                <h2>{t("tickets.import.mapping")}</h2>
                <p className="muted">{t("tickets.import.mappingIntro")}</p>
                <div className="mapping-grid">
                  {TICKET_FIELDS.map((field) => {
                    const mapped = layout.mapping!.columns[field];
                    return (
                      <label key={field}>
                        {t(`tickets.field.${field}`)}
                        {REQUIRED_FIELDS.includes(field) && <span className="required"> *</span>}
                        <select name={`column.${field}`} defaultValue={mapped && layout.headers!.includes(mapped) ? mapped : ""}>
                          <option value="">{t("tickets.import.notInFile")}</option>
                          {layout.headers!.map((h) => (
                            <option key={h} value={h}>
                              {h}
                            </option>
                          ))}
                        </select>
                      </label>
                    );
                  })}
                </div>
                <label>
                  {t("tickets.import.saveAs")}
                  <input name="saveAs" maxLength={60} placeholder={t("tickets.import.saveAsHint")} />
                </label>
                <div className="actions">
                  <button type="submit" name="intent" value="check" className="button" disabled={busy}>
                    {t("tickets.import.check")}
                  </button>
                  <button type="submit" name="intent" value="cancel" className="button secondary" disabled={busy} formNoValidate>
                    {t("tickets.import.cancel")}
                  </button>
                </div>
              </Form>
            </>
          )}
        </section>
      )}
      {ti.stuck && (
        <section className="alert error" role="alert" data-testid="import-stuck">
          <p>{t("tickets.import.stuck", { step: t(`tickets.import.stuckStep.${ti.state as "checking" | "storing"}`) })}</p>
          <p>{t(`tickets.import.resumeHint.${resume ?? "none"}`)}</p>
          <Form method="post" className="actions">
            {resume && (
              <button type="submit" name="intent" value="resume" className="button" disabled={busy}>
                {t(`tickets.import.resume.${resume}`)}
              </button>
            )}
            <button type="submit" name="intent" value="cancel" className="button secondary" disabled={busy}>
              {t("tickets.import.cancel")}
            </button>
          </Form>
        </section>
      )}
      {ti.state === "checking" && !ti.stuck && (
        <section className="card" role="status">
          <h2>{t("tickets.import.checking")}</h2>
          <Counts
            items={[
              [t("tickets.import.read"), ti.rowsRead, "read"],
              [t("tickets.import.rejected"), ti.rowsRejected, "rejected"],
            ]}
          />
        </section>
      )}
      {ti.state === "checked" && (
        <section className="card">
          <h2>{t("tickets.import.checked")}</h2>
          <Counts
            items={[
              [t("tickets.import.read"), ti.rowsRead, "read"],
              [t("tickets.import.good"), good, "good"],
              [t("tickets.import.rejected"), ti.rowsRejected, "rejected"],
            ]}
          />
          {ti.rowsRejected > 0 && (
            <div className="alert error" role="alert">
              <strong>{t("tickets.import.rowErrors", { n: ti.rowsRejected })}</strong>
              {errors}
            </div>
          )}
          <p>{ti.rowsRejected > 0 ? t("tickets.import.goodOrNothing", { n: good }) : t("tickets.import.allGood", { n: good })}</p>
          <Form method="post" className="actions">
            {good > 0 && (
              <button type="submit" name="intent" value="store" className="button" disabled={busy}>
                {ti.rowsRejected > 0 ? t("tickets.import.storeGood", { n: good }) : t("tickets.import.store", { n: good })}
              </button>
            )}
            <button type="submit" name="intent" value="cancel" className="button secondary" disabled={busy}>
              {t("tickets.import.storeNothing")}
            </button>
          </Form>
        </section>
      )}
      {ti.state === "storing" && !ti.stuck && (
        <section className="card" role="status">
          <h2>{t("tickets.import.storing", { n: good })}</h2>
          <Counts
            items={[
              [t("tickets.import.storedSoFar"), ti.rowsStored, "stored"],
              [t("tickets.import.good"), good, "good"],
              [t("tickets.import.rejected"), ti.rowsRejected, "rejected"],
            ]}
          />
        </section>
      )}
      {ti.state === "done" && (
        <section className="alert ok" role="status">
          <strong>{ti.rowsStored === 0 ? t("tickets.import.nothingChanged") : t("tickets.import.done")}</strong>
          <Counts
            items={[
              [t("tickets.import.read"), ti.rowsRead, "read"],
              [t("tickets.import.inserted"), ti.inserted, "inserted"],
              [t("tickets.import.updated"), ti.updated, "updated"],
              [t("tickets.import.unchanged"), ti.unchanged, "unchanged"],
              [t("tickets.import.rejected"), ti.rowsRejected, "rejected"],
            ]}
          />
          {ti.rowsRejected > 0 && errors}
          <p>
            <Link to="/tickets">{t("tickets.import.toList")}</Link>
          </p>
        </section>
      )}
      {ti.state === "failed" && ti.failure && (
        <p className="alert error" role="alert">
          {describeFailure(t, ti.failure)}
        </p>
      )}
      {ti.state === "cancelled" && <p className="alert warn">{t("tickets.import.cancelled")}</p>}
      {(ti.state === "failed" || ti.state === "cancelled" || ti.state === "done") && (
        <p>
          <Link to="/tickets/import">{t("tickets.import.again")}</Link>
        </p>
      )}
    </>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
