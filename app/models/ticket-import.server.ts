// Importing 12345 tickets, the one path for the page, the CLI and the platform's push: the file is
// read one row at a time (app/utils/tabular.server.ts), each row read through the mapping
// (ticketFromRow), its number encrypted at once, and COPYed into `ticket_import_rows` on a
// connection of its own; duplicates inside the file are found there. Nothing reaches `tickets`
// until the import is stored: then, in one transaction, departments, the register's places, and
// chunk by chunk of ticket numbers a version row for every ticket that changes and one
// INSERT … ON CONFLICT for the rest, straight from the staging rows.
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { connect, sql } from "~/db.server";
import {
  missingColumns,
  NYC311_MAPPING,
  recogniseColumns,
  satisfactionLevel,
  TICKET_FIELDS,
  ticketFromRow,
  type TicketField,
  type TicketMapping,
  type TicketRow,
  type ImportFailure as Failure,
  type RowError,
} from "~/domain/tickets";
import { appEnv } from "~/utils/env.server";
import { protectPhone } from "~/utils/phone-crypto.server";
import { streamTable, TableReadError } from "~/utils/tabular.server";

export type ImportSource = "upload" | "cli" | "api";
export type ImportState = "uploaded" | "checking" | "checked" | "storing" | "done" | "failed" | "cancelled";

export type TicketImport = {
  id: number;
  countyId: number;
  source: ImportSource;
  filename: string;
  fileSize: number | null;
  sheet: string | null;
  mapping: TicketMapping | Record<string, never>;
  state: ImportState;
  rowsRead: number;
  rowsRejected: number;
  rowsStored: number;
  inserted: number;
  updated: number;
  unchanged: number;
  errors: RowError[];
  failure: Failure | null;
  createdAt: Date;
  finishedAt: Date | null;
  /** Left checking or storing by a process that is gone (a restart, a crash): nothing runs it any more. */
  stuck: boolean;
};

/** Row errors kept with an import (all of them are counted). */
export const KEPT_ERRORS = 200;
const PROGRESS_MS = 500;

/** Where an uploaded ticket file waits between its upload, its check and its storing. */
export function importFilePath(id: number): string {
  const dir = path.join(tmpdir(), "wenming-ticket-imports");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return path.join(dir, `import-${id}`);
}

export function removeImportFile(id: number) {
  rmSync(importFilePath(id), { force: true });
}

// The process that checks or stores an import holds a session advisory lock on it, taken before the
// import shows "checking" or "storing" and let go after its last state: an import in one of those
// states whose lock is free has no process any more. The lock is tried and let go in one
// statement, on whatever pooled connection runs it (never the holder's own).
const orphaned = (id: ReturnType<typeof sql>) => sql`
  case when state not in ('checking', 'storing') then false
       when pg_try_advisory_lock(hashtext('ticket_import'), ${id}) then pg_advisory_unlock(hashtext('ticket_import'), ${id})
       else false end`;

const importColumns = sql`
  id, county_id as "countyId", source, filename, file_size::float8 as "fileSize", sheet, mapping, state,
  rows_read as "rowsRead", rows_rejected as "rowsRejected", rows_stored as "rowsStored", inserted, updated,
  unchanged, errors, failure, created_at as "createdAt", finished_at as "finishedAt", ${orphaned(sql`id`)} as stuck`;

/**
 * Holds an import for the process working on it, on a connection of its own; the returned function
 * lets go. One that somebody already works on (a second click on "store") is refused at once.
 */
async function holdImport(importId: number): Promise<() => Promise<void>> {
  const holder = connect(appEnv().DATABASE_URL!, 1);
  try {
    const [{ held }] = await holder<{ held: boolean }[]>`select pg_try_advisory_lock(hashtext('ticket_import'), ${importId}) as held`;
    if (!held) throw new Error(`ticket import ${importId} is being checked or stored already`);
  } catch (error) {
    await holder.end();
    throw error;
  }
  return () => holder.end();
}

export async function createTicketImport(input: {
  countyId: number;
  userId: number | null;
  tokenId?: number | null;
  source: ImportSource;
  filename: string;
  fileSize: number | null;
}): Promise<number> {
  const [row] = await sql<{ id: number }[]>`
    insert into ticket_imports (county_id, user_id, token_id, source, filename, file_size)
    values (${input.countyId}, ${input.userId}, ${input.tokenId ?? null}, ${input.source}, ${input.filename.slice(0, 300) || "tickets"}, ${input.fileSize})
    returning id`;
  return row.id;
}

