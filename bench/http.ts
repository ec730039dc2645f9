// Harness sections "submit" and "page": the resident endpoints of the production build under 50
// concurrent clients, each next to its ceiling server (bench/ceiling-server.tsx) in the same run.
//   node --import tsx bench/http.ts <submit|page>...   (run by bench/run.ts, which passes
//   BENCH_DATABASE_URL, BENCH_TMP and BENCH_OUT)
// The app is the production build on its own database, loaded with the demo county (SEED_DEMO=1);
// every request picks one of the open demo campaign's links; every submission is a fresh client
// key from a fresh device. Afterwards every acknowledged submission must be stored exactly once
// and the tallies must equal a direct count.
import { writeFileSync } from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { answerBodies, deviceCookieFor } from "../tests/support/answer-bodies";
import { fmt, load, log, pct, startServer, table, type LoadResult } from "./lib";

const sections = process.argv.slice(2);
const adminUrl = process.env.BENCH_DATABASE_URL!;
const tmp = process.env.BENCH_TMP!;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const SUBMIT_SECONDS = Number(process.env.BENCH_SUBMIT_SECONDS ?? 60);
const CEILING_SECONDS = Number(process.env.BENCH_CEILING_SECONDS ?? 15);
const PAGE_SECONDS = Number(process.env.BENCH_PAGE_SECONDS ?? 15);
const WARMUP_SECONDS = 5;
const APP_PORT = 3470;
const CEILING_PORT = 3471;

const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
await admin.unsafe("drop database if exists wm_bench_http with (force)");
await admin.unsafe("create database wm_bench_http");
await admin.end();
const dbUrl = new URL(adminUrl);
dbUrl.pathname = "/wm_bench_http";
process.env.DATABASE_URL = dbUrl.toString();
process.env.SESSION_SECRET ??= "bench-session-secret-0123456789abcdef";

log("starting the app (production build; migrating and loading the demo county)");
const started = Date.now();
const app = await startServer(
  "server.ts",
  APP_PORT,
  {
    NODE_ENV: "production",
    DATABASE_URL: dbUrl.toString(),
    SEED_DEMO: "1",
    SESSION_SECRET: process.env.SESSION_SECRET,
  },
  path.join(tmp, "app.log"),
);
log(`app up in ${((Date.now() - started) / 1000).toFixed(0)} s`);

// App modules read DATABASE_URL when they load.
const { sql } = await import("../app/db.server");
const { deviceCookie } = await import("../app/models/resident.server");
const { tallyDifferences } = await import("../app/models/rates.server");

const [campaign] = await sql<{ id: number; versionId: number; definition: Record<string, unknown> }[]>`
  select c.id, c.survey_version_id as "versionId", v.definition from campaigns c
  join survey_versions v on v.id = c.survey_version_id where c.code = 'demo'`;
const codes = (await sql<{ code: string }[]>`select code from campaign_links where campaign_id = ${campaign.id} order by id`).map(
  (l) => l.code,
);
log(`demo campaign: ${codes.length} links`);

const ceiling = await startServer(
  "bench/ceiling-server.tsx",
  CEILING_PORT,
  { NODE_ENV: "production", DATABASE_URL: dbUrl.toString() },
  path.join(tmp, "ceiling.log"),
);

const bodies = answerBodies(campaign.definition, campaign.versionId, 500);
{
  const id = crypto.randomUUID();
  if ((await deviceCookie.parse(deviceCookieFor(id))) !== id) throw new Error("device cookie format changed");
}

const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)];
const out: string[] = [];

function row(name: string, r: LoadResult): (string | number)[] {
  return [name, fmt(r.rps), fmt(r.p50), fmt(r.p99), fmt(r.max), r.non2xx + r.errors + r.timeouts];
}
/** The mean of two runs of the same server (throughput and latency figures). */
const mean = (a: LoadResult, b: LoadResult): LoadResult => ({
  ...a,
  rps: (a.rps + b.rps) / 2,
  p50: (a.p50 + b.p50) / 2,
  p99: (a.p99 + b.p99) / 2,
  max: Math.max(a.max, b.max),
});
const HEAD = ["server", "req/s", "p50 ms", "p99 ms", "max ms", "non-2xx + errors"];

