// Hostile input, generated from a seeded generator (FUZZ_SEED, default 12): the import parsers
// (register, responses, tickets), the resident submit and start, and the phone's sync (visits,
// forms, spot checks) get random bytes, truncated and corrupted XLSX, zip bombs, deep JSON, huge
// fields, wrong types and mixed encodings. Every case must end in a clear 4xx (or a 2xx for input
// that happens to be valid), never a 500, a hang or a partial write: the county's tables are
// digested before and after each refused case. The number of cases per endpoint is printed.
import type { ActionFunctionArgs } from "@remix-run/node";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createDeflateRaw } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "~/db.server";
import { translate } from "~/i18n";
import { flushLinkCounters } from "~/models/link-counters.server";
import { handleSubmissionOf, MAX_SUBMISSION_BYTES } from "~/models/resident.server";
import { readLayout } from "~/models/ticket-import.server";
import { action as registerAction } from "~/routes/register.import";
import { action as responsesAction } from "~/routes/responses.import";
import { action as startAction } from "~/routes/s.$code.start";
import { action as visitsAction } from "~/routes/api.visits";
import { action as formsAction } from "~/routes/api.visits.forms";
import { action as spotChecksAction } from "~/routes/api.spot-checks";
import { TableReadError } from "~/utils/tabular.server";
import { writeXlsx } from "~/utils/xlsx.server";
import { MAX_INFLATED_BYTES } from "~/utils/zip-limits.server";
import { seedDemoCampaigns, seedDemoCounty, seedDemoRoundForms, DEMO_PASSWORD } from "../../db/seed/index";
import { generateDemoRegister } from "../../db/seed/demo-county";
import { DEMO_ROUND, seedDemoVisits } from "../../db/seed/demo-visits";
import { postJson, sessionCookie } from "./helpers";

const SEED = Number(process.env.FUZZ_SEED ?? 12);
const context = { cspNonce: "", clientIp: "127.0.0.1" };
const tally: Record<string, number> = {};
const count = (endpoint: string) => (tally[endpoint] = (tally[endpoint] ?? 0) + 1);

/** mulberry32: the same cases for the same seed. */
function generator(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(list: readonly T[]): T => list[int(list.length)];
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => int(256));
  return { next, int, pick, bytes };
}
type Rng = ReturnType<typeof generator>;

/** Strings that break naive code: huge, nested, mixed encodings, control characters, lone surrogates. */
function nastyString(rng: Rng): string {
  return rng.pick([
    () => "满".repeat(200_000 + rng.int(100_000)),
    () => "\ud800" + "x",
    () => Buffer.from(rng.bytes(64)).toString("latin1"),
    () => "\u0000\u0001\u001f",
    () => "ÃƒÂ©锟斤拷烫烫烫",
    () => "'; drop table responses; --",
    () => "%ED%A0%80%C0%AF",
    () => "a".repeat(rng.int(5000)),
    () => "",
    () => "1e309",
    () => "-1",
    () => "0x10",
  ])();
}

/** A JSON value of a wrong type, or a deep or huge one. */
function nastyValue(rng: Rng): unknown {
  return rng.pick([
    () => null,
    () => true,
    () => 1e308,
    () => -0,
    () => -1,
    () => 2 ** 53 + 1,
    () => [],
    () => ({}),
    () => nastyString(rng),
    () => Array.from({ length: 300 + rng.int(300) }, () => ({ clientKey: "x" })),
    () => {
      let deep: unknown = 1;
      for (let i = 0; i < 2000 + rng.int(3000); i++) deep = { a: deep };
      return deep;
    },
    () => {
      let deep: unknown = [];
      for (let i = 0; i < 2000 + rng.int(3000); i++) deep = [deep];
      return deep;
    },
  ])();
}

