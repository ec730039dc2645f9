// The database connection closing under a transaction must not end the process: postgres.js
// 3.4.9 flushes a small write from a setImmediate and, when the socket closed in between, throws
// an uncatchable TypeError there (porsager/postgres#1154, #1208). scripts/guard-postgres.mjs
// guards it at install. The reproduction (from #1208) runs in a child process, since the crash
// would take the test runner with it: a transaction's backend is terminated while a query is in
// flight, so the transaction's own ROLLBACK is written to the closed socket. Unguarded, the child
// dies with that TypeError (exit 1) on the first try.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import postgresDriver from "postgres";
import { describe, expect, it } from "vitest";

const REPRODUCTION = `
import postgres from "postgres";
const url = process.env.DATABASE_URL;
// The server's policy (server.ts): a query given up with its dead connection that nobody waits
// for any more (on a loaded machine, the transaction's own ROLLBACK) is not a crash. The bug
// guarded against is an uncaught TypeError from a timer, which this does not catch.
process.on("unhandledRejection", (reason) => {
  if (reason?.code === "CONNECTION_CLOSED") return;
  throw reason;
});
for (let round = 0; round < 3; round++) {
  const sql = postgres(url, { max: 2, onnotice: () => {} });
  const killer = postgres(url, { max: 1, onnotice: () => {} });
  let pid = null;
  const tx = sql.begin(async (t) => {
    const [row] = await t\`select pg_backend_pid() as pid\`;
    pid = row.pid;
    await t\`select pg_sleep(5)\`;
  });
  while (pid === null) await new Promise((r) => setTimeout(r, 20));
  await killer\`select pg_terminate_backend(\${pid})\`;
  const error = await tx.then(() => null, (e) => e);
  // The next query is served; on a loaded machine the pool may learn of the closed socket only
  // when that query is written to it (a CONNECTION_CLOSED the caller retries), not before.
  let again = null;
  for (let attempt = 0; attempt < 25 && again === null; attempt++) {
    await new Promise((r) => setTimeout(r, 200));
    again = await sql\`select 1 as one\`.then(([row]) => row.one, (e) => {
      if (e.code !== "CONNECTION_CLOSED") throw e;
      return null;
    });
  }
  console.log(JSON.stringify({ round, error: error?.code ?? null, again }));
  await sql.end({ timeout: 5 });
  await killer.end({ timeout: 5 });
}
`;

function run(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", REPRODUCTION], {
      cwd: process.cwd(),
      env: process.env,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 40_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("postgres.js under a connection that dies mid-transaction", () => {
  it("is the guarded driver in every copy the app can load", () => {
    const root = path.resolve(path.dirname(createRequire(import.meta.url).resolve("postgres")), "../..");
    for (const dir of ["src", "cjs/src"]) {
      const text = readFileSync(path.join(root, dir, "connection.js"), "utf8");
      expect(text, dir).toContain("wenming: guarded nextWrite");
      expect(text, dir).toContain("wenming: begin reserves its connection");
    }
  });

  it("rejects the transaction with CONNECTION_CLOSED, keeps the process alive and serves the next query", async () => {
    const { code, stdout, stderr } = await run();
    expect(stderr).not.toContain("Cannot read properties of null");
    expect(code, stderr).toBe(0);
    const rounds = stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(rounds).toEqual([0, 1, 2].map((round) => ({ round, error: "CONNECTION_CLOSED", again: 1 })));
  }, 60_000);
});

// porsager/postgres#1189: a BEGIN that fills a connection's pipeline reached PostgreSQL without
// the connection being reserved for its transaction (UNSAFE_TRANSACTION, and a backend left idle
// in transaction for the next query). With max_pipeline 0 every BEGIN is such a one, so unguarded
// every transaction fails (#1210); CI met the intermittent case under load.
describe("postgres.js transactions when BEGIN fills the pipeline", () => {
  it("reserves the connection: the transaction commits and the pool's next queries run outside it", async () => {
    // max_pipeline is a driver option its types leave out.
    const options = { max: 2, max_pipeline: 0, onnotice: () => {}, connection: { application_name: "begin-guard" } };
    const sql = postgresDriver(process.env.DATABASE_URL!, options as Parameters<typeof postgresDriver>[1]);
    const observer = postgresDriver(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
    try {
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) => sql.begin(async (tx) => (await tx<{ n: number }[]>`select ${i}::int as n`)[0].n)),
      );
      expect(results).toEqual([0, 1, 2, 3, 4, 5]);
      await Promise.all(Array.from({ length: 4 }, () => sql`select 1`));
      // No backend of the pool left inside a transaction nobody holds.
      const [{ left }] = await observer<{ left: number }[]>`
        select count(*)::int as left from pg_stat_activity where application_name = 'begin-guard' and state like 'idle in transaction%'`;
      expect(left).toBe(0);
    } finally {
      await sql.end({ timeout: 5 });
      await observer.end({ timeout: 5 });
    }
  });
});
