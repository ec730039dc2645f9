// One PostgreSQL for the integration run: TEST_DATABASE_URL, or an embedded cluster in a fresh
// temporary folder. A migrated template database is cloned for every test file.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import postgres from "postgres";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "../../db/embedded";
import { migrate } from "../../db/migrate";

export const TEMPLATE_DB = "wm_test_template";

declare module "vitest" {
  export interface ProvidedContext {
    adminUrl: string;
  }
}

export function databaseUrl(adminUrl: string, database: string) {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export default async function setup(project: TestProject) {
  let embedded: EmbeddedDatabase | null = null;
  let dir: string | null = null;
  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    dir = mkdtempSync(path.join(tmpdir(), "wenming-test-"));
    embedded = await startEmbeddedPostgres(dir);
    adminUrl = embedded.url;
  }
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${TEMPLATE_DB}`);
  await admin.unsafe(`create database ${TEMPLATE_DB}`);
  const template = postgres(databaseUrl(adminUrl, TEMPLATE_DB), { max: 1, onnotice: () => {} });
  await migrate(template);
  await template.end();
  await admin.end();
  project.provide("adminUrl", adminUrl);

  return async () => {
    if (embedded) await embedded.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
}