/** `base` with one value somewhere in it replaced (or a key added, or removed). */
function mutate(rng: Rng, base: unknown): unknown {
  const copy = structuredClone(base) as Record<string, unknown>;
  const paths: (string | number)[][] = [];
  const walk = (node: unknown, at: (string | number)[]) => {
    paths.push(at);
    if (node && typeof node === "object") for (const [k, v] of Object.entries(node)) walk(v, [...at, Array.isArray(node) ? Number(k) : k]);
  };
  walk(copy, []);
  const target = rng.pick(paths);
  if (target.length === 0) return rng.next() < 0.5 ? nastyValue(rng) : [copy];
  let parent: Record<string | number, unknown> = copy;
  for (const step of target.slice(0, -1)) parent = parent[step] as Record<string | number, unknown>;
  const last = target[target.length - 1];
  const what = rng.int(10);
  if (what === 0) delete parent[last];
  else if (what === 1) parent[`__proto__${rng.int(3)}`] = nastyValue(rng);
  else parent[last] = nastyValue(rng);
  return copy;
}

/** Raw JSON text that JSON.parse refuses or that nests deeper than anything should. */
function nastyJsonText(rng: Rng): string {
  return rng.pick([
    () => Buffer.from(rng.bytes(1 + rng.int(2000))).toString("latin1"),
    () => "[".repeat(100_000 + rng.int(100_000)),
    () => `${"[".repeat(50_000)}${"]".repeat(50_000)}`,
    () => `{"round": "${"\\u".repeat(10)}"}`,
    () => `{"round":1,"visits":[${'{"a":1},'.repeat(1000)}]}`,
    () => '{"round": "x", "visits": [ ',
    () => "",
    () => "null",
    () => '"string"',
    () => JSON.stringify({ visits: "满".repeat(1_200_000) }),
  ])();
}

// ---------------------------------------------------------------- the county and its digest

let countyId: number;
let campaignId: number;
let linkCode: string;
let admin: string;
let volunteer: string;
let tmp: string;

/** Every table with a county_id, as text (as tests/integration/authorization-matrix.test.ts digests them). */
async function digest(except: string[] = []): Promise<Record<string, string>> {
  const tables = await sql<{ table: string }[]>`
    select c.table_name as table from information_schema.columns c
    join information_schema.tables t on t.table_name = c.table_name and t.table_schema = c.table_schema
    where c.column_name = 'county_id' and c.table_schema = 'public' and t.table_type = 'BASE TABLE'
      and c.table_name not in ('audit_log', 'sessions', 'link_visitors') and not (c.table_name = any(${except}))
    order by 1`;
  const out: Record<string, string> = {};
  for (const { table } of tables) {
    const [row] = await sql<{ digest: string }[]>`
      select count(*) || ':' || coalesce(md5(string_agg(t::text, ',' order by t::text)), '') as digest
      from ${sql(table)} t where county_id = ${countyId}`;
    out[table] = row.digest;
  }
  return out;
}

beforeAll(async () => {
  const register = generateDemoRegister();
  const firstCompound = new Map<string, string>();
  for (const row of register) if (!firstCompound.has(row.community)) firstCompound.set(row.community, row.compound);
  ({ countyId } = await seedDemoCounty(register.filter((row, n) => firstCompound.get(row.community) === row.compound && n % 4 === 0)));
  const campaigns = await seedDemoCampaigns(countyId);
  campaignId = campaigns.demo;
  await seedDemoVisits(countyId);
  await seedDemoRoundForms(countyId, campaigns.demo);
  [{ code: linkCode }] = await sql<
    { code: string }[]
  >`select code from campaign_links where campaign_id = ${campaignId} order by id limit 1`;
  admin = await sessionCookie("admin", DEMO_PASSWORD);
  volunteer = await sessionCookie("volunteer", DEMO_PASSWORD);
  tmp = mkdtempSync(path.join(tmpdir(), "fuzz-"));
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  console.log(`[fuzz] seed ${SEED}, cases per endpoint: ${JSON.stringify(tally)}`);
});

// ---------------------------------------------------------------- files

