import { describe, expect, it } from "vitest";
import postgres from "postgres";
import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { listMigrations, migrate } from "../../db/migrate";
import { databaseUrl } from "./global-setup";

describe("migrations", () => {
  it("apply once on an empty database, even when two instances start together", async () => {
    const admin = postgres(inject("adminUrl"), { max: 1, onnotice: () => {} });
    const name = `wm_mig_${randomBytes(4).toString("hex")}`;
    await admin.unsafe(`create database ${name}`);
    const a = postgres(databaseUrl(inject("adminUrl"), name), { max: 1, onnotice: () => {} });
    const b = postgres(databaseUrl(inject("adminUrl"), name), { max: 1, onnotice: () => {} });
    try {
      const [first, second] = await Promise.all([migrate(a), migrate(b)]);
      const all = listMigrations().map((m) => `${m.version}_${m.name}`);
      expect([...first, ...second].sort()).toEqual(all.sort());
      expect(await migrate(a)).toEqual([]);
      const rows = await a`select version from schema_migrations order by version`;
      expect(rows.map((r) => r.version)).toEqual(listMigrations().map((m) => m.version));
    } finally {
      await a.end();
      await b.end();
      await admin.unsafe(`drop database ${name} with (force)`);
      await admin.end();
    }
  });
});