async function submitSection() {
  const acked: string[] = [];
  const spec = (url: string, record: boolean) => ({
    url,
    connections: CONNECTIONS,
    request: (context: Record<string, unknown>) => {
      const key = crypto.randomUUID();
      context.key = key;
      return {
        method: "POST" as const,
        path: `/s/${pick(codes)}/submit`,
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          cookie: deviceCookieFor(crypto.randomUUID()),
          "user-agent": "Mozilla/5.0 (Linux; Android 12) bench",
        },
        body: `${pick(bodies)}&__key=${key}`,
      };
    },
    response: record
      ? (status: number, body: string, context: Record<string, unknown>) => {
          if (status === 200 && body.includes('"ok":true')) acked.push(context.key as string);
        }
      : undefined,
  });
  log(`submit: ceiling warm-up, then ${CEILING_SECONDS} s before and ${CEILING_SECONDS} s after the app`);
  await load({ ...spec(ceiling.url, false), seconds: WARMUP_SECONDS });
  const topBefore = await load({ ...spec(ceiling.url, false), seconds: CEILING_SECONDS });
  log(`submit: ceiling ${fmt(topBefore.rps)} req/s; app warm-up, then ${SUBMIT_SECONDS} s`);
  await load({ ...spec(app.url, false), seconds: WARMUP_SECONDS });
  acked.length = 0;
  const before = await sql<{ n: number }[]>`select count(*)::int as n from responses where campaign_id = ${campaign.id}`;
  // What the database does meanwhile: autovacuum workers (sampled each second) and the dead rows
  // of the tables a submission writes (at the end of every 10 s window).
  const vacuumSeen: string[][] = [];
  const dead: number[] = [];
  const started = Date.now();
  const sampler = setInterval(() => {
    const w = Math.floor((Date.now() - started) / 10_000);
    void sql<
      { q: string }[]
    >`select regexp_replace(query, '^autovacuum: ', '') as q from pg_stat_activity where backend_type = 'autovacuum worker'`
      .then((rows) => (vacuumSeen[w] ??= []).push(...rows.map((r) => r.q)))
      .catch(() => {});
    if ((Date.now() - started) % 10_000 < 1000)
      void sql<{ n: number }[]>`select coalesce(sum(n_dead_tup), 0)::int as n from pg_stat_user_tables
        where relname in ('responses', 'answer_totals', 'response_tallies', 'campaign_devices')`
        .then(([r]) => (dead[w] = r.n))
        .catch(() => {});
  }, 1000);
  const mine = await load({ ...spec(app.url, true), seconds: SUBMIT_SECONDS });
  clearInterval(sampler);
  log(`submit: app ${fmt(mine.rps)} req/s; ceiling again`);
  const topAfter = await load({ ...spec(ceiling.url, false), seconds: CEILING_SECONDS });
  const top = mean(topBefore, topAfter);
  log("submit: checking storage and tallies");
  await new Promise((r) => setTimeout(r, 1000));
  const [stored] = await sql<{ rows: number; keys: number }[]>`
    select count(*)::int as rows, count(distinct client_key)::int as keys from responses
    where campaign_id = ${campaign.id} and client_key = any(${acked}::text[])`;
  const [after] = await sql<{ n: number }[]>`select count(*)::int as n from responses where campaign_id = ${campaign.id}`;
  const differences = await tallyDifferences(campaign.id);
  const first = mine.windows[0];
  const last = mine.windows.at(-1)!;
  out.push(
    `## Submit: POST /s/<code>/submit, ${CONNECTIONS} clients, fresh client key and device per request, ${codes.length} links`,
    "",
    table(HEAD, [
      row(`ceiling before the app: express + urlencoded + one INSERT (${CEILING_SECONDS} s)`, topBefore),
      row(`app (${SUBMIT_SECONDS} s)`, mine),
      row(`ceiling after the app (${CEILING_SECONDS} s)`, topAfter),
    ]),
    "",
    `**Ratio app / ceiling (mean of before and after): ${pct(mine.rps, top.rps)} of the throughput**; p99 ${fmt(mine.p99)} ms against ${fmt(top.p99)} ms.`,
    "",
    table(
      ["10 s window", ...mine.windows.map((_, i) => `${i * 10}–${i * 10 + 10} s`)],
      [
        ["req/s", ...mine.windows.map((w) => fmt(w.rps))],
        ["p50 ms", ...mine.windows.map((w) => fmt(w.p50))],
        ["p99 ms", ...mine.windows.map((w) => fmt(w.p99))],
        ["autovacuum (worker-seconds)", ...mine.windows.map((_, i) => String(vacuumSeen[i]?.length ?? 0))],
        ["dead rows in the written tables", ...mine.windows.map((_, i) => (dead[i] === undefined ? "–" : fmt(dead[i])))],
      ],
    ),
    "",
    `Autovacuum ran on: ${[...new Set(vacuumSeen.flat().map((q) => q.replace(/^VACUUM (ANALYZE )?/, "").replace(/ \(to prevent wraparound\)$/, "")))].join(", ") || "nothing"}.`,
    "",
    `Flat: last window ${fmt(last.rps)} req/s, p99 ${fmt(last.p99)} ms against the first ${fmt(first.rps)} req/s, p99 ${fmt(first.p99)} ms (${pct(last.rps, first.rps)} of its throughput).`,
    "",
    `Correctness: ${acked.length} acknowledged, stored ${stored.rows} rows for ${stored.keys} distinct keys (exactly once: ${stored.rows === acked.length && stored.keys === acked.length ? "yes" : "NO"}); ${after.n - before[0].n} rows added in all; tallyDifferences = ${differences}.`,
    "",
  );
}

