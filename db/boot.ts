// Start-up shared by the server and the CLI: find (or start) the database, check it answers,
// apply migrations. Sets DATABASE_URL and SESSION_SECRET in process.env for the app modules,
// which are imported only after this has run.
import postgres from "postgres";
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createHmac, randomBytes } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "./embedded";
import { migrate } from "./migrate";
import { readEnv } from "../app/utils/env.server";
import { decryptPhone } from "../app/utils/phone-crypto.server";

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export class DatabaseUnavailable extends Error {}

/** This instance's PHONE_KEY is not the one the database's phone numbers were encrypted with. */
export class KeyMismatch extends Error {}

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
  let refused = false;
  try {
    const applied = await migrate(sql);
    if (applied.length) log(`migrations applied: ${applied.join(", ")}`);
    const dataDir = embedded?.dataDir ?? env.DATA_DIR ?? path.join(PROJECT_ROOT, ".data");
    if (!process.env.SESSION_SECRET) process.env.SESSION_SECRET = sessionSecret(dataDir, !embedded, log);
    if (!process.env.PHONE_KEY) process.env.PHONE_KEY = phoneKey(dataDir, log);
    await checkKeys(sql, { phoneKey: process.env.PHONE_KEY, sessionSecret: process.env.SESSION_SECRET }, log);
    return { embedded, applied, url };
  } catch (error) {
    refused = error instanceof KeyMismatch;
    throw error;
  } finally {
    await sql.end();
    // A refused start stops the cluster it started, after the connection to it is closed.
    if (refused && embedded?.owned) await embedded.stop();
  }
}

/** A secret's fingerprint: equal for equal secrets, and no way back to the secret. */
export const keyFingerprint = (secret: string) =>
  createHmac("sha256", secret).update("wenming key fingerprint v1").digest("hex").slice(0, 32);

/**
 * Instances that share a database must share its secrets (README, "Staying up"). The first start
 * records each secret's fingerprint (migration 018); a later start compares:
 * - another PHONE_KEY would encrypt new numbers so that the other instances cannot read them, and
 *   read none of the stored ones: the start is refused. A database that holds numbers but no
 *   fingerprint yet (before 018) is checked by decrypting one of them.
 * - another SESSION_SECRET signs out whoever signed in through another instance: said, and recorded
 *   (changing it on purpose is how every session is ended).
 */
export async function checkKeys(
  sql: postgres.Sql,
  keys: { phoneKey: string; sessionSecret: string },
  log: (line: string) => void,
): Promise<void> {
  const phone = keyFingerprint(keys.phoneKey);
  const session = keyFingerprint(keys.sessionSecret);
  await sql.begin(async (tx) => {
    // One start at a time, so two instances starting together cannot both record theirs.
    await tx`select pg_advisory_xact_lock(7402315992)`;
    const rows = await tx<{ name: string; fingerprint: string }[]>`select name, fingerprint from key_fingerprints`;
    const recorded = new Map(rows.map((r) => [r.name, r.fingerprint]));
    const storedPhone = recorded.get("phone_key");
    if (storedPhone === undefined) {
      const [sample] = await tx<{ enc: Uint8Array }[]>`select phone_enc as enc from tickets where phone_enc is not null limit 1`;
      if (sample && !opens(sample.enc, keys.phoneKey))
        throw new KeyMismatch(
          "PHONE_KEY does not decrypt the callers' numbers stored in this database: start with the key they were encrypted with",
        );
      await tx`insert into key_fingerprints (name, fingerprint) values ('phone_key', ${phone})`;
    } else if (storedPhone !== phone) {
      throw new KeyMismatch(
        `PHONE_KEY differs from the key of this database's callers' numbers (fingerprint ${phone}, the database's ${storedPhone}): ` +
          "every instance on one database needs the same PHONE_KEY",
      );
    }
    const storedSession = recorded.get("session_secret");
    if (storedSession !== session) {
      if (storedSession !== undefined)
        log(
          "SESSION_SECRET differs from the one last used with this database: sessions signed with the other one end; " +
            "every instance on one database needs the same SESSION_SECRET",
        );
      await tx`
        insert into key_fingerprints (name, fingerprint) values ('session_secret', ${session})
        on conflict (name) do update set fingerprint = excluded.fingerprint, recorded_at = now()`;
    }
  });
}

function opens(stored: Uint8Array, phoneKey: string): boolean {
  try {
    decryptPhone(stored, phoneKey);
    return true;
  } catch {
    return false;
  }
}

/**
 * Keeps `value` in `file` unless another process got there first, whose value is then the one
 * returned: two instances starting together on a fresh data folder must not each generate a key
 * (the second was refused for a PHONE_KEY other than the database's). Written whole to a file of
 * its own, then linked into place, which fails when the file exists: never read half-written.
 */
export function keepOnce(file: string, value: string): { value: string; made: boolean } {
  mkdirSync(path.dirname(file), { recursive: true });
  const draft = `${file}.${process.pid}.${randomBytes(4).toString("hex")}`;
  writeFileSync(draft, value, { mode: 0o600 });
  try {
    linkSync(draft, file);
    return { value, made: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return { value: readFileSync(file, "utf8").trim(), made: false };
  } finally {
    rmSync(draft, { force: true });
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
  const { value: key, made } = keepOnce(file, randomBytes(32).toString("hex"));
  if (!made) return key;
  log(
    `PHONE_KEY is not set: generated the key for callers' phone numbers in ${file} (back it up apart from the database; set PHONE_KEY in production)`,
  );
  return key;
}

/** Kept in the data folder so that sessions survive restarts (an external database gets the file
 *  in DATA_DIR, with the advice to set the variable: instances on other machines need the same). */
function sessionSecret(dataDir: string, external: boolean, log: (line: string) => void): string {
  const file = path.join(dataDir, "session-secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const { value: secret, made } = keepOnce(file, randomBytes(32).toString("base64url"));
  if (made && external)
    log(`SESSION_SECRET is not set: generated one in ${file} (set SESSION_SECRET on every instance that serves this database)`);
  return secret;
}