/** A zip holding an XLSX's entries; `lie` declares every entry 1,000 bytes whatever it holds. */
function zip(entries: { name: string; data: Buffer; deflated?: Buffer; size?: number }[], lie = false): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const body = e.deflated ?? e.data;
    const size = lie ? 1000 : (e.size ?? e.data.length);
    const header = (central: boolean) => {
      const h = Buffer.alloc(central ? 46 : 30);
      h.writeUInt32LE(central ? 0x02014b50 : 0x04034b50, 0);
      const base = central ? 6 : 4;
      if (central) h.writeUInt16LE(20, 4);
      h.writeUInt16LE(20, base);
      h.writeUInt16LE(e.deflated ? 8 : 0, base + 4);
      h.writeUInt32LE(body.length, base + 14);
      h.writeUInt32LE(size, base + 18);
      h.writeUInt16LE(name.length, base + 22);
      if (central) h.writeUInt32LE(offset, 42);
      return h;
    };
    locals.push(header(false), name, body);
    centrals.push(header(true), name);
    offset += 30 + name.length + body.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

/** Raw deflate of `megabytes` MiB of one repeated sheet row, made a chunk at a time. */
async function deflatedRepeats(megabytes: number): Promise<Buffer> {
  const deflate = createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  deflate.on("data", (c: Buffer) => out.push(c));
  const row = Buffer.alloc(1024 * 1024, '<row><c t="inlineStr"><is><t>满</t></is></c></row>');
  for (let i = 0; i < megabytes; i++) if (!deflate.write(row)) await new Promise((r) => deflate.once("drain", r));
  await new Promise((r) => deflate.end(r));
  return Buffer.concat(out);
}

async function bombs() {
  const mb = Math.ceil(MAX_INFLATED_BYTES / 1024 / 1024) + 44;
  const sheet = await deflatedRepeats(mb);
  const types = Buffer.from('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>');
  const entries = (name: string) => [
    { name: "[Content_Types].xml", data: types },
    { name, data: Buffer.alloc(0), deflated: sheet, size: mb * 1024 * 1024 },
  ];
  return {
    sheet: zip(entries("xl/worksheets/sheet1.xml")),
    lyingSheet: zip(entries("xl/worksheets/sheet1.xml"), true),
    sharedStrings: zip(entries("xl/sharedStrings.xml")),
    inflated: mb,
  };
}

async function validFiles() {
  const headers = ["街道", "社区", "小区", "楼栋", "单元", "房号"];
  const rows = [
    ["禾城街道", "锦湖社区", "锦湖苑", "1栋", "1单元", "101"],
    ["禾城街道", "锦湖社区", "锦湖苑", "1栋", "1单元", "102"],
  ];
  const csv = Buffer.from([headers, ...rows].map((r) => r.join(",")).join("\r\n"));
  const xlsx = Buffer.from(await writeXlsx([{ name: "表1", headers, rows }]));
  return { csv, xlsx };
}