async function pageSection() {
  const spec = (url: string) => ({
    url,
    connections: CONNECTIONS,
    request: () => ({
      method: "GET" as const,
      path: `/s/${pick(codes)}?src=qr`,
      headers: { "user-agent": "Mozilla/5.0 (Linux; Android 12) bench", cookie: deviceCookieFor(crypto.randomUUID()) },
    }),
  });
  log(`page: ceiling warm-up, then ${PAGE_SECONDS} s before and after the app`);
  await load({ ...spec(ceiling.url), seconds: WARMUP_SECONDS });
  const topBefore = await load({ ...spec(ceiling.url), seconds: PAGE_SECONDS });
  log(`page: ceiling ${fmt(topBefore.rps)} req/s; app`);
  await load({ ...spec(app.url), seconds: WARMUP_SECONDS });
  const mine = await load({ ...spec(app.url), seconds: PAGE_SECONDS });
  const topAfter = await load({ ...spec(ceiling.url), seconds: PAGE_SECONDS });
  const top = mean(topBefore, topAfter);
  const size = async (url: string) => Buffer.byteLength(await (await fetch(`${url}/s/${codes[0]}`)).text());
  out.push(
    `## Resident page: GET /s/<code>, ${CONNECTIONS} clients, ${PAGE_SECONDS} s each`,
    "",
    table(HEAD, [
      row("ceiling before the app: express + renderToString of the render model", topBefore),
      row("app", mine),
      row("ceiling after the app", topAfter),
    ]),
    "",
    `**Ratio app / ceiling (mean of before and after): ${pct(mine.rps, top.rps)} of the throughput**; p99 ${fmt(mine.p99)} ms against ${fmt(top.p99)} ms. HTML (uncompressed): app ${fmt((await size(app.url)) / 1024, 1)} KiB, ceiling ${fmt((await size(ceiling.url)) / 1024, 1)} KiB.`,
    "",
  );
}

try {
  for (const section of sections) {
    if (section === "submit") await submitSection();
    else if (section === "page") await pageSection();
  }
} finally {
  await Promise.all([app.stop(), ceiling.stop()]);
  await sql.end();
}
writeFileSync(process.env.BENCH_OUT!, out.join("\n"));
