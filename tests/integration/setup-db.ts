// Every integration test file gets its own database, cloned from the migrated template, and
// the app modules (which read DATABASE_URL when they load) are pointed at it.
import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { afterAll, inject } from "vitest";
import { databaseUrl, TEMPLATE_DB } from "./global-setup";

const adminUrl = inject("adminUrl");
const name = `wm_test_${randomBytes(6).toString("hex")}`;
const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
await admin.unsafe(`create database ${name} template ${TEMPLATE_DB}`);
process.env.DATABASE_URL = databaseUrl(adminUrl, name);
process.env.SESSION_SECRET ??= "integration-test-secret-0123456789";
process.env.PHONE_KEY ??= "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

afterAll(async () => {
  const { sql } = await import("~/db.server");
  await sql.end();
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.end();
});
