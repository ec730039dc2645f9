// The production start (`npm start` after its build): runs server.ts as a child process and
// starts it again when it dies, so one crash does not leave the county without its site until a
// person notices. It never rebuilds. Restarts are immediate; a server that dies again within
// 10 s of starting waits 1, 2, 4 … up to 30 s before the next try (a database that is down, a
// port in use), so a crash loop does not spin the CPU.
//
// SIGTERM or SIGINT to the supervisor stops the server (SIGTERM, then SIGKILL after 10 s) and
// exits. The server runs in its own process group, so a terminal's Ctrl-C reaches it only
// through here, once. With the embedded database, a server that was killed leaves PostgreSQL
// running (the next one finds it through postmaster.pid); if that cluster was started under this
// supervisor, it is stopped here at the end, as the server stops its own.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { resolveDataDir } from "./db/data-dir";

const root = path.dirname(fileURLToPath(import.meta.url));
const log = (line: string) => console.log(`[wenming supervisor] ${line}`);

/** The postmaster pid of the embedded cluster, when there is one and it is alive. */
function embeddedPostmaster(): number | null {
  if (process.env.DATABASE_URL) return null;
  const file = path.join(resolveDataDir(process.env.DATA_DIR ?? path.join(root, ".data")), "pg", "postmaster.pid");
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, "utf8").split("\n")[0]);
  return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !alive(pid);
}

const clusterBefore = embeddedPostmaster();
let child: ChildProcess | null = null;
let stopping = false;
let quickDeaths = 0;

function start() {
  const startedAt = Date.now();
  child = spawn(process.execPath, ["--import", "tsx", path.join(root, "server.ts")], {
    cwd: root,
    stdio: "inherit",
    detached: true,
  });
  log(`server started (pid ${child.pid})`);
  child.on("exit", (code, signal) => {
    child = null;
    if (stopping) return;
    quickDeaths = Date.now() - startedAt < 10_000 ? quickDeaths + 1 : 0;
    const wait = quickDeaths <= 1 ? 0 : Math.min(30_000, 1000 * 2 ** (quickDeaths - 2));
    log(`server exited (${signal ?? `code ${code}`}); starting it again${wait ? ` in ${wait / 1000} s` : ""}`);
    setTimeout(start, wait);
  });
}

async function stop(signal: NodeJS.Signals) {
  if (stopping) return;
  stopping = true;
  log(`${signal}: stopping the server`);
  const running = child;
  if (running?.pid) {
    const exited = new Promise<void>((resolve) => running.once("exit", () => resolve()));
    running.kill("SIGTERM");
    const timer = setTimeout(() => running.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }
  // A server restarted after a crash found the cluster running and left it alone at its exit.
  const postmaster = embeddedPostmaster();
  if (postmaster && postmaster !== clusterBefore) {
    log("stopping the embedded PostgreSQL started under this supervisor");
    process.kill(postmaster, "SIGINT");
    await waitGone(postmaster, 15_000);
  }
  process.exit(0);
}

process.on("SIGTERM", () => void stop("SIGTERM"));
process.on("SIGINT", () => void stop("SIGINT"));
start();
