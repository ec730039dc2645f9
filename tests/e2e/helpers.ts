import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, request as playwrightRequest, type Page } from "@playwright/test";
import postgres from "postgres";
import { resolveDataDir } from "../../db/data-dir";

export const SHOTS = "tests/e2e/.artifacts";
export const DEMO_PASSWORD = "demo2026";

/** The data folder of the journeys' server (tests/e2e/serve.ts). */
const JOURNEYS_DATA_DIR = path.join(tmpdir(), `wenming-e2e-${process.env.E2E_PORT ?? "3457"}`);

/**
 * A connection of its own to the running embedded cluster of a data folder (the app's database is
 * `postgres`), found as db/embedded.ts finds it: the port in postmaster.pid, the password in
 * credentials.json. For counts a journey checks the pages against, and for cutting connections.
 */
export function clusterSql(dataDir = JOURNEYS_DATA_DIR) {
  const dir = resolveDataDir(dataDir);
  const lines = readFileSync(path.join(dir, "pg", "postmaster.pid"), "utf8").split("\n");
  const { password } = JSON.parse(readFileSync(path.join(dir, "credentials.json"), "utf8"));
  return postgres(`postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${lines[3]}/postgres`, {
    max: 1,
    onnotice: () => {},
  });
}

export async function signIn(page: Page, identifier: string, password = DEMO_PASSWORD) {
  await page.goto("/login");
  await page.getByLabel("用户名或手机号").fill(identifier);
  await page.getByLabel("密码").fill(password);
  await page.getByRole("button", { name: "登录" }).click();
  await expect(page).not.toHaveURL(/\/login/);
}

/** Runs the operators' CLI against the e2e server's embedded database (it joins the running cluster). */
export function cli(...args: string[]): string {
  return execFileSync(process.execPath, ["--import", "tsx", "app/cli.ts", ...args], {
    env: { ...process.env, DATA_DIR: JOURNEYS_DATA_DIR, DATABASE_URL: "" },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export type SecondServer = { base: string; output: () => string; stop: () => Promise<void> };

/** A second production server on the e2e server's embedded database (it joins the running cluster), on a free port; its stdout and stderr kept. */
export async function startSecondServer(): Promise<SecondServer> {
  const port = await freePort();
  const base = `http://localhost:${port}`;
  const server = spawn(process.execPath, ["--import", "tsx", "server.ts"], {
    env: {
      ...process.env,
      NODE_ENV: "production",
      PORT: String(port),
      DATA_DIR: JOURNEYS_DATA_DIR,
      DATABASE_URL: "",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  server.stdout!.on("data", (d) => (output += d));
  server.stderr!.on("data", (d) => (output += d));
  const api = await playwrightRequest.newContext();
  await expect(async () => expect((await api.get(`${base}/healthz`)).status()).toBe(200)).toPass({ timeout: 60_000 });
  await api.dispose();
  return {
    base,
    output: () => output,
    stop: async () => {
      if (server.exitCode !== null) return;
      const exited = new Promise((resolve) => server.once("exit", resolve));
      server.kill("SIGTERM");
      await exited;
    },
  };
}
