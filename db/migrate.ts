// Forward-only numbered SQL migrations (db/migrations/NNN_name.sql), each applied once. All
// pending migrations run in one transaction, under a transaction-level advisory lock: a second
// app instance starting at the same time waits for it, then finds nothing left to apply; a
// failing migration leaves the schema as it was.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Sql, TransactionSql } from "postgres";

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "migrations");
const LOCK_KEY = 7_402_315_991; // arbitrary constant shared by every instance of this app

export type Migration = { version: number; name: string; file: string };

export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const migrations = readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .map((file) => {
      const match = /^(\d+)_([\w-]+)\.sql$/.exec(file);
      if (!match) throw new Error(`migration file name must be NNN_name.sql: ${file}`);
      return { version: Number(match[1]), name: match[2], file: path.join(dir, file) };
    })
    .sort((a, b) => a.version - b.version);
  migrations.forEach((m, i) => {
    if (i > 0 && m.version === migrations[i - 1].version) throw new Error(`two migrations numbered ${m.version}`);
  });
  return migrations;
}

/**
 * Rows a migration's new table derives from the rows already there, written by the app's own code
 * (which SQL cannot call) in the migration's transaction: by version.
 */
const BACKFILLS: Record<number, (tx: TransactionSql) => Promise<void>> = {
  20: async (tx) => {
    const [{ called }] = await tx<{ called: boolean }[]>`
      select exists (select 1 from callbacks) or exists (select 1 from followups) as called`;
    if (!called) return;
    const { rebuildCallbackStates } = await import("../app/models/callback-states.server");
    await rebuildCallbackStates(tx);
  },
};

/** Applies pending migrations; returns the names applied. */
export async function migrate(sql: Sql, dir = MIGRATIONS_DIR): Promise<string[]> {
  const migrations = listMigrations(dir);
  const applied: string[] = [];
  await sql.begin(async (tx) => {
    // Transaction-level lock: released on commit, held while the migrations run.
    await tx`select pg_advisory_xact_lock(${LOCK_KEY})`;
    await tx`create table if not exists schema_migrations (
      version integer primary key, name text not null, applied_at timestamptz not null default now())`;
    const done = new Set((await tx<{ version: number }[]>`select version from schema_migrations`).map((r) => r.version));
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await tx.unsafe(readFileSync(m.file, "utf8"));
      await BACKFILLS[m.version]?.(tx);
      await tx`insert into schema_migrations (version, name) values (${m.version}, ${m.name})`;
      applied.push(`${m.version}_${m.name}`);
    }
  });
  return applied;
}
