// Instances on one database share its secrets (db/boot.ts, checkKeys; migration 018): another
// PHONE_KEY is refused at start-up, another SESSION_SECRET is said and recorded.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { promisify } from "node:util";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { checkKeys, keyFingerprint, KeyMismatch, PROJECT_ROOT } from "../../db/boot";
import { migrate } from "../../db/migrate";
import { encryptPhone } from "~/utils/phone-crypto.server";
import { databaseUrl } from "./global-setup";

const run = promisify(execFile);
const KEY_A = process.env.PHONE_KEY!;
const KEY_B = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
const SECRET_A = "session-secret-aaaaaaaaaaaaaaaa";
const SECRET_B = "session-secret-bbbbbbbbbbbbbbbb";

let admin: postgres.Sql;
let db: postgres.Sql;
let url: string;
const name = `wm_keys_${randomBytes(4).toString("hex")}`;

beforeAll(async () => {
  admin = postgres(inject("adminUrl"), { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  url = databaseUrl(inject("adminUrl"), name);
  db = postgres(url, { max: 1, onnotice: () => {} });
  await migrate(db);
});

afterAll(async () => {
  await db.end();
  await admin.unsafe(`drop database ${name} with (force)`);
  await admin.end();
});

async function check(phoneKey: string, sessionSecret: string) {
  const lines: string[] = [];
  await checkKeys(db, { phoneKey, sessionSecret }, (line) => lines.push(line));
  return lines;
}

const recorded = async () =>
  Object.fromEntries(
    (await db<{ name: string; fingerprint: string }[]>`select name, fingerprint from key_fingerprints`).map((r) => [r.name, r.fingerprint]),
  );

describe("the secrets of instances on one database", () => {
  it("records fingerprints at the first start, not the secrets, and accepts the same ones again", async () => {
    expect(await check(KEY_A, SECRET_A)).toEqual([]);
    const fingerprints = await recorded();
    expect(fingerprints).toEqual({ phone_key: keyFingerprint(KEY_A), session_secret: keyFingerprint(SECRET_A) });
    expect(JSON.stringify(fingerprints)).not.toContain(KEY_A.slice(0, 16));
    expect(keyFingerprint(KEY_A)).not.toBe(keyFingerprint(KEY_B));
    expect(await check(KEY_A, SECRET_A)).toEqual([]);
  });

  it("refuses another PHONE_KEY and changes nothing", async () => {
    await expect(check(KEY_B, SECRET_A)).rejects.toThrow(KeyMismatch);
    await expect(check(KEY_B, SECRET_A)).rejects.toThrow(/PHONE_KEY differs/);
    expect((await recorded()).phone_key).toBe(keyFingerprint(KEY_A));
  });

  it("says that another SESSION_SECRET signs the others out, and records it", async () => {
    const lines = await check(KEY_A, SECRET_B);
    expect(lines).toEqual([
      expect.stringMatching(/^SESSION_SECRET differs .* every instance on one database needs the same SESSION_SECRET$/),
    ]);
    expect((await recorded()).session_secret).toBe(keyFingerprint(SECRET_B));
    expect(await check(KEY_A, SECRET_B)).toEqual([]);
  });

  it("checks a database with numbers but no fingerprint yet by decrypting one", async () => {
    await db`delete from key_fingerprints`;
    const [county] = await db<{ id: number }[]>`insert into counties (code, name) values ('key-county', '密钥县') returning id`;
    await db`
      insert into tickets (county_id, ticket_no, received_at, phone_enc, phone_hash, phone_masked)
      values (${county.id}, 'K-1', now(), ${encryptPhone("13812341234")}, 'hash', '138****1234')`;
    await expect(check(KEY_B, SECRET_A)).rejects.toThrow(/does not decrypt/);
    expect(await recorded()).toEqual({});
    expect(await check(KEY_A, SECRET_A)).toEqual([]);
    expect((await recorded()).phone_key).toBe(keyFingerprint(KEY_A));
  });

  it("a command started with another PHONE_KEY stops with the reason and a non-zero exit", async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: url, PHONE_KEY: KEY_B, SESSION_SECRET: SECRET_A };
    const failed = await run("npx", ["tsx", path.join(PROJECT_ROOT, "app", "cli.ts"), "rates", "--check"], { env, cwd: PROJECT_ROOT }).then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toMatch(/PHONE_KEY differs from the key of this database's callers' numbers/);
    expect(failed?.stderr).not.toContain(KEY_B);
  }, 60_000);
});
