// Ticket import end to end on a real database: the NYC 311 acceptance through the CLI, re-imports
// with history, linking to the register, encrypted numbers, and every kind of bad input.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import ExcelJS from "exceljs";
import iconv from "iconv-lite";
import Papa from "papaparse";
import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "~/db.server";
import { describeRowError, recogniseColumns, type TicketMapping } from "~/domain/tickets";
import { translate } from "~/i18n";
import {
  cancelTicketImport,
  checkTicketFile,
  createTicketImport,
  getTicketImport,
  importFilePath,
  removeImportFile,
  resumeStep,
  resumeTicketImport,
  storeTicketImport,
  type TicketImport,
} from "~/models/ticket-import.server";
import { decryptPhone, phoneHash } from "~/utils/phone-crypto.server";
import { createCounty } from "./helpers";

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "../..");
const fixture = (name: string) => path.join(ROOT, "tests/fixtures", name);
const dir = mkdtempSync(path.join(tmpdir(), "tickets-import-"));
const t = (key: string, params?: Record<string, string | number>) => translate("zh", key, params);

let countyId: number;

beforeAll(async () => {
  const county = await createCounty("tk", "工单县");
  countyId = county.id;
  const [street] = await sql<{ id: number }[]>`
    insert into places (county_id, parent_id, level, name) values (${countyId}, ${county.rootPlaceId}, 'street', '禾城街道') returning id`;
  await sql`insert into places (county_id, parent_id, level, name) values (${countyId}, ${street.id}, 'community', '锦湖社区')`;
  // Another county holding the NYC file too: ticket numbers are unique per county, not across.
  await createCounty("other", "别的县");
});

function file(name: string, content: string | Uint8Array): string {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
}

async function importFile(p: string, mapping?: TicketMapping, sheet: string | null = null, store = true): Promise<TicketImport> {
  const filename = path.basename(p);
  const id = await createTicketImport({ countyId, userId: null, source: "cli", filename, fileSize: null });
  const headers = Papa.parse<string[]>(readFileSync(p, "utf8").replace(/^\uFEFF/, ""), { preview: 1 }).data[0] ?? [];
  const checked = await checkTicketFile(countyId, id, { path: p, filename, sheet }, mapping ?? recogniseColumns(headers));
  if (checked.state !== "checked" || !store) return checked;
  return storeTicketImport(countyId, id);
}

const messages = (result: TicketImport) => result.errors.map((e) => describeRowError(t, e));

async function cli(...args: string[]) {
  return run(process.execPath, ["--import", "tsx", "app/cli.ts", "import-tickets", ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: process.env.DATABASE_URL },
  });
}