export async function getTicketImport(countyId: number, id: number): Promise<TicketImport | null> {
  const [row] = await sql<TicketImport[]>`select ${importColumns} from ticket_imports where id = ${id} and county_id = ${countyId}`;
  return row ?? null;
}

export async function recentTicketImports(countyId: number, limit = 10): Promise<TicketImport[]> {
  return sql<TicketImport[]>`
    select ${importColumns} from ticket_imports where county_id = ${countyId} and source <> 'api'
    order by id desc limit ${limit}`;
}

async function fail(countyId: number, id: number, failure: Failure) {
  await sql`
    update ticket_imports set state = 'failed', failure = ${sql.json(failure)}, finished_at = now()
    where county_id = ${countyId} and id = ${id}`;
  await sql`delete from ticket_import_rows where county_id = ${countyId} and import_id = ${id}`;
}

// ---------------------------------------------------------------------------------------------
// Mappings

export const BUILT_IN_MAPPINGS: TicketMapping[] = [NYC311_MAPPING];

export async function listMappings(countyId: number): Promise<TicketMapping[]> {
  const saved = await sql<{ name: string; columns: TicketMapping["columns"] }[]>`
    select name, columns from ticket_mappings where county_id = ${countyId} order by name`;
  return [...BUILT_IN_MAPPINGS, ...saved.map((m) => ({ name: m.name, columns: m.columns }))];
}

export async function findMapping(countyId: number, name: string): Promise<TicketMapping | null> {
  return (await listMappings(countyId)).find((m) => m.name === name) ?? null;
}

export function isBuiltInMapping(name: string): boolean {
  return BUILT_IN_MAPPINGS.some((m) => m.name === name);
}

/** Saves (or replaces) a named mapping of the county. The shipped names cannot be taken. */
export async function saveMapping(countyId: number, userId: number | null, mapping: TicketMapping) {
  if (isBuiltInMapping(mapping.name)) throw new Error(`the mapping name ${mapping.name} is built in`);
  await sql`
    insert into ticket_mappings (county_id, name, columns, created_by)
    values (${countyId}, ${mapping.name}, ${sql.json(mapping.columns)}, ${userId})
    on conflict (county_id, name) do update set columns = excluded.columns, updated_at = now()`;
}

// ---------------------------------------------------------------------------------------------
// Reading a file

export type FileLayout = { sheet: string | null; headers: string[]; suggested: TicketMapping };

/** The header row of a file (of its chosen sheet), and the mapping its headers suggest. */
export async function readLayout(filePath: string, filename: string, sheet: string | null): Promise<FileLayout> {
  const table = await streamTable(filePath, filename, { sheet });
  await table.rows.return(undefined);
  return { sheet: table.sheet, headers: table.headers, suggested: recogniseColumns(table.headers) };
}

/**
 * What keeps a mapping from reading a file: a required field without a column of the file. A
 * mapped optional column the file lacks reads as empty (the 2013 NYC layout has no resolution).
 */
export function mappingProblems(mapping: TicketMapping, headers: string[]): Failure[] {
  return missingColumns(mapping, headers).map((field) => ({
    key: "tickets.import.missingColumn",
    params: { field: `tickets.field.${field}`, column: mapping.columns[field] ?? "" },
  }));
}

// ---------------------------------------------------------------------------------------------
// Checking: rows into the staging table

type Staged = {
  line: number;
  ticket: TicketRow | null;
  number: string | null;
  phone: ReturnType<typeof protectPhone>;
  problems: { field: TicketField | null; key: string; params?: Record<string, string | number> }[];
};

/** One row of COPY's text format (tab-separated, \N for null, backslash escapes). */
function copyText(value: string | null): string {
  if (value === null) return "\\N";
  if (!/[\\\t\n\r]/.test(value)) return value;
  return value.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r");
}

