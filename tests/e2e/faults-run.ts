// Faults under load, on the scale-out layout: two supervised app instances (`supervisor.ts`, the
// production start) on one external PostgreSQL, behind a round-robin proxy, while resident
// submissions, volunteers' visit-log syncs and hotline callbacks are sent concurrently by clients
// that retry with their idempotency keys. During the load each instance's server is SIGKILLed
// once (the supervisor must bring it back within 10 s) and PostgreSQL is stopped in immediate
// mode and started again. Before the load: two migrations racing on an empty database, a session
// made on one instance used on the other, a callback claim made on one refused to another agent on
// the other, and a device's repeated opens of a link over both instances counted once.
//
// Prints one JSON summary on its last line; tests/e2e/faults.spec.ts runs it and asserts on it.
// By hand: npx remix vite:build && node --import tsx tests/e2e/faults-run.ts
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import postgres from "postgres";
import { resolveDataDir } from "../../db/data-dir";
import { embeddedCluster, freePort } from "../../db/embedded";
import { answerBodies, deviceCookieFor } from "../support/answer-bodies";

const SUBMISSIONS = Number(process.env.FAULTS_SUBMISSIONS ?? 2000);
const VISIT_LOGS = Number(process.env.FAULTS_VISIT_LOGS ?? 1000);
const CALLBACK_TICKETS = Number(process.env.FAULTS_CALLBACK_TICKETS ?? 60);
const CLIENTS = 24;
const PASSWORD = "demo2026";
const log = (line: string) => process.stderr.write(`[faults] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- PostgreSQL: our own cluster, so that it can be stopped in immediate mode and started again on its port.
const work = mkdtempSync(path.join(tmpdir(), "wenming-faults-"));
const dataDir = resolveDataDir(path.join(work, "db"));
mkdirSync(dataDir, { recursive: true, mode: 0o755 });
chmodSync(dataDir, 0o755);
const clusterDir = path.join(dataDir, "pg");
const pgPort = await freePort();
const pgPassword = randomBytes(12).toString("base64url");
let pgLog = "";
const cluster = embeddedCluster(clusterDir, pgPassword, pgPort, (m) => (pgLog = (pgLog + m).slice(-4000)));
await cluster.initialise();
await cluster.start();
const adminUrl = `postgres://postgres:${pgPassword}@127.0.0.1:${pgPort}/postgres`;
const dbUrl = (name: string) => adminUrl.replace(/\/postgres$/, `/${name}`);
const admin = postgres(adminUrl, { max: 2, onnotice: () => {} });
await admin.unsafe("create database wm_faults");
await admin.unsafe("create database wm_race");
const db = postgres(dbUrl("wm_faults"), { max: 4, onnotice: () => {} });

const postmasterPid = () => Number(readFileSync(path.join(clusterDir, "postmaster.pid"), "utf8").split("\n")[0]);
function alive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** `pg_ctl stop -m immediate` (SIGQUIT to the postmaster: no checkpoint, crash recovery at the next start), then a start on the same port. */
async function restartPostgresImmediately(downMs: number) {
  const pid = postmasterPid();
  process.kill(pid, "SIGQUIT");
  while (alive(pid)) await sleep(50);
  await sleep(downMs);
  await cluster.start();
}

// ---- Two migrations racing on an empty database (two instances starting at once).
function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "app/cli.ts", ...args], { env: { ...process.env, ...env } });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("exit", (code) => resolve({ code, out }));
  });
}
const race = await Promise.all([0, 1].map(() => cli(["migrate"], { DATABASE_URL: dbUrl("wm_race"), NODE_ENV: "production" })));
const raceDb = postgres(dbUrl("wm_race"), { max: 1, onnotice: () => {} });
const migrationFiles = readdirSync("db/migrations").filter((f) => f.endsWith(".sql")).length;
const [migrationRows] = await raceDb<{ rows: number; names: number }[]>`
  select count(*)::int as rows, count(distinct name)::int as names from schema_migrations`;
await raceDb.end();
const migrations = { exits: race.map((r) => r.code), files: migrationFiles, ...migrationRows };
for (const r of race) if (r.code !== 0) log(`migration race: a run exited ${r.code}:\n${r.out.slice(-3000)}`);
log(`migration race: ${JSON.stringify(migrations)}`);