describe("the NYC 311 acceptance (npm run cli -- import-tickets --mapping nyc311)", () => {
  it("stores every ticket; counts and on-time rates by agency match an independent count; a second import changes nothing", async () => {
    const first = await cli(fixture("nyc311-sample-2011.csv"), "--mapping", "nyc311", "--county", "tk");
    expect(first.stdout).toContain("read 999, inserted 999, updated 0, unchanged 0, rejected 0");

    // The independent count: papaparse and V8's own reading of the US dates (local time is UTC
    // here or not: both dates of a ticket are read alike, so the comparison stands).
    const rows = Papa.parse<Record<string, string>>(readFileSync(fixture("nyc311-sample-2011.csv"), "utf8"), {
      header: true,
      skipEmptyLines: true,
    }).data;
    const expected: Record<string, { tickets: number; completed: number; withDue: number; onTime: number }> = {};
    for (const r of rows) {
      const c = (expected[r.Agency] ??= { tickets: 0, completed: 0, withDue: 0, onTime: 0 });
      c.tickets++;
      if (r["Closed Date"]) c.completed++;
      if (r["Closed Date"] && r["Due Date"]) {
        c.withDue++;
        if (new Date(r["Closed Date"]).getTime() <= new Date(r["Due Date"]).getTime()) c.onTime++;
      }
    }
    const stored = await sql<{ agency: string; tickets: number; completed: number; withDue: number; onTime: number }[]>`
      select d.name as agency, count(*)::int as tickets, count(t.completed_at)::int as completed,
             count(*) filter (where t.completed_at is not null and t.due_at is not null)::int as "withDue",
             count(*) filter (where t.completed_at <= t.due_at)::int as "onTime"
      from tickets t join departments d on d.id = t.department_id
      where t.county_id = ${countyId} group by d.name`;
    expect(Object.fromEntries(stored.map(({ agency, ...c }) => [agency, c]))).toEqual(expected);
    const onTimeRate = (c: { withDue: number; onTime: number }) => c.onTime / c.withDue;
    expect(onTimeRate(expected.NYPD)).toBeGreaterThan(0);
    expect(onTimeRate(Object.fromEntries(stored.map(({ agency, ...c }) => [agency, c])).NYPD)).toBe(onTimeRate(expected.NYPD));

    const before = await sql`select id, updated_at from tickets where county_id = ${countyId} order by id`;
    const second = await cli(fixture("nyc311-sample-2011.csv"), "--mapping", "nyc311", "--county", "tk");
    expect(second.stdout).toContain("read 999, inserted 0, updated 0, unchanged 999, rejected 0");
    expect(await sql`select id, updated_at from tickets where county_id = ${countyId} order by id`).toEqual(before);
    const [{ versions }] = await sql<
      { versions: number }[]
    >`select count(*)::int as versions from ticket_versions where county_id = ${countyId}`;
    expect(versions).toBe(0);

    const other = await cli(fixture("nyc311-sample-2011.csv"), "--mapping", "nyc311", "--county", "other");
    expect(other.stdout).toContain("inserted 999");
  }, 120_000);

  it("reads the older 2013 layout with the same mapping, open tickets stored as not completed", async () => {
    const result = await importFile(fixture("nyc311-sample-2013.csv"), (await import("~/domain/tickets")).NYC311_MAPPING);
    expect(result.state).toBe("done");
    const rows = Papa.parse<Record<string, string>>(readFileSync(fixture("nyc311-sample-2013.csv"), "utf8"), {
      header: true,
      skipEmptyLines: true,
    }).data;
    expect(result.inserted + result.updated + result.unchanged).toBe(rows.length);
    const keys = rows.filter((r) => r["Closed Date"] === "").map((r) => r["Unique Key"]);
    expect(keys.length).toBeGreaterThan(0);
    const open = await sql<{ ticket_no: string }[]>`
      select ticket_no from tickets where county_id = ${countyId} and ticket_no in ${sql(keys)} and completed_at is null`;
    expect(open).toHaveLength(keys.length);
  });
});

const HEADER = "工单编号,受理时间,办结时间,办理时限,承办单位,诉求类型,诉求内容,来电号码,来电人,所属街道,所属社区,满意度";

