// Import of the place register (street → … → household, plus grids) from CSV/XLSX.
// Preview is a dry run of the real import inside a transaction that is rolled back, so the
// numbers shown are exactly what confirming will do. Confirming is all-or-nothing, and
// idempotent on the natural keys: re-importing a file changes nothing. Households absent from
// a file are kept (a file may cover one community only).
import { createHash } from "node:crypto";
import { sql } from "~/db.server";
import type { TransactionSql } from "postgres";
import { parseRegister, type ImportIssue, type RegisterRow, type RegisterSummary } from "~/domain/register-import";
import { readTable, TableReadError } from "~/utils/tabular.server";
import { recordAudit } from "~/models/audit.server";
import { recountTallies } from "~/models/visits.server";
import type { CurrentUser } from "~/models/users.server";

type Tx = TransactionSql<Record<string, never>>;

const PLACE_LEVELS = ["street", "community", "compound", "building", "stairwell"] as const;
const CHUNK = 5000;

function chunks<T>(items: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Writes the rows into the county's register; used by the import and by the demo seed. */
export async function applyRegisterRows(tx: Tx, countyId: number, rows: RegisterRow[]): Promise<RegisterSummary> {
  const [root] = await tx<{ id: number }[]>`select id from places where county_id = ${countyId} and level = 'county'`;
  const idByKey = new Map<string, number>();
  for (const p of await tx<{ id: number; parentId: number; name: string }[]>`
    select id, parent_id as "parentId", name from places where county_id = ${countyId} and parent_id is not null`)
    idByKey.set(`${p.parentId}/${p.name}`, p.id);

  const placesCreated = { street: 0, community: 0, compound: 0, building: 0, stairwell: 0 };
  // The place id of each row at the deepest level resolved so far.
  const current = rows.map(() => root.id);
  const buildingOf: number[] = [];
  for (const level of PLACE_LEVELS) {
    const missing = new Map<string, { parent_id: number; name: string; sort_order: number }>();
    rows.forEach((row, i) => {
      const name = row[level];
      if (name === null) return;
      const key = `${current[i]}/${name}`;
      if (!idByKey.has(key) && !missing.has(key)) missing.set(key, { parent_id: current[i], name, sort_order: row.line });
    });
    for (const batch of chunks([...missing.values()])) {
      const created = await tx<{ id: number; parentId: number; name: string }[]>`
        insert into places ${tx(batch.map((b) => ({ ...b, county_id: countyId, level })))}
        returning id, parent_id as "parentId", name`;
      for (const p of created) idByKey.set(`${p.parentId}/${p.name}`, p.id);
      placesCreated[level] += created.length;
    }
    rows.forEach((row, i) => {
      const name = row[level];
      if (name !== null) current[i] = idByKey.get(`${current[i]}/${name}`)!;
      if (level === "building") buildingOf[i] = current[i];
    });
  }

  let householdsCreated = 0;
  let householdsUpdated = 0;
  const households = rows.map((row, i) => ({
    county_id: countyId,
    place_id: current[i],
    building_id: buildingOf[i],
    room: row.room,
    vacant: row.vacant,
  }));
  for (const batch of chunks(households)) {
    const changed = await tx<{ inserted: boolean }[]>`
      insert into households ${tx(batch)}
      on conflict (place_id, room) do update set vacant = excluded.vacant
        where households.vacant is distinct from excluded.vacant
      returning (xmax = 0) as inserted`;
    for (const c of changed) {
      if (c.inserted) householdsCreated++;
      else householdsUpdated++;
    }
  }

  const grids = new Map<string, { row: RegisterRow; buildings: Set<number>; community: number }>();
  rows.forEach((row, i) => {
    if (!row.grid) return;
    const communityId = idByKey.get(`${idByKey.get(`${root.id}/${row.street}`)}/${row.community}`)!;
    const grid = grids.get(row.grid) ?? { row, buildings: new Set<number>(), community: communityId };
    grid.buildings.add(buildingOf[i]);
    grids.set(row.grid, grid);
  });
  let gridsCreated = 0;
  let gridsUpdated = 0;
  let gridBuildingsChanged = 0;
  for (const [name, grid] of grids) {
    const [saved] = await tx<{ id: number; inserted: boolean }[]>`
      insert into grids (county_id, community_id, name, leader_name, leader_phone, responsible_unit)
      values (${countyId}, ${grid.community}, ${name}, ${grid.row.gridLeader}, ${grid.row.gridLeaderPhone}, ${grid.row.gridUnit})
      on conflict (county_id, name) do update set
        community_id = excluded.community_id, leader_name = excluded.leader_name,
        leader_phone = excluded.leader_phone, responsible_unit = excluded.responsible_unit
      where (grids.community_id, grids.leader_name, grids.leader_phone, grids.responsible_unit)
        is distinct from (excluded.community_id, excluded.leader_name, excluded.leader_phone, excluded.responsible_unit)
      returning id, (xmax = 0) as inserted`;
    let gridId = saved?.id;
    if (saved?.inserted) gridsCreated++;
    else if (saved) gridsUpdated++;
    else [{ id: gridId }] = await tx<{ id: number }[]>`select id from grids where county_id = ${countyId} and name = ${name}`;
    const links = [...grid.buildings].map((building_id) => ({ county_id: countyId, grid_id: gridId, building_id }));
    const moved = await tx`
      insert into grid_buildings ${tx(links)}
      on conflict (building_id) do update set grid_id = excluded.grid_id
        where grid_buildings.grid_id <> excluded.grid_id
      returning building_id`;
    gridBuildingsChanged += moved.length;
  }

  // The coverage tallies count the register's households (and its vacancy flag).
  await recountTallies(tx, { countyId });

  return {
    rows: rows.length,
    placesCreated,
    householdsCreated,
    householdsUpdated,
    householdsUnchanged: rows.length - householdsCreated - householdsUpdated,
    gridsCreated,
    gridsUpdated,
    gridBuildingsChanged,
  };
}

/** Rows outside the importing user's subtree are refused: the scope's names must lead each row. */
async function scopeIssues(user: CurrentUser, rows: RegisterRow[]): Promise<ImportIssue[]> {
  const scopeNames = await sql<{ name: string; level: string }[]>`
    select a.name, a.level from places s join places a on a.id = any(s.path)
    where s.county_id = ${user.countyId} and a.county_id = ${user.countyId} and s.id = ${user.scopePlaceId} and a.level <> 'county' order by array_length(a.path, 1)`;
  const issues: ImportIssue[] = [];
  for (const row of rows) {
    const mismatch = scopeNames.find((s) => row[s.level as (typeof PLACE_LEVELS)[number]] !== s.name);
    if (mismatch)
      issues.push({
        line: row.line,
        column: null,
        key: "register.outOfScope",
        params: { scope: scopeNames.map((s) => s.name).join(" / ") },
      });
    if (issues.length >= 200) break;
  }
  return issues;
}

class DryRun extends Error {
  constructor(public summary: RegisterSummary) {
    super("dry run");
  }
}

export type RegisterPreview =
  { ok: false; issues: ImportIssue[] } | { ok: true; importId: number; summary: RegisterSummary; sample: RegisterRow[] };

export async function previewRegisterImport(user: CurrentUser, file: { name: string; data: Uint8Array }): Promise<RegisterPreview> {
  let parsed: ReturnType<typeof parseRegister>;
  try {
    parsed = parseRegister(await readTable(file.data, file.name));
  } catch (error) {
    if (error instanceof TableReadError) return { ok: false, issues: [{ line: null, column: null, key: error.key, params: error.params }] };
    throw error;
  }
  if (parsed.issues.length) return { ok: false, issues: parsed.issues };
  const outOfScope = await scopeIssues(user, parsed.rows);
  if (outOfScope.length) return { ok: false, issues: outOfScope };

  let summary: RegisterSummary | undefined;
  try {
    await sql.begin(async (tx) => {
      throw new DryRun(await applyRegisterRows(tx, user.countyId, parsed.rows));
    });
  } catch (error) {
    if (!(error instanceof DryRun)) throw error;
    summary = error.summary;
  }
  const sha256 = createHash("sha256").update(file.data).digest("hex");
  const [saved] = await sql<{ id: number }[]>`
    insert into register_imports (county_id, user_id, filename, sha256, rows, summary)
    values (${user.countyId}, ${user.id}, ${file.name}, ${sha256},
            ${sql.json(parsed.rows as never)}, ${sql.json(summary as never)})
    returning id`;
  return { ok: true, importId: saved.id, summary: summary!, sample: parsed.rows.slice(0, 20) };
}

export type RegisterConfirmation = { ok: true; summary: RegisterSummary } | { ok: false; issues: ImportIssue[] } | null;

/** Applies a previewed import; null when it is not (or no longer) pending for this user. */
export async function confirmRegisterImport(user: CurrentUser, importId: number, ip: string | null): Promise<RegisterConfirmation> {
  type Outcome = { issues: ImportIssue[] } | { filename: string; result: RegisterSummary } | null;
  const outcome = await sql.begin(async (tx): Promise<Outcome> => {
    const [pending] = await tx<{ filename: string; rows: RegisterRow[] }[]>`
      select filename, rows from register_imports
      where id = ${importId} and county_id = ${user.countyId} and user_id = ${user.id} and status = 'preview'
      for update`;
    if (!pending) return null;
    // The user's scope may have been narrowed since the preview.
    const issues = await scopeIssues(user, pending.rows);
    if (issues.length) return { issues };
    const result = await applyRegisterRows(tx, user.countyId, pending.rows);
    await tx`update register_imports set status = 'applied', applied_at = now(), summary = ${tx.json(result as never)}
             where county_id = ${user.countyId} and id = ${importId}`;
    return { filename: pending.filename, result };
  });
  if (!outcome) return null;
  if ("issues" in outcome) return { ok: false, issues: outcome.issues };
  // A county's first import adds its whole register at once: fresh statistics keep the
  // planner from taking its households for a handful (see db/seed/index.ts).
  await sql`analyze places, households`;
  await recordAudit(user, "register.import", {
    target: outcome.filename,
    details: { importId, ...outcome.result },
    ip,
  });
  return { ok: true, summary: outcome.result };
}

export async function cancelRegisterImport(user: CurrentUser, importId: number) {
  await sql`update register_imports set status = 'cancelled'
            where id = ${importId} and county_id = ${user.countyId} and user_id = ${user.id} and status = 'preview'`;
}