// ---- Two supervised instances (the first loads the demo county), and the proxy in front.
type Instance = { name: string; port: number; base: string; supervisor: ChildProcess; output: () => string };
const shared: Record<string, string> = {
  NODE_ENV: "production",
  DATABASE_URL: dbUrl("wm_faults"),
  SESSION_SECRET: randomBytes(24).toString("base64url"),
  PHONE_KEY: randomBytes(32).toString("hex"),
  PUBLIC_URL: "http://localhost",
};

async function healthy(base: string): Promise<boolean> {
  try {
    return (await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) })).status === 200;
  } catch {
    return false;
  }
}

async function startInstance(name: string, seed: boolean): Promise<Instance> {
  const port = await freePort();
  let output = "";
  const supervisor = spawn(process.execPath, ["--import", "tsx", "supervisor.ts"], {
    env: { ...process.env, ...shared, PORT: String(port), DATA_DIR: path.join(work, name), SEED_DEMO: seed ? "1" : "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  supervisors.push(supervisor);
  supervisor.stdout!.on("data", (d) => (output += d));
  supervisor.stderr!.on("data", (d) => (output += d));
  const base = `http://127.0.0.1:${port}`;
  const until = Date.now() + 240_000;
  while (!(await healthy(base))) {
    if (supervisor.exitCode !== null || Date.now() > until) throw new Error(`${name} did not start:\n${output.slice(-3000)}`);
    await sleep(200);
  }
  return { name, port, base, supervisor, output: () => output };
}

// Whatever happens, the supervisors (and through them their servers) stop when this run ends.
const supervisors: ChildProcess[] = [];
process.on("exit", () => supervisors.forEach((s) => s.exitCode === null && s.kill("SIGTERM")));
const started = Date.now();
const a = await startInstance("a", true);
const b = await startInstance("b", true);
log(`instances up in ${((Date.now() - started) / 1000).toFixed(0)} s`);
const instances = [a, b];

let turn = 0;
const proxy = http.createServer((req, res) => {
  const target = instances[turn++ % instances.length];
  const upstream = http.request(
    {
      host: "127.0.0.1",
      port: target.port,
      method: req.method,
      path: req.url,
      headers: req.headers, // Host and Origin pass through unchanged, as from a real load balancer
    },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    },
  );
  upstream.on("error", () => {
    if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
    res.end("bad gateway");
  });
  req.pipe(upstream);
});
const proxyPort = await freePort();
await new Promise<void>((r) => proxy.listen(proxyPort, "127.0.0.1", r));
const PROXY = `http://127.0.0.1:${proxyPort}`;

// ---- Requests. Every client comes from its own address (X-Forwarded-For, believed from loopback).
type Answer = { status: number; text: string; cookie: string | null };
async function send(
  base: string,
  method: string,
  url: string,
  opts: { body?: string; type?: string; cookie?: string; address?: string } = {},
) {
  const headers: Record<string, string> = {
    "x-forwarded-for": opts.address ?? "203.0.113.9",
    "user-agent": "Mozilla/5.0 (Linux; Android 12) faults-run",
  };
  if (opts.type) headers["content-type"] = opts.type;
  if (opts.cookie) headers.cookie = opts.cookie;
  if (method === "POST") headers.origin = base;
  const response = await fetch(base + url, { method, headers, body: opts.body, redirect: "manual", signal: AbortSignal.timeout(15_000) });
  const setCookie = response.headers.get("set-cookie");
  return { status: response.status, text: await response.text(), cookie: setCookie ? setCookie.split(";")[0] : null } satisfies Answer;
}

/** Sends until `done` says the answer is the acknowledgement (true) or a refusal that retrying cannot change (an Error). */
async function untilAcknowledged(attempt: () => Promise<Answer>, done: (a: Answer) => boolean | Error, deadline: number) {
  let tries = 0;
  for (;;) {
    tries++;
    const answer = await attempt().catch(() => null);
    if (answer) {
      const verdict = done(answer);
      if (verdict instanceof Error) throw verdict;
      if (verdict) return { answer, tries };
    }
    if (Date.now() > deadline) return { answer: null, tries };
    await sleep(200 + Math.random() * 300);
  }
}

async function signIn(base: string, username: string, address: string): Promise<string> {
  const r = await send(base, "POST", "/login", {
    body: new URLSearchParams({ identifier: username, password: PASSWORD, redirectTo: "/" }).toString(),
    type: "application/x-www-form-urlencoded",
    address,
  });
  if (r.status !== 302 || !r.cookie) throw new Error(`sign-in of ${username} at ${base}: ${r.status} ${r.text.slice(0, 300)}`);
  return r.cookie;
}

// ---- Two-instance behaviour before the load.
const volunteerCookie = await signIn(a.base, "volunteer", "198.51.100.1");
const sessionOnB = (await send(b.base, "GET", "/api/visits/assignment?round=demo-visits", { cookie: volunteerCookie })).status;
const hotline = await signIn(a.base, "hotline", "198.51.100.2");
const hotline2 = await signIn(b.base, "hotline2", "198.51.100.3");
const due = await db<{ id: number }[]>`
  select t.id from tickets t
  where t.phone_enc is not null and t.completed_at is not null
    and not exists (select 1 from callbacks c where c.ticket_id = t.id)
    and not exists (select 1 from callback_claims cl where cl.ticket_id = t.id)
  order by t.id limit ${CALLBACK_TICKETS + 1}`;
const form = (fields: Record<string, string>) => ({
  body: new URLSearchParams(fields).toString(),
  type: "application/x-www-form-urlencoded",
});
const claimedOnA = await send(a.base, "POST", `/hotline/tickets/${due[0].id}`, { ...form({ intent: "claim" }), cookie: hotline });
const claimOnB = await send(b.base, "POST", `/hotline/tickets/${due[0].id}`, { ...form({ intent: "claim" }), cookie: hotline2 });
const [demoLink] = await db<{ id: number; code: string; opens: number }[]>`
  select l.id, l.code, l.opens from campaign_links l join campaigns c on c.id = l.campaign_id where c.code = 'demo' order by l.id limit 1`;
const device = deviceCookieFor(randomUUID());
for (let i = 0; i < 6; i++) await send(instances[i % 2].base, "GET", `/s/${demoLink.code}`, { cookie: device, address: "198.51.100.4" });
await sleep(2500); // both instances flush their counters every second
const [{ opens: opensAfter }] = await db<{ opens: number }[]>`select opens from campaign_links where id = ${demoLink.id}`;
const twoInstances = {
  sessionOnOtherInstance: sessionOnB,
  claimOnA: claimedOnA.status === 200 && claimedOnA.text.includes("已领取"),
  claimByOtherAgentOnB: claimOnB.status,
  linkOpensCounted: opensAfter - demoLink.opens,
};
log(`two instances: ${JSON.stringify(twoInstances)}`);

// ---- The work to send.
const [campaign] = await db<{ id: number; versionId: number; definition: Record<string, unknown> }[]>`
  select c.id, c.survey_version_id as "versionId", v.definition from campaigns c
  join survey_versions v on v.id = c.survey_version_id where c.code = 'demo'`;
const codes = (await db<{ code: string }[]>`select code from campaign_links where campaign_id = ${campaign.id}`).map((l) => l.code);
const bodies = answerBodies(campaign.definition, campaign.versionId, 200);
const submissionKeys = Array.from({ length: SUBMISSIONS }, () => randomUUID());

// Volunteers with pending households of their own, signed in through the proxy.
const volunteers = await db<{ username: string; households: number[] }[]>`
  select u.username, array_agg(h.id order by h.id) as households
  from users u
  join visit_assignments va on va.volunteer_id = u.id and va.withdrawn_at is null
  join visit_rounds r on r.id = va.round_id and r.code = 'demo-visits'
  join households h on h.county_id = u.county_id and h.path @> array[va.place_id] and not h.vacant
  where u.role = 'volunteer'
    and not exists (select 1 from visit_logs l where l.household_id = h.id and l.round_id = r.id)
  group by u.username order by u.username limit 30`;
type VisitJob = { cookie: string; visits: { clientKey: string; householdId: number; outcome: string; at: string }[] };
const visitJobs: VisitJob[] = [];
let logsPlanned = 0;
for (const [i, v] of volunteers.entries()) {
  const cookie = await signIn(PROXY, v.username, `198.51.100.${20 + i}`);
  const share = v.households.slice(0, Math.ceil(VISIT_LOGS / volunteers.length));
  for (let j = 0; j < share.length && logsPlanned < VISIT_LOGS; j += 10) {
    const visits = share.slice(j, j + 10).map((householdId, k) => ({
      clientKey: randomUUID(),
      householdId,
      outcome: (j + k) % 3 === 0 ? "notHome" : "reached",
      at: new Date(Date.now() - 60_000).toISOString(),
    }));
    logsPlanned += visits.length;
    visitJobs.push({ cookie, visits });
  }
}
const visitKeys = visitJobs.flatMap((j) => j.visits.map((v) => v.clientKey));

// Callbacks: per ticket, a claim, two unanswered calls and then the caller reached (unsatisfied,
// unresolved on every other ticket, which opens a follow-up in the same transaction).
const agentCookies = [await signIn(PROXY, "hotline", "198.51.100.40"), await signIn(PROXY, "hotline2", "198.51.100.41")];
const callbackTickets = due.slice(1, CALLBACK_TICKETS + 1).map((t, i) => ({
  id: t.id,
  cookie: agentCookies[i % 2],
  calls: <Record<string, string>[]>[
    { clientKey: randomUUID(), contact_result: "无人接听" },
    { clientKey: randomUUID(), contact_result: "占线" },
    i % 2 === 0
      ? { clientKey: randomUUID(), contact_result: "接通", satisfaction: "不满意", resolved: "未解决", notes: "仍未解决" }
      : { clientKey: randomUUID(), contact_result: "接通", satisfaction: "满意", resolved: "已解决" },
  ],
}));
const callbackKeys = callbackTickets.flatMap((t) => t.calls.map((c) => c.clientKey));

// ---- The load, with the faults on a timer.
const acked = { submissions: new Set<string>(), visits: new Set<string>(), callbacks: new Set<string>() };
const refusedVisits: unknown[] = [];
const problems: string[] = [];
let requests = 0;
let retries = 0;
const DEADLINE = Date.now() + 240_000;

type Job = () => Promise<void>;
const jobs: Job[] = [];
for (const key of submissionKeys) {
  const code = codes[Math.floor(Math.random() * codes.length)];
  const body = `${bodies[Math.floor(Math.random() * bodies.length)]}&__key=${key}`;
  const cookie = deviceCookieFor(randomUUID());
  jobs.push(async () => {
    const { answer, tries } = await untilAcknowledged(
      () => (requests++, send(PROXY, "POST", `/s/${code}/submit`, { body, type: "application/x-www-form-urlencoded", cookie })),
      (r) =>
        r.status === 200 && r.text.includes('"ok":true')
          ? true
          : r.status === 200 || r.status === 400
            ? new Error(`submit ${r.status} ${r.text.slice(0, 200)}`)
            : false,
      DEADLINE,
    );
    retries += tries - 1;
    if (answer) acked.submissions.add(key);
  });
}
for (const job of visitJobs) {
  jobs.push(async () => {
    const { answer, tries } = await untilAcknowledged(
      () => (
        requests++,
        send(PROXY, "POST", "/api/visits", {
          body: JSON.stringify({ round: "demo-visits", visits: job.visits }),
          type: "application/json",
          cookie: job.cookie,
        })
      ),
      (r) => r.status === 200,
      DEADLINE,
    );
    retries += tries - 1;
    if (!answer) return;
    for (const result of (JSON.parse(answer.text) as { results: { clientKey: string; status: string }[] }).results) {
      if (result.status === "stored" || result.status === "duplicate") acked.visits.add(result.clientKey);
      else refusedVisits.push(result);
    }
  });
}
for (const ticket of callbackTickets) {
  jobs.push(async () => {
    const page = `/hotline/tickets/${ticket.id}`;
    const claim = await untilAcknowledged(
      () => (requests++, send(PROXY, "POST", page, { ...form({ intent: "claim" }), cookie: ticket.cookie })),
      (r) => (r.status === 200 && r.text.includes("已领取") ? true : r.status === 409 ? new Error(`claim ${ticket.id}: 409`) : false),
      DEADLINE,
    );
    retries += claim.tries - 1;
    if (!claim.answer) return;
    for (const { clientKey, ...fields } of ticket.calls) {
      const { answer, tries } = await untilAcknowledged(
        () => (requests++, send(PROXY, "POST", page, { ...form({ intent: "record", clientKey, ...fields }), cookie: ticket.cookie })),
        (r) =>
          r.status === 200 && r.text.includes("已记录这次回访")
            ? true
            : r.status === 409 || r.status === 400
              ? new Error(`record ${ticket.id}: ${r.status}`)
              : false,
        DEADLINE,
      );
      retries += tries - 1;
      if (!answer) return;
      acked.callbacks.add(clientKey);
    }
  });
}
// Mixed order, so that every kind is in flight when the faults come.
for (let i = jobs.length - 1; i > 0; i--) {
  const j = Math.floor(Math.random() * (i + 1));
  [jobs[i], jobs[j]] = [jobs[j], jobs[i]];
}

const serverPids = (instance: Instance) => [...instance.output().matchAll(/server started \(pid (\d+)\)/g)].map((m) => Number(m[1]));
const faults: { what: string; atMs: number; backInMs?: number }[] = [];
async function killServer(instance: Instance) {
  const before = serverPids(instance);
  process.kill(before[before.length - 1], "SIGKILL");
  const killedAt = Date.now();
  while (serverPids(instance).length === before.length || !(await healthy(instance.base))) {
    if (Date.now() - killedAt > 30_000) break;
    await sleep(100);
  }
  faults.push({ what: `SIGKILL ${instance.name}`, atMs: killedAt - loadStarted, backInMs: Date.now() - killedAt });
}
const loadStarted = Date.now();
let next = 0;
const workers = Array.from({ length: CLIENTS }, async () => {
  while (next < jobs.length) {
    const job = jobs[next++];
    await job().catch((e: Error) => problems.push(e.message));
  }
});
const faulting = (async () => {
  await sleep(3000);
  await killServer(a);
  await sleep(3000);
  await killServer(b);
  await sleep(3000);
  const at = Date.now();
  await restartPostgresImmediately(1500);
  faults.push({ what: "PostgreSQL immediate stop + start", atMs: at - loadStarted, backInMs: Date.now() - at });
})();
await Promise.all([...workers, faulting]);
const loadMs = Date.now() - loadStarted;
log(`load done in ${(loadMs / 1000).toFixed(0)} s: ${requests} requests, ${retries} retries; faults ${JSON.stringify(faults)}`);

// ---- What was stored.
async function counts(table: "responses" | "visit_logs" | "callbacks", keys: string[], acknowledged: Set<string>) {
  const rows = await db<{ key: string; n: number }[]>`
    select client_key::text as key, count(*)::int as n from ${db(table)} where client_key::text = any(${keys}) group by client_key`;
  const stored = new Map(rows.map((r) => [r.key, r.n]));
  return {
    sent: keys.length,
    acknowledged: keys.filter((k) => acknowledged.has(k)).length,
    stored: rows.length,
    duplicated: rows.filter((r) => r.n > 1).length,
    lost: keys.filter((k) => acknowledged.has(k) && !stored.has(k)).length,
  };
}
// App modules read DATABASE_URL when they load: the tallies checked with the app's own comparison.
process.env.DATABASE_URL = dbUrl("wm_faults");
process.env.SESSION_SECRET = shared.SESSION_SECRET;
process.env.PHONE_KEY = shared.PHONE_KEY;
const { tallyDifferences } = await import("../../app/models/rates.server");
const { coverageDifferences, roundByCode } = await import("../../app/models/visits.server");
const { callbackStateDifferences } = await import("../../app/models/callback-states.server");
const { sql: appSql } = await import("../../app/db.server");
const [{ countyId }] = await db<{ countyId: number }[]>`select county_id as "countyId" from campaigns where id = ${campaign.id}`;
const round = (await roundByCode(countyId, "demo-visits"))!;
const [followUps] = await db<{ expected: number; opened: number }[]>`
  select count(*) filter (where c.satisfaction = 'unsatisfied')::int as expected, count(f.id)::int as opened
  from callbacks c left join followups f on f.callback_id = c.id
  where c.client_key::text = any(${callbackKeys})`;
const summary = {
  migrations,
  twoInstances,
  loadMs,
  requests,
  retries,
  faults,
  problems: problems.slice(0, 10),
  refusedVisits: refusedVisits.slice(0, 5),
  submissions: await counts("responses", submissionKeys, acked.submissions),
  visits: await counts("visit_logs", visitKeys, acked.visits),
  callbacks: await counts("callbacks", callbackKeys, acked.callbacks),
  followUps,
  tallyDifferences: await tallyDifferences(campaign.id),
  coverageDifferences: await coverageDifferences(round, countyId),
  callbackStateDifferences: await callbackStateDifferences(appSql, countyId),
  crashes: instances.map((i) => (i.output().match(/Cannot read properties of null/g) ?? []).length),
  serverStarts: instances.map((i) => serverPids(i).length),
};

// ---- Clean up.
await appSql.end({ timeout: 5 });
proxy.close();
for (const instance of instances) {
  const exited = new Promise((r) => instance.supervisor.once("exit", r));
  instance.supervisor.kill("SIGTERM");
  await exited;
}
await db.end({ timeout: 5 });
await admin.end({ timeout: 5 });
await cluster.stop();
rmSync(work, { recursive: true, force: true });
if (dataDir !== path.join(work, "db")) rmSync(dataDir, { recursive: true, force: true });
console.log(JSON.stringify(summary));
process.exit(0);