describe("a Chinese platform's export", () => {
  it("recognises the headers, links the register's places, encrypts and masks the numbers", async () => {
    const csv = [
      HEADER,
      "GD-001,2024-01-05 08:00,2024-01-06 09:30:00,2024-01-08 08:00,县住建局,物业管理,电梯坏了,+86 138 1234 5678,张先生,禾城街道,锦湖社区,满意",
      "GD-002,2024/1/5 8:00,,2024/1/10 8:00,县城管局,市容环境,垃圾未清运,０５７１－８７６５４３２１,李女士,禾城街道,,不满意",
      "GD-003,01/05/2024 08:00:00 PM,45300.5,,县城管局,市容环境,噪音,,王先生,别的街道,别的社区,基本满意",
    ].join("\r\n");
    const result = await importFile(file("export.csv", `\uFEFF${csv}`));
    expect(messages(result)).toEqual([]);
    expect([result.inserted, result.updated, result.unchanged, result.rowsRejected]).toEqual([3, 0, 0, 0]);
    const rows = await sql<
      {
        ticket_no: string;
        received_at: Date;
        completed_at: Date | null;
        place: string | null;
        phone_masked: string | null;
        phone_enc: Buffer | null;
        phone_hash: string | null;
        original_satisfaction: string | null;
        original_satisfaction_raw: string | null;
        department: string;
      }[]
    >`
      select t.ticket_no, t.received_at, t.completed_at, p.name as place, t.phone_masked, t.phone_enc, t.phone_hash,
             t.original_satisfaction, t.original_satisfaction_raw, d.name as department
      from tickets t left join places p on p.id = t.place_id join departments d on d.id = t.department_id
      where t.county_id = ${countyId} and t.ticket_no like 'GD-%' order by t.ticket_no`;
    // Mixed date formats in one file, all read as Beijing time; an Excel serial as well.
    expect(rows.map((r) => r.received_at.toISOString())).toEqual([
      "2024-01-05T00:00:00.000Z",
      "2024-01-05T00:00:00.000Z",
      "2024-01-05T12:00:00.000Z",
    ]);
    expect(rows[2].completed_at!.toISOString()).toBe("2024-01-09T04:00:00.000Z");
    expect(rows[1].completed_at).toBeNull();
    expect(rows.map((r) => r.place)).toEqual(["锦湖社区", "禾城街道", null]);
    expect(rows.map((r) => r.phone_masked)).toEqual(["138****5678", "057*****4321", null]);
    expect(rows[0].phone_enc!.toString("latin1")).not.toContain("5678");
    expect(decryptPhone(rows[0].phone_enc!)).toBe("13812345678");
    expect(rows[0].phone_hash).toBe(phoneHash("13812345678"));
    expect(rows.map((r) => [r.original_satisfaction, r.original_satisfaction_raw])).toEqual([
      ["satisfied", "满意"],
      ["unsatisfied", "不满意"],
      ["basic", "基本满意"],
    ]);
  });

  it("a re-import updates a changed ticket, keeps its old values, and counts the rest unchanged", async () => {
    const csv = [
      HEADER,
      "GD-001,2024-01-05 08:00,2024-01-06 09:30:00,2024-01-08 08:00,县住建局,物业管理,电梯坏了,13812345678,张先生,禾城街道,锦湖社区,满意",
      "GD-002,2024/1/5 8:00,2024-01-09 10:00,2024/1/10 8:00,县城管局,市容环境,垃圾未清运,057187654321,李女士,禾城街道,,不满意",
      "GD-004,2024-02-01 10:00,,,县水务局,供水,停水,13900001111,赵先生,,,",
    ].join("\n");
    const result = await importFile(file("export-2.csv", csv));
    expect([result.inserted, result.updated, result.unchanged, result.rowsRejected]).toEqual([1, 1, 1, 0]);
    const versions = await sql<{ ticket_no: string; old_values: Record<string, unknown>; import_id: number }[]>`
      select t.ticket_no, v.old_values, v.import_id from ticket_versions v join tickets t on t.id = v.ticket_id
      where v.county_id = ${countyId}`;
    expect(versions).toEqual([{ ticket_no: "GD-002", old_values: { completed_at: null }, import_id: result.id }]);
    const [gd2] = await sql`select completed_at from tickets where county_id = ${countyId} and ticket_no = 'GD-002'`;
    expect(gd2.completed_at.toISOString()).toBe("2024-01-09T02:00:00.000Z");
  });
});

