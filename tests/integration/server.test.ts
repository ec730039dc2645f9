// The real server process (server.ts, development mode) against this file's database.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import postgres from "postgres";
import { createCounty } from "~/models/counties.server";
import { createUser } from "~/models/users.server";

const ROOT = new URL("../..", import.meta.url).pathname;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function startServer(env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ["--import", "tsx", "server.ts"], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: "development", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitFor(check: () => boolean, ms: number) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("server start-up", () => {
  it("exits non-zero with a clear message when the database is down at start", async () => {
    const port = await freePort();
    const server = startServer({ DATABASE_URL: `postgres://postgres:x@127.0.0.1:${port}/none`, PORT: String(port) });
    const code = await server.exited;
    expect(code).toBe(1);
    expect(server.output()).toContain("cannot connect to the database at postgres://postgres:***@127.0.0.1");
    expect(server.output()).toContain("数据库无法连接");
  });
});

describe("a running server", () => {
  const dbName = new URL(process.env.DATABASE_URL!).pathname.slice(1);
  let base = "";
  let server: ReturnType<typeof startServer>;
  // Only a connection to another database may switch this one off.
  const admin = postgres(inject("adminUrl"), { max: 1, onnotice: () => {} });

  beforeAll(async () => {
    const county = await createCounty("srv", "测试县");
    await createUser(county.id, {
      username: "admin",
      displayName: "管理员",
      phone: null,
      role: "admin",
      scope: { placeId: county.rootPlaceId },
      password: "secret123",
    });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = startServer({ DATABASE_URL: process.env.DATABASE_URL!, PORT: String(port), SESSION_SECRET: "server-test-secret-0123456789" });
    await waitFor(() => server.output().includes("listening on"), 60_000);
  }, 90_000);

  afterAll(async () => {
    server?.child.kill("SIGTERM");
    await server?.exited;
    await admin.unsafe(`alter database ${dbName} allow_connections true`);
    await admin.end();
  });

  it("answers /healthz and shows the sign-in page in Chinese", async () => {
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true, db: "up" });
    const login = await fetch(`${base}/login`);
    const html = await login.text();
    expect(html).toContain('<html lang="zh-CN"');
    expect(html).toContain("用户名或手机号");
    expect(login.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("refuses a cross-site form post", async () => {
    const res = await fetch(`${base}/login`, {
      method: "POST",
      headers: { Origin: "http://evil.example", "Content-Type": "application/x-www-form-urlencoded" },
      body: "identifier=admin&password=secret123",
    });
    expect(res.status).toBe(403);
  });

  it("answers 503 and shows an error page while the database is down, and recovers", async () => {
    const signIn = await fetch(`${base}/login`, {
      method: "POST",
      redirect: "manual",
      headers: { Origin: base, "Content-Type": "application/x-www-form-urlencoded" },
      body: "identifier=admin&password=secret123&redirectTo=/places",
    });
    expect(signIn.status).toBe(302);
    const cookie = signIn.headers.get("set-cookie")!.split(";")[0];
    expect((await fetch(`${base}/places`, { headers: { Cookie: cookie } })).status).toBe(200);

    await admin.unsafe(`alter database ${dbName} allow_connections false`);
    await admin`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${dbName}`;
    const down = await fetch(`${base}/healthz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ ok: false, db: "down" });
    const page = await fetch(`${base}/places`, { headers: { Cookie: cookie } });
    expect(page.status).toBe(500);
    expect(await page.text()).toContain("服务暂时不可用");

    await admin.unsafe(`alter database ${dbName} allow_connections true`);
    const up = await fetch(`${base}/healthz`);
    expect(up.status).toBe(200);
    expect((await fetch(`${base}/places`, { headers: { Cookie: cookie } })).status).toBe(200);
  });
});

describe("plain form posts", () => {
  it("are not refused for a same-origin page (the referrer policy lets the browser send its origin)", async () => {
    const port = await freePort();
    const server = startServer({
      DATABASE_URL: process.env.DATABASE_URL!,
      PORT: String(port),
      SESSION_SECRET: "server-test-secret-0123456789",
    });
    try {
      await waitFor(() => server.output().includes("listening on"), 60_000);
      const page = await fetch(`http://127.0.0.1:${port}/login`);
      expect(page.headers.get("referrer-policy")).toBe("same-origin");
    } finally {
      server.child.kill("SIGTERM");
      await server.exited;
    }
  });
});