function copyLine(countyId: number, importId: number, row: Staged): string {
  const t = row.ticket;
  const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);
  const fields: (string | null)[] = [
    String(countyId),
    String(importId),
    String(row.line),
    t?.number ?? row.number,
    iso(t?.receivedAt),
    iso(t?.completedAt),
    iso(t?.dueAt),
    t?.department ?? null,
    t?.category ?? null,
    t?.content ?? null,
    t?.caller ?? null,
    null, // phone_enc (11), below
    row.phone?.hash ?? null,
    row.phone?.masked ?? null,
    t?.street ?? null,
    t?.community ?? null,
    t?.area ?? null,
    t?.result ?? null,
    t ? satisfactionLevel(t.rating) : null,
    t?.rating ?? null,
    row.problems.length ? JSON.stringify(row.problems) : null,
  ];
  const text = fields.map(copyText);
  // bytea in hex, its backslash escaped for COPY's text format.
  if (row.phone) text[11] /* phone_enc */ = `\\\\x${row.phone.enc.toString("hex")}`;
  return `${text.join("\t")}\n`;
}

/** A row of the file (or of a push) read through the mapping, its number protected. */
function stageRow(line: number, record: Record<string, string>, mapping: TicketMapping, extraCells: boolean): Staged {
  const result = ticketFromRow(record, mapping);
  const numberHeader = mapping.columns.number;
  const number = numberHeader ? (record[numberHeader] ?? "").trim().slice(0, 100) || null : null;
  const problems: Staged["problems"] = "problems" in result ? result.problems.map((p) => ({ field: p.field, key: p.key })) : [];
  if (extraCells) problems.push({ field: null, key: "tickets.error.extraCells" });
  let phone: Staged["phone"] = null;
  if ("ticket" in result && result.ticket.phone !== null) {
    phone = protectPhone(result.ticket.phone);
    if (!phone) problems.push({ field: "phone", key: "tickets.error.phone" });
  }
  if ("ticket" in result && result.ticket.number.length > 100) problems.push({ field: "number", key: "tickets.error.tooLong" });
  return { line, ticket: problems.length === 0 && "ticket" in result ? result.ticket : null, number, phone, problems };
}

type Progress = { read: number; rejected: number };

/**
 * Stages rows (from a file or a push) for an import, updating its progress at most twice a second;
 * then flags every repeat of a ticket number inside the import. Ends `checked` with the counts and
 * the first row errors, or `failed` with what made the file unreadable.
 */
async function stageRows(
  countyId: number,
  importId: number,
  mapping: TicketMapping,
  rows: AsyncIterable<{ line: number; record: Record<string, string>; extraCells: boolean }>,
  onProgress?: (p: Progress) => void,
): Promise<void> {
  const loader = connect(appEnv().DATABASE_URL!, 1);
  const progress: Progress = { read: 0, rejected: 0 };
  let reported = Date.now();
  try {
    const copy = loader`
      copy ticket_import_rows (county_id, import_id, line, ticket_no, received_at, completed_at, due_at, department, category,
        content, caller_name, phone_enc, phone_hash, phone_masked, street, community, area, result, satisfaction,
        satisfaction_raw, problems) from stdin`;
    const writable = await copy.writable();
    // Its failures arrive through the stream; an abandoned COPY rejects the query too.
    copy.catch(() => {});
    const done = new Promise<void>((resolve, reject) => {
      writable.on("finish", resolve);
      writable.on("error", reject);
    });
    let buffer = "";
    try {
      for await (const { line, record, extraCells } of rows) {
        const staged = stageRow(line, record, mapping, extraCells);
        progress.read++;
        if (staged.problems.length) progress.rejected++;
        buffer += copyLine(countyId, importId, staged);
        if (buffer.length > 256 * 1024) {
          if (!writable.write(buffer)) await new Promise((resolve) => writable.once("drain", resolve));
          buffer = "";
        }
        if (Date.now() - reported > PROGRESS_MS) {
          reported = Date.now();
          onProgress?.(progress);
          await sql`update ticket_imports set rows_read = ${progress.read}, rows_rejected = ${progress.rejected} where county_id = ${countyId} and id = ${importId}`;
        }
      }
    } catch (error) {
      // A file that turns out unreadable half-way: abandon the COPY (its rows never commit).
      done.catch(() => {});
      writable.destroy(error instanceof Error ? error : new Error(String(error)));
      await loader.end({ timeout: 0 });
      throw error;
    }
    writable.end(buffer);
    await done;
  } finally {
    await loader.end();
  }
  await sql`
    with dup as (
      select ticket_no, min(line) as first from ticket_import_rows
      where county_id = ${countyId} and import_id = ${importId} and ticket_no is not null group by ticket_no having count(*) > 1)
    update ticket_import_rows r
    set problems = coalesce(r.problems, '[]'::jsonb)
      || jsonb_build_array(jsonb_build_object('field', 'number', 'key', 'tickets.error.duplicate', 'params', jsonb_build_object('firstLine', dup.first)))
    from dup
    where r.county_id = ${countyId} and r.import_id = ${importId} and r.ticket_no = dup.ticket_no and r.line <> dup.first`;
  const [{ rejected }] = await sql<{ rejected: number }[]>`
    select count(*)::int as rejected from ticket_import_rows where county_id = ${countyId} and import_id = ${importId} and problems is not null`;
  const errors = await rowErrors(countyId, importId, mapping);
  await sql`
    update ticket_imports set state = 'checked', rows_read = ${progress.read}, rows_rejected = ${rejected},
      errors = ${sql.json(errors)}, checked_at = now()
    where county_id = ${countyId} and id = ${importId}`;
  onProgress?.({ read: progress.read, rejected });
}

