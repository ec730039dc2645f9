import { describe, expect, it } from "vitest";
import postgres from "postgres";
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
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

  // An existing database has every migration but 016 (its number was free while 017 landed).
  it("016 gives the tenant key to the rows that had their county from a parent, and keeps every audit row", async () => {
    const admin = postgres(inject("adminUrl"), { max: 1, onnotice: () => {} });
    const name = `wm_mig_${randomBytes(4).toString("hex")}`;
    await admin.unsafe(`create database ${name}`);
    const db = postgres(databaseUrl(inject("adminUrl"), name), { max: 1, onnotice: () => {} });
    const before = mkdtempSync(path.join(tmpdir(), "wm-migrations-"));
    try {
      for (const m of listMigrations().filter((m) => m.version !== 16)) copyFileSync(m.file, path.join(before, path.basename(m.file)));
      await migrate(db, before);
      const [a] = await db`insert into counties (code, name) values ('a-county', '甲县') returning id`;
      const [b] = await db`insert into counties (code, name) values ('b-county', '乙县') returning id`;
      const [root] = await db`insert into places (county_id, level, name) values (${b.id}, 'county', '乙县') returning id`;
      const [user] = await db`
        insert into users (county_id, username, display_name, role, scope_place_id, password_hash)
        values (${b.id}, 'b-admin', '管理员', 'admin', ${root.id}, 'x') returning id`;
      const [survey] =
        await db`insert into surveys (county_id, title, kind, draft) values (${b.id}, '问卷', 'household', '{}') returning id`;
      const definition = { pages: [{ elements: [{ type: "radiogroup", name: "q1", measure: "satisfaction", choices: ["1"] }] }] };
      await db`
        insert into survey_versions (county_id, survey_id, version, title, definition)
        values (${b.id}, ${survey.id}, 1, '问卷', ${db.json(definition)})`;
      await db`
        insert into audit_log (county_id, user_id, action, target) values
          (null, ${user.id}, 'signout', null),
          (null, null, 'signin.rateLimited', 'B-ADMIN'),
          (null, null, 'signin.rateLimited', 'nobody'),
          (${a.id}, null, 'campaign.create', 'x')`;
      expect(await migrate(db)).toEqual(["16_tenant_key"]);
      const audit = await db`select county_id as "countyId", action, target from audit_log order by id`;
      expect(audit).toEqual([
        { countyId: b.id, action: "signout", target: null },
        { countyId: b.id, action: "signin.rateLimited", target: "B-ADMIN" },
        { countyId: a.id, action: "campaign.create", target: "x" },
      ]);
      expect(await db`select action, target from audit_log_unscoped`).toEqual([{ action: "signin.rateLimited", target: "nobody" }]);
      expect(await db`select county_id as "countyId", name from rate_questions`).toEqual([{ countyId: b.id, name: "q1" }]);
    } finally {
      rmSync(before, { recursive: true, force: true });
      await db.end();
      await admin.unsafe(`drop database ${name} with (force)`);
      await admin.end();
    }
  });
});