/** A file that is not what it says: random, truncated, corrupted, re-encoded, huge cells. */
function nastyFile(rng: Rng, valid: { csv: Buffer; xlsx: Buffer }): { name: string; data: Buffer } {
  const { csv, xlsx } = valid;
  return rng.pick([
    () => ({ name: "随机.xlsx", data: Buffer.from(rng.bytes(1 + rng.int(4096))) }),
    () => ({ name: "随机.csv", data: Buffer.from(rng.bytes(1 + rng.int(4096))) }),
    () => ({ name: "截断.xlsx", data: xlsx.subarray(0, 1 + rng.int(xlsx.length - 1)) }),
    () => {
      const data = Buffer.from(xlsx);
      for (let i = 0; i < 1 + rng.int(20); i++) data[rng.int(data.length)] = rng.int(256);
      return { name: "损坏.xlsx", data };
    },
    () => ({ name: "zip头.xlsx", data: Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from(rng.bytes(rng.int(2000)))]) }),
    () => ({
      name: "ole.xls",
      data: Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.from(rng.bytes(500))]),
    }),
    () => ({ name: "截断.csv", data: csv.subarray(0, 1 + rng.int(csv.length - 1)) }),
    // UTF-8 with GBK bytes spliced in, and UTF-16 without a BOM.
    () => ({ name: "混合.csv", data: Buffer.concat([csv, Buffer.from([0xc4, 0xe3, 0xba, 0xc3, 0x0d, 0x0a]), csv]) }),
    () => ({ name: "utf16.csv", data: Buffer.from(csv.toString("utf8"), "utf16le") }),
    () => ({ name: "巨大.csv", data: Buffer.concat([csv, Buffer.from(`\r\n禾城街道,${"满".repeat(1_000_000)},a,b,c,d`)]) }),
    () => ({ name: "引号.csv", data: Buffer.concat([csv, Buffer.from('\r\n"禾城街道,锦湖社区')]) }),
    () => ({ name: "空行.csv", data: Buffer.from("\r\n".repeat(1000 + rng.int(1000))) }),
    () => ({ name: "多列.csv", data: Buffer.from(`${"列,".repeat(5000)}x\r\n${"1,".repeat(6000)}`) }),
  ])();
}

async function upload(
  action: (args: ActionFunctionArgs) => Promise<unknown>,
  url: string,
  fields: Record<string, string>,
  file: { name: string; data: Buffer },
) {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.append(k, v);
  body.append("file", new File([new Uint8Array(file.data)], file.name));
  const request = new Request(`http://test${url}`, { method: "POST", body, headers: { Cookie: admin } });
  try {
    const result = (await action({ request, params: {}, context })) as
      Response | { data: Record<string, unknown>; init: { status?: number } | null };
    if (result instanceof Response) return { status: result.status, data: {} as Record<string, unknown> };
    return { status: result.init?.status ?? 200, data: result.data };
  } catch (thrown) {
    if (thrown instanceof Response) return { status: thrown.status, data: {} as Record<string, unknown> };
    throw thrown;
  }
}

type Issues = { key: string; params: Record<string, string | number> }[];
const messages = (data: Record<string, unknown>) =>
  ((data.issues as Issues | undefined) ?? []).map((i) => translate("zh", i.key, i.params));