async function rowErrors(countyId: number, importId: number, mapping: TicketMapping): Promise<RowError[]> {
  const rows = await sql<
    { line: number; problems: { field: TicketField | null; key: string; params?: Record<string, string | number> }[] }[]
  >`
    select line, problems from ticket_import_rows
    where county_id = ${countyId} and import_id = ${importId} and problems is not null order by line limit ${KEPT_ERRORS}`;
  return rows.flatMap(({ line, problems }) =>
    problems.map((p) => ({
      line,
      field: p.field,
      column: p.field ? (mapping.columns[p.field] ?? p.field) : null,
      key: p.key,
      params: p.params ?? {},
    })),
  );
}

/** Checks an uploaded or given file against a mapping: reads every row into the staging table. */
export async function checkTicketFile(
  countyId: number,
  importId: number,
  file: { path: string; filename: string; sheet: string | null },
  mapping: TicketMapping,
  onProgress?: (p: Progress) => void,
  onStarted?: () => void,
): Promise<TicketImport> {
  const release = await holdImport(importId);
  try {
    await sql`
      update ticket_imports set state = 'checking', sheet = ${file.sheet}, mapping = ${sql.json(mapping)},
        rows_read = 0, rows_rejected = 0, errors = '[]', failure = null
      where county_id = ${countyId} and id = ${importId}`;
    onStarted?.();
    await sql`delete from ticket_import_rows where county_id = ${countyId} and import_id = ${importId}`;
    try {
      const table = await streamTable(file.path, file.filename, { sheet: file.sheet });
      const problems = mappingProblems(mapping, table.headers);
      if (problems.length) {
        await table.rows.return(undefined);
        await fail(countyId, importId, problems[0]);
      } else {
        const headers = table.headers;
        async function* records() {
          for await (const row of table.rows) {
            const record: Record<string, string> = {};
            for (let i = 0; i < headers.length; i++) record[headers[i]] = row.cells[i] ?? "";
            const extraCells = row.cells.slice(headers.length).some((c) => c.trim() !== "");
            yield { line: row.line, record, extraCells };
          }
        }
        await stageRows(countyId, importId, mapping, records(), onProgress);
      }
    } catch (error) {
      if (!(error instanceof TableReadError)) {
        await fail(countyId, importId, { key: "tickets.import.failed", params: {} });
        throw error;
      }
      await fail(countyId, importId, { key: error.key, params: error.params });
    }
  } finally {
    await release();
  }
  const result = await sql<TicketImport[]>`select ${importColumns} from ticket_imports where county_id = ${countyId} and id = ${importId}`;
  return result[0];
}

// ---------------------------------------------------------------------------------------------
// Storing: staged good rows into tickets

const CHANGED_FIELDS = [
  "received_at",
  "completed_at",
  "due_at",
  "department_id",
  "category",
  "content",
  "caller_name",
  "phone_hash",
  "street",
  "community",
  "area",
  "place_id",
  "result",
  "original_satisfaction",
  "original_satisfaction_raw",
] as const;

/**
 * Stores the good rows of a checked import in one transaction (tickets of one county are merged one
 * import at a time): new numbers inserted, changed tickets updated with their old values kept in
 * `ticket_versions`, unchanged ones counted. The staging rows go; the file is removed.
 */
