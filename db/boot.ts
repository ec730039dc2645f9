// Start-up shared by the server and the CLI: find (or start) the database, check it answers,
// apply migrations. Sets DATABASE_URL and SESSION_SECRET in process.env for the app modules,
// which are imported only after this has run.
import postgres from "postgres";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "./embedded";
import { migrate } from "./migrate";
import { readEnv } from "../app/utils/env.server";

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export class DatabaseUnavailable extends Error {}

export type Booted = { embedded: EmbeddedDatabase | null; applied: string[]; url: string };

/** Redacts the password of a connection URL for printing. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(invalid URL)";
  }
}

export async function bootDatabase(log: (line: string) => void): Promise<Booted> {
  const env = readEnv();
  let embedded: EmbeddedDatabase | null = null;
  if (!env.DATABASE_URL) {
    embedded = await startEmbeddedPostgres(env.DATA_DIR ?? path.join(PROJECT_ROOT, ".data"));
    process.env.DATABASE_URL = embedded.url;
    log(`embedded PostgreSQL ${embedded.owned ? "started" : "already running"}; data in ${embedded.dataDir}`);
  }
  const url = process.env.DATABASE_URL!;
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    await sql`select 1`;
  } catch (error) {
    await sql.end({ timeout: 1 }).catch(() => {});
    if (embedded?.owned) await embedded.stop();
    throw new DatabaseUnavailable(
      `cannot connect to the database at ${redact(url)}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  try {
    const applied = await migrate(sql);
    if (applied.length) log(`migrations applied: ${applied.join(", ")}`);
    if (!process.env.SESSION_SECRET) process.env.SESSION_SECRET = sessionSecret(embedded, log);
    if (!process.env.PHONE_KEY)
      process.env.PHONE_KEY = phoneKey(embedded?.dataDir ?? env.DATA_DIR ?? path.join(PROJECT_ROOT, ".data"), log);
    return { embedded, applied, url };
  } finally {
    await sql.end();
  }
}

/**
 * Callers' numbers must stay readable across restarts, so without PHONE_KEY the key is kept in the
 * data folder (generated the first time, and said so: it belongs in the backups, apart from the
 * database). An external database gets the same file in DATA_DIR, with the advice to set the variable.
 */
function phoneKey(dataDir: string, log: (line: string) => void): string {
  const file = path.join(dataDir, "phone-key");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32).toString("hex");
  writeFileSync(file, key, { mode: 0o600 });
  log(
    `PHONE_KEY is not set: generated the key for callers' phone numbers in ${file} (back it up apart from the database; set PHONE_KEY in production)`,
  );
  return key;
}

/** Kept beside the embedded data so sessions survive restarts; random per process otherwise. */
function sessionSecret(embedded: EmbeddedDatabase | null, log: (line: string) => void): string {
  if (!embedded) {
    log("SESSION_SECRET is not set: using a random one, so sessions end when the server restarts");
    return randomBytes(32).toString("base64url");
  }
  const file = path.join(embedded.dataDir, "session-secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}