describe("the import parsers", () => {
  let valid: { csv: Buffer; xlsx: Buffer };
  let bomb: Awaited<ReturnType<typeof bombs>>;
  beforeAll(async () => {
    valid = await validFiles();
    bomb = await bombs();
  });

  const IMPORTS = [
    { what: "register import", action: registerAction, url: "/register/import", fields: () => ({}), staged: "register_imports" },
    {
      what: "response import",
      action: responsesAction,
      url: "/responses/import",
      fields: () => ({ campaign: String(campaignId) }),
      staged: "response_uploads",
    },
  ];

  it.each(IMPORTS)(
    "$what: refuses every malformed file with a Chinese message, writing nothing",
    async ({ what, action, url, fields, staged }) => {
      const rng = generator(SEED + what.length);
      for (let n = 0; n < 120; n++) {
        const file = nastyFile(rng, valid);
        const before = await digest([staged]);
        const started = Date.now();
        const got = await upload(action, url, fields(), file);
        count(what);
        expect(Date.now() - started, `${what} ${file.name} took too long`).toBeLessThan(10_000);
        expect([200, 302, 400, 413, 422], `${what} ${file.name}`).toContain(got.status);
        if (got.status >= 400) {
          const text = messages(got.data);
          expect(text.length, `${what} ${file.name}`).toBeGreaterThan(0);
          for (const m of text) expect(m, file.name).toMatch(/[\u4e00-\u9fa5]/);
        }
        // A preview (or a staged upload) is the only write before a confirmation.
        expect(await digest([staged]), `${what} ${file.name}`).toEqual(before);
      }
    },
  );

  it.each(IMPORTS)("$what: a zip bomb is refused before it is inflated into memory", async ({ what, action, url, fields, staged }) => {
    for (const [kind, data] of [
      ["honest sizes", bomb.sheet],
      ["lying sizes", bomb.lyingSheet],
    ] as const) {
      const before = await digest([staged]);
      const rss = process.memoryUsage().rss;
      const started = Date.now();
      const got = await upload(action, url, fields(), { name: "炸弹.xlsx", data });
      count(what);
      expect(got.status, kind).toBe(422);
      expect(messages(got.data), kind).toEqual([
        `文件「炸弹.xlsx」解压后超过 ${MAX_INFLATED_BYTES / 1024 / 1024} MB，无法读取。请删除多余的工作表、格式或空行后另存为 .xlsx，或拆分成几个文件分别上传。`,
      ]);
      expect(Date.now() - started, kind).toBeLessThan(10_000);
      // The sheet inflates to bomb.inflated MiB; counting it keeps none of it.
      expect(process.memoryUsage().rss - rss, kind).toBeLessThan(100 * 1024 * 1024);
      expect(await digest([staged]), kind).toEqual(before);
    }
  });

  it("ticket import: every malformed file reads as a TableReadError (its page's Chinese message), a bomb too", async () => {
    const rng = generator(SEED + 3);
    const cases = [
      ...Array.from({ length: 80 }, () => nastyFile(rng, valid)),
      { name: "炸弹.xlsx", data: bomb.sharedStrings },
      { name: "炸弹2.xlsx", data: bomb.lyingSheet },
    ];
    for (const [n, file] of cases.entries()) {
      const at = path.join(tmp, `t${n}`);
      writeFileSync(at, file.data);
      const started = Date.now();
      const outcome = await readLayout(at, file.name, null).then(
        () => "read",
        (error: unknown) => error,
      );
      count("ticket import");
      expect(Date.now() - started, file.name).toBeLessThan(15_000);
      if (outcome !== "read") {
        expect(outcome, `${file.name}: ${String(outcome)}`).toBeInstanceOf(TableReadError);
        expect(translate("zh", (outcome as TableReadError).key, (outcome as TableReadError).params)).toMatch(/[\u4e00-\u9fa5]/);
      }
      if (file.data === bomb.sharedStrings) expect((outcome as TableReadError).key).toBe("import.table.inflatesTooLarge");
    }
  }, 120_000);
});

// ---------------------------------------------------------------- the resident

describe("the resident submit and start", () => {
  it("answer every malformed submission with a 4xx and store nothing", async () => {
    const rng = generator(SEED + 10);
    const [version] = await sql<{ id: number }[]>`select survey_version_id as id from campaigns where id = ${campaignId}`;
    const types = [
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "multipart/form-data",
      "application/json",
      "text/plain; charset=gbk",
      "",
    ];
    await flushLinkCounters();
    let before = await digest();
    for (let n = 0; n < 250; n++) {
      const fields: [string, string][] = [
        ["__key", rng.next() < 0.5 ? `fuzz-${n}-abcdefgh` : nastyString(rng)],
        ["__version", rng.next() < 0.5 ? String(version.id) : nastyString(rng)],
        ["__started", nastyString(rng)],
        ["__household", nastyString(rng)],
      ];
      for (let i = 0; i < rng.int(30); i++)
        fields.push([rng.pick(["q1", "q2", "env", "__key", `x[${i}][y]`, nastyString(rng).slice(0, 50)]), nastyString(rng)]);
      const encoded = new URLSearchParams(fields).toString();
      const text = rng.pick([
        () => encoded,
        () => encoded.slice(0, rng.int(encoded.length)),
        () => Buffer.from(rng.bytes(rng.int(3000))).toString("latin1"),
        () => JSON.stringify(nastyValue(rng)),
        () => `--x\r\nContent-Disposition: form-data; name="__key"\r\n\r\n${nastyString(rng)}`,
        () => "a=1&".repeat(50_000),
      ])();
      const complete = text.length <= MAX_SUBMISSION_BYTES;
      const headers = new Headers({ "Content-Type": rng.pick(types), "User-Agent": "Mozilla/5.0 (Linux; Android 10) Mobile" });
      const started = Date.now();
      const result = await handleSubmissionOf(
        { headers, body: { text: complete ? text : text.slice(0, MAX_SUBMISSION_BYTES), complete } },
        rng.next() < 0.9 ? linkCode : nastyString(rng),
      );
      count("POST /s/:code/submit");
      expect(Date.now() - started).toBeLessThan(5_000);
      expect([200, 400, 404, 409, 410, 413, 422], JSON.stringify(result.outcome).slice(0, 200)).toContain(result.status);
      // A submission that happens to be valid is stored; the digest moves on with it.
      if (result.status === 200) before = await digest();
    }
    // Nothing refused was written (the digest is taken once, it is not cheap).
    expect(await digest()).toEqual(before);
  }, 120_000);

  it("the start beacon answers 204 or 404 to any code and body", async () => {
    const rng = generator(SEED + 11);
    for (let n = 0; n < 100; n++) {
      const code = rng.next() < 0.5 ? linkCode : nastyString(rng);
      const request = new Request(`http://localhost/s/x/start`, {
        method: "POST",
        body: Buffer.from(rng.bytes(rng.int(5000))),
        headers: { "Content-Type": "application/octet-stream" },
      });
      const response = (await startAction({ request, params: { code }, context })) as Response;
      count("POST /s/:code/start");
      expect([204, 404]).toContain(response.status);
    }
  });
});