describe("bad input: each with a clear Chinese message, nothing changed unless the user stores the good rows", () => {
  const count = async () => (await sql<{ n: number }[]>`select count(*)::int as n from tickets where county_id = ${countyId}`)[0].n;

  it("row errors are listed by row and column; storing keeps only the good rows", async () => {
    const csv = [
      HEADER,
      "BAD-1,2024-13-05 08:00,,,县住建局,,,,,,,",
      ",2024-01-05 08:00,,,县住建局,,,,,,,",
      "BAD-3,2024-01-05 08:00,,,县住建局,,,匿名,,,,",
      "BAD-4,2024-01-05 08:00,,,县住建局,,,,,,,",
      "BAD-4,2024-01-06 08:00,,,县住建局,,,,,,,",
      "BAD-6,2024-01-05 08:00,,,县住建局,,,,,,,,extra",
    ].join("\n");
    const before = await count();
    const checked = await importFile(file("bad-rows.csv", csv), undefined, null, false);
    expect(checked.state).toBe("checked");
    expect(checked.rowsRead).toBe(6);
    expect(checked.rowsRejected).toBe(5);
    expect(messages(checked)).toEqual([
      `第 2 行「受理时间」：${t("tickets.error.date")}`,
      `第 3 行「工单编号」：${t("tickets.error.missing")}`,
      `第 4 行「来电号码」：${t("tickets.error.phone")}`,
      `第 6 行「工单编号」：${t("tickets.error.duplicate", { firstLine: 5 })}`,
      `第 7 行：${t("tickets.error.extraCells")}`,
    ]);
    expect(await count()).toBe(before);
    const stored = await storeTicketImport(countyId, checked.id);
    expect([stored.inserted, stored.rowsRejected]).toEqual([1, 5]);
    expect(await count()).toBe(before + 1);
    const [bad4] = await sql`select received_at from tickets where county_id = ${countyId} and ticket_no = 'BAD-4'`;
    expect(bad4.received_at.toISOString()).toBe("2024-01-05T00:00:00.000Z");
  });

  async function failure(p: string, mapping?: TicketMapping, sheet: string | null = null) {
    const filename = path.basename(p);
    const id = await createTicketImport({ countyId, userId: null, source: "cli", filename, fileSize: null });
    const result = await checkTicketFile(
      countyId,
      id,
      { path: p, filename, sheet },
      mapping ?? { name: "auto", columns: { number: "工单编号", receivedAt: "受理时间" } },
    );
    expect(result.state).toBe("failed");
    return translate(
      "zh",
      result.failure!.key,
      Object.fromEntries(
        Object.entries(result.failure!.params).map(([k, v]) => [k, typeof v === "string" && v.startsWith("tickets.field.") ? t(v) : v]),
      ),
    );
  }

  it("a 0-byte file", async () => {
    expect(await failure(file("empty.csv", ""))).toBe(t("import.table.empty", { file: "empty.csv" }));
  });

  it("a file that is not CSV or XLSX", async () => {
    const png = Buffer.from(
      "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a0000000000049454e44ae426082",
      "hex",
    );
    expect(await failure(file("photo.csv", png))).toBe(t("import.table.unreadable", { file: "photo.csv" }));
    expect(await failure(file("old.xls", Buffer.from("d0cf11e0a1b11ae1000000000000000000000000", "hex")))).toContain("旧版 Excel");
  });

  it("a wrong encoding: text whose bytes are valid in none of UTF-8, GB18030 and UTF-16", async () => {
    const good = Buffer.from(`${HEADER}\nGD-9,2024-01-05 08:00,,,,,,,,,,\n`, "utf8");
    const broken = Buffer.concat([good, Buffer.from([0x81, 0x00, 0x01, 0x02]), Buffer.from("\n")]);
    expect(await failure(file("broken.csv", broken))).toBe(t("import.table.unreadable", { file: "broken.csv" }));
    // Damage far into a file that began well (past the bytes the encoding is guessed from): named by its row.
    const late = Buffer.concat([
      Buffer.from(`${HEADER}\n`),
      Buffer.from("GD-11,2024-01-05 08:00,,,,,,,,,,\n".repeat(3000)),
      Buffer.from("GD-12,\u0007\n"),
    ]);
    expect(late.length).toBeGreaterThan(64 * 1024);
    expect(await failure(file("late.csv", late))).toBe(t("import.table.unreadableAt", { file: "late.csv", line: 3002 }));
    const [{ staged }] = await sql<{ staged: number }[]>`select count(*)::int as staged from ticket_import_rows`;
    expect(staged).toBe(0);
  });

  it("GBK / GB18030, UTF-16 LE and BE (with and without BOM) all read alike", async () => {
    const csv = `${HEADER}\nENC-1,2024-01-05 08:00,,,县住建局,物业管理,楼道灯不亮,,,禾城街道,锦湖社区,\n`;
    const variants: [string, Buffer][] = [
      ["gbk.csv", iconv.encode(csv, "gbk")],
      ["utf16le.csv", Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(csv, "utf16le")])],
      ["utf16be.csv", Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode(csv, "utf16be")])],
      ["utf16le-nobom.csv", iconv.encode(csv, "utf16le")],
    ];
    for (const [name, bytes] of variants) {
      const p = file(name, bytes);
      const id = await createTicketImport({ countyId, userId: null, source: "cli", filename: name, fileSize: null });
      const checked = await checkTicketFile(countyId, id, { path: p, filename: name, sheet: null }, recogniseColumns(HEADER.split(",")));
      expect([name, checked.state, checked.rowsRead, checked.rowsRejected]).toEqual([name, "checked", 1, 0]);
      const stored = await storeTicketImport(countyId, id);
      expect(stored.inserted + stored.unchanged).toBe(1);
    }
    const [row] = await sql`select content, community from tickets where county_id = ${countyId} and ticket_no = 'ENC-1'`;
    expect(row).toEqual({ content: "楼道灯不亮", community: "锦湖社区" });
  });

  it("a missing required column", async () => {
    const p = file("no-number.csv", "受理时间,承办单位\n2024-01-05 08:00,县住建局\n");
    expect(await failure(p, recogniseColumns(["受理时间", "承办单位"]))).toBe(
      "缺少必填列「工单编号」：请在列对应中选择文件里哪一列是「工单编号」。",
    );
  });

  it("a 10 MB cell is a row error, not an out-of-memory", async () => {
    const csv = `${HEADER}\nBIG-1,2024-01-05 08:00,,,县住建局,,${"很".repeat((10 * 1024 * 1024) / 3)},,,,,\nBIG-2,2024-01-05 08:00,,,,,,,,,,\n`;
    const checked = await importFile(file("big-cell.csv", csv), undefined, null, false);
    expect(checked.state).toBe("checked");
    expect(messages(checked)).toEqual([`第 2 行「诉求内容」：${t("tickets.error.tooLong")}`]);
    expect(checked.rowsRead).toBe(2);
  });

  it("an XLSX with several sheets: refused with their names until one is chosen", async () => {
    const workbook = new ExcelJS.Workbook();
    const notes = workbook.addWorksheet("说明");
    notes.addRow(["本表由12345平台导出"]);
    const data = workbook.addWorksheet("工单");
    data.addRow(["工单编号", "受理时间", "办结时间", "承办单位"]);
    data.addRow(["X-1", new Date(Date.UTC(2024, 0, 5, 8, 0)), 45300.5, "县住建局"]);
    data.addRow(["X-2", "2024/1/6 9:15", null, "县城管局"]);
    workbook.addWorksheet("空表");
    const p = file("several.xlsx", Buffer.from(await workbook.xlsx.writeBuffer()));
    expect(await failure(p)).toBe(t("import.table.severalSheets", { file: "several.xlsx", sheets: "「说明」、「工单」" }));
    const result = await importFile(p, recogniseColumns(["工单编号", "受理时间", "办结时间", "承办单位"]), "工单");
    expect(messages(result)).toEqual([]);
    expect(result.inserted).toBe(2);
    const rows = await sql<{ ticket_no: string; received_at: Date; completed_at: Date | null }[]>`
      select ticket_no, received_at, completed_at from tickets where county_id = ${countyId} and ticket_no like 'X-%' order by ticket_no`;
    expect(rows.map((r) => [r.ticket_no, r.received_at.toISOString(), r.completed_at?.toISOString() ?? null])).toEqual([
      ["X-1", "2024-01-05T00:00:00.000Z", "2024-01-09T04:00:00.000Z"],
      ["X-2", "2024-01-06T01:15:00.000Z", null],
    ]);
  });
});