export async function storeTicketImport(
  countyId: number,
  importId: number,
  options: { chunk?: number; onStored?: (rows: number) => unknown; onStarted?: () => void } = {},
): Promise<TicketImport> {
  const release = await holdImport(importId);
  try {
    await storeHeld(countyId, importId, options.chunk ?? STORE_CHUNK, options.onStored, options.onStarted);
  } finally {
    await release();
  }
  const [row] = await sql<TicketImport[]>`select ${importColumns} from ticket_imports where county_id = ${countyId} and id = ${importId}`;
  return row;
}

/** Rows merged per statement while storing; the import's `rows_stored` shows the progress between them. */
const STORE_CHUNK = 50_000;

async function storeHeld(
  countyId: number,
  importId: number,
  chunk: number,
  onStored?: (rows: number) => unknown,
  onStarted?: () => void,
): Promise<void> {
  const [claimed] = await sql<{ id: number }[]>`
    update ticket_imports set state = 'storing', rows_stored = 0
    where id = ${importId} and county_id = ${countyId} and state = 'checked' returning id`;
  if (!claimed) throw new Error(`ticket import ${importId} is not waiting to be stored`);
  onStarted?.();
  try {
    await sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(hashtext('tickets'), ${countyId})`;
      /** A staged row `s` of this import without problems. */
      const goodRow = tx`s.county_id = ${countyId} and s.import_id = ${importId} and s.problems is null`;
      await tx`
        insert into departments (county_id, name)
        select distinct ${countyId}::int, s.department from ticket_import_rows s where ${goodRow} and s.department is not null
        on conflict (county_id, name) do nothing`;
      // Each distinct (street, community, area) of the file looked up once: the community of that
      // name (inside the named street, if any), else the street, else a street or community named
      // by the area; only a name the register holds once counts.
      await tx`
        create temp table import_places on commit drop as
        with names as (select distinct s.street, s.community, s.area from ticket_import_rows s where ${goodRow})
        select n.street, n.community, n.area, coalesce(
          (select min(c.id) from places c join places s on s.id = c.parent_id
           where c.county_id = ${countyId} and c.level = 'community' and c.name = n.community
             and (n.street is null or s.name = n.street) having count(*) = 1),
          (select min(s.id) from places s where s.county_id = ${countyId} and s.level = 'street' and s.name = n.street having count(*) = 1),
          (select min(p.id) from places p where p.county_id = ${countyId} and p.level in ('street', 'community') and p.name = n.area
           having count(*) = 1)) as place_id
        from names n`;
      await tx`analyze import_places`;
      await tx`analyze ticket_import_rows`;
      // Chunks by ticket number (unique among the good rows: a repeat in the file is a bad row),
      // read from the staging index in the order of the tickets' own unique index. Each chunk's
      // first number, from one pass over the index.
      const starts = (
        await tx<{ ticketNo: string }[]>`
          select ticket_no as "ticketNo" from (
            select s.ticket_no, row_number() over (order by s.ticket_no) as rn from ticket_import_rows s where ${goodRow}) x
          where rn % ${chunk} = 1 order by rn`
      ).map((r) => r.ticketNo);
      const [{ good }] = await tx<{ good: number }[]>`select count(*)::int as good from ticket_import_rows s where ${goodRow}`;
      /** A chunk's good rows with the departments' and the register's ids. */
      const resolved = (index: number) => tx`
        select s.ticket_no, s.received_at, s.completed_at, s.due_at, d.id as department_id, s.category, s.content,
               s.caller_name, s.phone_enc, s.phone_hash, s.phone_masked, s.street, s.community, s.area, p.place_id,
               s.result, s.satisfaction as original_satisfaction, s.satisfaction_raw as original_satisfaction_raw
        from ticket_import_rows s
        left join departments d on d.county_id = ${countyId} and d.name = s.department
        left join import_places p on coalesce(p.street, '') = coalesce(s.street, '')
          and coalesce(p.community, '') = coalesce(s.community, '') and coalesce(p.area, '') = coalesce(s.area, '')
        where ${goodRow} and s.ticket_no >= ${starts[index]}
          ${index + 1 < starts.length ? tx`and s.ticket_no < ${starts[index + 1]}` : tx``}`;
      const differs = (a: string, b: string) =>
        tx.unsafe(
          `(${CHANGED_FIELDS.map((f) => `${a}.${f}`).join(", ")}) is distinct from (${CHANGED_FIELDS.map((f) => `${b}.${f}`).join(", ")})`,
        );
      const oldValues = tx.unsafe(
        `(select jsonb_object_agg(k, coalesce(v, 'null'::jsonb)) from (values ${CHANGED_FIELDS.map(
          (f) => `('${f}', to_jsonb(t.${f}), t.${f} is distinct from r.${f})`,
        ).join(
          ", ",
        )}, ('phone_masked', to_jsonb(t.phone_masked), t.phone_hash is distinct from r.phone_hash)) x(k, v, changed) where changed)`,
      );
      // The count written so far shown on the page between the chunks (outside this transaction:
      // nothing of the tickets is visible before the end).
      let [inserted, updated, versioned, stored] = [0, 0, 0, 0];
      for (let index = 0; index < starts.length; index++) {
        const versions = await tx`
          insert into ticket_versions (county_id, ticket_id, import_id, old_values)
          select ${countyId}, t.id, ${importId}, ${oldValues}
          from (${resolved(index)}) r join tickets t on t.county_id = ${countyId} and t.ticket_no = r.ticket_no
          where ${differs("t", "r")}`;
        const written = await tx<{ inserted: boolean }[]>`
          insert into tickets as t (county_id, ticket_no, received_at, completed_at, due_at, department_id, category, content,
            caller_name, phone_enc, phone_hash, phone_masked, street, community, area, place_id, result,
            original_satisfaction, original_satisfaction_raw, import_id)
          select ${countyId}, r.ticket_no, r.received_at, r.completed_at, r.due_at, r.department_id, r.category, r.content,
            r.caller_name, r.phone_enc, r.phone_hash, r.phone_masked, r.street, r.community, r.area, r.place_id, r.result,
            r.original_satisfaction, r.original_satisfaction_raw, ${importId}
          from (${resolved(index)}) r
          on conflict (county_id, ticket_no) do update set
            received_at = excluded.received_at, completed_at = excluded.completed_at, due_at = excluded.due_at,
            department_id = excluded.department_id, category = excluded.category, content = excluded.content,
            caller_name = excluded.caller_name,
            phone_enc = case when t.phone_hash is distinct from excluded.phone_hash then excluded.phone_enc else t.phone_enc end,
            phone_hash = excluded.phone_hash, phone_masked = excluded.phone_masked, street = excluded.street,
            community = excluded.community, area = excluded.area, place_id = excluded.place_id, result = excluded.result,
            original_satisfaction = excluded.original_satisfaction, original_satisfaction_raw = excluded.original_satisfaction_raw,
            import_id = excluded.import_id, updated_at = now()
          where ${differs("t", "excluded")}
          returning (xmax = 0) as inserted`;
        const chunkInserted = written.filter((w) => w.inserted).length;
        inserted += chunkInserted;
        updated += written.length - chunkInserted;
        versioned += versions.count;
        stored = Math.min(good, (index + 1) * chunk);
        await sql`update ticket_imports set rows_stored = ${stored} where county_id = ${countyId} and id = ${importId}`;
        await onStored?.(stored);
      }
      if (updated !== versioned) throw new Error(`ticket import ${importId}: ${updated} updates but ${versioned} versions`);
      await tx`delete from ticket_import_rows where county_id = ${countyId} and import_id = ${importId}`;
      await tx`
        update ticket_imports set state = 'done', rows_stored = ${inserted + updated}, inserted = ${inserted},
          updated = ${updated}, unchanged = ${good - inserted - updated}, finished_at = now()
        where county_id = ${countyId} and id = ${importId}`;
    });
  } catch (error) {
    await fail(countyId, importId, { key: "tickets.import.failed", params: {} });
    throw error;
  } finally {
    removeImportFile(importId);
  }
}

/** What taking up a stuck import would do: store its checked rows again, check its file again, or nothing (cancel it). */
export type ResumeStep = "store" | "check" | null;

/**
 * How a stuck import can be taken up. A store is one transaction, so one interrupted while storing
 * wrote nothing: its checked rows wait to be stored again while they are all still staged (an
 * unlogged table is emptied when PostgreSQL recovers from a crash). One interrupted while checking,
 * or whose staged rows are gone, is checked again from its uploaded file while that is there.
 */
export async function resumeStep(countyId: number, ti: Pick<TicketImport, "id" | "state" | "rowsRead" | "stuck">): Promise<ResumeStep> {
  if (!ti.stuck) return null;
  if (ti.state === "storing" && ti.rowsRead > 0) {
    const [{ staged }] = await sql<{ staged: number }[]>`
      select count(*)::int as staged from ticket_import_rows where county_id = ${countyId} and import_id = ${ti.id}`;
    if (staged === ti.rowsRead) return "store";
  }
  return existsSync(importFilePath(ti.id)) ? "check" : null;
}

/**
 * Takes up a stuck import (resumeStep): back to waiting for the user's "store" with its checked
 * rows, or back to the column mapping with its file, the staged rows cleared. Returns the step
 * taken; null when the import is not stuck (it is running, or ended) or cannot be taken up.
 */
export async function resumeTicketImport(countyId: number, importId: number): Promise<ResumeStep> {
  let release: () => Promise<void>;
  try {
    release = await holdImport(importId);
  } catch {
    return null; // somebody is working on it
  }
  try {
    const [ti] = await sql<TicketImport[]>`select ${importColumns} from ticket_imports where county_id = ${countyId} and id = ${importId}`;
    if (!ti || (ti.state !== "checking" && ti.state !== "storing")) return null;
    // Held by this process, it reads as running: the step is judged as if it were let go.
    const step = await resumeStep(countyId, { ...ti, stuck: true });
    if (step === "store") {
      await sql`update ticket_imports set state = 'checked', rows_stored = 0 where county_id = ${countyId} and id = ${importId}`;
    } else if (step === "check") {
      await sql`delete from ticket_import_rows where county_id = ${countyId} and import_id = ${importId}`;
      await sql`
        update ticket_imports set state = 'uploaded', rows_read = 0, rows_rejected = 0, rows_stored = 0, errors = '[]', failure = null
        where county_id = ${countyId} and id = ${importId}`;
    }
    return step;
  } finally {
    await release();
  }
}

/**
 * Ends an import waiting for the user (uploaded, checked, failed) or stuck (left checking or
 * storing by a process that is gone) without storing anything. One still running is left alone.
 */
export async function cancelTicketImport(countyId: number, importId: number): Promise<boolean> {
  const rows = await sql`
    update ticket_imports set state = 'cancelled', finished_at = now()
    where id = ${importId} and county_id = ${countyId}
      and (state in ('uploaded', 'checked', 'failed') or ${orphaned(sql`${importId}`)})
    returning id`;
  if (rows.length === 0) return false;
  await sql`delete from ticket_import_rows where county_id = ${countyId} and import_id = ${importId}`;
  removeImportFile(importId);
  return true;
}

// ---------------------------------------------------------------------------------------------
// A push of the hotline platform (JSON), through the same staging and storing

export type PushedTicket = Partial<Record<TicketField, unknown>>;

/** The push's own mapping: each field under its own name. */
export const PUSH_MAPPING: TicketMapping = { name: "api", columns: Object.fromEntries(TICKET_FIELDS.map((f) => [f, f])) };

const TIME_FIELDS = new Set<TicketField>(["receivedAt", "completedAt", "dueAt"]);

/** An ISO 8601 time with its offset (2024-01-05T00:00:00Z) as the Beijing wall-clock text files carry; other text as given. */
function beijingWallTime(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(value.trim())) return value;
  const at = Date.parse(value);
  return Number.isNaN(at) ? value : new Date(at + 8 * 3_600_000).toISOString().slice(0, 19).replace("T", " ");
}

/** Stages and stores pushed tickets (the good ones); the rejected are reported by their index (line = index + 1). */
export async function importPushedTickets(countyId: number, importId: number, tickets: PushedTicket[]): Promise<TicketImport> {
  const release = await holdImport(importId);
  async function* records() {
    for (let i = 0; i < tickets.length; i++) {
      const record: Record<string, string> = {};
      for (const field of TICKET_FIELDS) {
        const value = tickets[i][field];
        if (typeof value === "string") record[field] = TIME_FIELDS.has(field) ? beijingWallTime(value) : value;
        else if (typeof value === "number" && Number.isFinite(value)) record[field] = String(value);
      }
      yield { line: i + 1, record, extraCells: false };
    }
  }
  try {
    await sql`update ticket_imports set state = 'checking', mapping = ${sql.json(PUSH_MAPPING)} where county_id = ${countyId} and id = ${importId}`;
    await stageRows(countyId, importId, PUSH_MAPPING, records());
  } finally {
    await release();
  }
  return storeTicketImport(countyId, importId);
}