// ---------------------------------------------------------------- the phone's sync

describe("the phone's sync", () => {
  let household: number;
  beforeAll(async () => {
    [{ id: household }] = await sql<{ id: number }[]>`select id from households where county_id = ${countyId} order by id limit 1`;
  });

  const SYNCS = [
    {
      endpoint: "POST /api/visits",
      action: visitsAction,
      url: "http://test/api/visits",
      base: () => ({
        round: DEMO_ROUND,
        visits: [{ clientKey: "fuzz-visit-1", householdId: household, outcome: "not_home", at: new Date().toISOString(), note: "无" }],
      }),
    },
    {
      endpoint: "POST /api/visits/forms",
      action: formsAction,
      url: "http://test/api/visits/forms",
      base: () => ({
        round: DEMO_ROUND,
        forms: [
          { kind: "quiz", clientKey: "fuzz-form-1", householdId: household, versionId: 1, answers: { q1: "a" }, visitKey: "fuzz-visit-1" },
        ],
      }),
    },
    {
      endpoint: "POST /api/spot-checks",
      action: spotChecksAction,
      url: "http://test/api/spot-checks",
      base: () => ({
        check: 1,
        results: [{ clientKey: "fuzz-check-1", householdId: household, result: "confirmed", at: new Date().toISOString() }],
      }),
    },
  ];

  it.each(SYNCS)(
    "$endpoint answers malformed JSON with a 4xx and stores nothing it refused",
    async ({ endpoint, action, url, base }) => {
      const rng = generator(SEED + endpoint.length);
      await flushLinkCounters();
      let before = await digest();
      for (let n = 0; n < 150; n++) {
        const body = rng.next() < 0.25 ? nastyJsonText(rng) : JSON.stringify(mutate(rng, base()));
        const started = Date.now();
        const response = await postJson(action as never, url, volunteer, body);
        count(endpoint);
        expect(Date.now() - started, body.slice(0, 100)).toBeLessThan(5_000);
        expect(response.status, body.slice(0, 200)).toBeLessThan(500);
        const answer = (await response.json()) as { error?: unknown; results?: { status: string }[] };
        if (response.status >= 400) expect(typeof answer.error, body.slice(0, 200)).toBe("string");
        else if (answer.results?.some((r) => r.status === "stored")) before = await digest();
      }
      expect(await digest()).toEqual(before);
    },
    120_000,
  );
});