describe("an import's life when the process working on it goes away", () => {
  const rowsOf = async (id: number) =>
    (await sql<{ n: number }[]>`select count(*)::int as n from ticket_import_rows where import_id = ${id}`)[0].n;
  const stagedImport = async (name: string) => {
    const csv = [HEADER, "LIFE-1,2024-03-01 08:00,2024-03-02 08:00,,县住建局,物业管理,漏水,,陈先生,,,满意"].join("\n");
    return importFile(file(name, csv), undefined, null, false);
  };

  it("shows one left checking or storing by a process that is gone as stuck, and lets it be cancelled", async () => {
    for (const state of ["checking", "storing"] as const) {
      const checked = await stagedImport(`stuck-${state}.csv`);
      expect(checked.stuck).toBe(false);
      // What a restart leaves: the state written, nobody holding the import any more.
      await sql`update ticket_imports set state = ${state} where id = ${checked.id}`;
      expect((await getTicketImport(countyId, checked.id))!.stuck).toBe(true);
      expect(await rowsOf(checked.id)).toBe(1);
      expect(await cancelTicketImport(countyId, checked.id)).toBe(true);
      const after = (await getTicketImport(countyId, checked.id))!;
      expect([after.state, after.stuck, await rowsOf(checked.id)]).toEqual(["cancelled", false, 0]);
    }
  });

  it("takes up one interrupted while storing with its checked rows, one interrupted while checking with its file, and neither without them", async () => {
    const csv = [HEADER, "RESUME-1,2024-03-01 08:00,2024-03-02 08:00,,县住建局,物业管理,漏水,,陈先生,,,满意"].join("\n");
    const stuck = async (name: string, state: "checking" | "storing") => {
      const checked = await importFile(file(name, csv), undefined, null, false);
      await sql`update ticket_imports set state = ${state} where id = ${checked.id}`;
      return (await getTicketImport(countyId, checked.id))!;
    };
    // Storing: its rows are all staged, so it waits for "store" again; stored, it is done.
    const storing = await stuck("resume-store.csv", "storing");
    expect(await resumeStep(countyId, storing)).toBe("store");
    expect(await resumeTicketImport(countyId, storing.id)).toBe("store");
    const again = (await getTicketImport(countyId, storing.id))!;
    expect([again.state, again.stuck, await rowsOf(storing.id)]).toEqual(["checked", false, 1]);
    const stored = await storeTicketImport(countyId, storing.id);
    expect([stored.state, stored.inserted]).toEqual(["done", 1]);
    // Its staged rows gone (PostgreSQL empties an unlogged table after a crash) but the upload
    // there: it is checked again from the file, from the column mapping on.
    const lost = await stuck("resume-lost.csv", "storing");
    await sql`delete from ticket_import_rows where import_id = ${lost.id}`;
    writeFileSync(importFilePath(lost.id), csv);
    expect(await resumeStep(countyId, lost)).toBe("check");
    expect(await resumeTicketImport(countyId, lost.id)).toBe("check");
    const fresh = (await getTicketImport(countyId, lost.id))!;
    expect([fresh.state, fresh.rowsRead, fresh.errors, await rowsOf(lost.id)]).toEqual(["uploaded", 0, [], 0]);
    // Checking, with its file: checked again; a partial staging is cleared.
    const checking = await stuck("resume-check.csv", "checking");
    writeFileSync(importFilePath(checking.id), csv);
    expect(await resumeTicketImport(countyId, checking.id)).toBe("check");
    expect([(await getTicketImport(countyId, checking.id))!.state, await rowsOf(checking.id)]).toEqual(["uploaded", 0]);
    // Neither rows nor file: nothing to take up; it stays stuck, to be cancelled.
    const gone = await stuck("resume-gone.csv", "checking");
    removeImportFile(gone.id);
    expect(await resumeStep(countyId, gone)).toBe(null);
    expect(await resumeTicketImport(countyId, gone.id)).toBe(null);
    expect((await getTicketImport(countyId, gone.id))!).toMatchObject({ state: "checking", stuck: true });
    for (const id of [lost.id, checking.id]) removeImportFile(id);
  });

  it("leaves one that is still running alone: not stuck, and a cancel changes nothing", async () => {
    const checked = await stagedImport("running.csv");
    await sql`update ticket_imports set state = 'storing' where id = ${checked.id}`;
    // Another process holds it, as checkTicketFile and storeTicketImport do while they work.
    const holder = await sql.reserve();
    await holder`select pg_advisory_lock(hashtext('ticket_import'), ${checked.id})`;
    try {
      expect((await getTicketImport(countyId, checked.id))!.stuck).toBe(false);
      expect(await cancelTicketImport(countyId, checked.id)).toBe(false);
      // A second "store" while it runs is refused at once, not queued behind it.
      const began = Date.now();
      await expect(storeTicketImport(countyId, checked.id)).rejects.toThrow(/being checked or stored already/);
      expect(Date.now() - began).toBeLessThan(2000);
      expect((await getTicketImport(countyId, checked.id))!.state).toBe("storing");
      expect(await rowsOf(checked.id)).toBe(1);
      // Nor is it taken up while it runs.
      expect(await resumeTicketImport(countyId, checked.id)).toBe(null);
      expect((await getTicketImport(countyId, checked.id))!.state).toBe("storing");
    } finally {
      await holder`select pg_advisory_unlock(hashtext('ticket_import'), ${checked.id})`;
      holder.release();
    }
    // Let go, it is stuck: the page offers to cancel it.
    expect((await getTicketImport(countyId, checked.id))!.stuck).toBe(true);
  });

  it("stores in chunks, the rows merged so far readable between them, and ends with the same counts", async () => {
    const lines = Array.from(
      { length: 10 },
      (_, i) => `CHUNK-${i + 1},2024-04-01 08:00,2024-04-02 08:00,,县城管局,市容环境,占道,,周女士,,,满意`,
    );
    const checked = await importFile(file("chunks.csv", [HEADER, ...lines].join("\n")), undefined, null, false);
    expect(checked.state).toBe("checked");
    const seen: [number, number, string][] = [];
    const stored = await storeTicketImport(countyId, checked.id, {
      chunk: 3,
      onStored: async (rows) => {
        const [row] = await sql<
          { rows_stored: number; state: string }[]
        >`select rows_stored, state from ticket_imports where id = ${checked.id}`;
        seen.push([rows, row.rows_stored, row.state]);
      },
    });
    expect(seen).toEqual([
      [3, 3, "storing"],
      [6, 6, "storing"],
      [9, 9, "storing"],
      [10, 10, "storing"],
    ]);
    expect([stored.state, stored.inserted, stored.updated, stored.unchanged, stored.stuck]).toEqual(["done", 10, 0, 0, false]);
    const [{ n }] = await sql<
      { n: number }[]
    >`select count(*)::int as n from tickets where county_id = ${countyId} and ticket_no like 'CHUNK-%'`;
    expect(n).toBe(10);
  });
});
