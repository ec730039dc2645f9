// The one rule for the address resident links are built from, in the pages (links, QR codes,
// posters, household slips, the link CSV) and on the command line:
//   1. PUBLIC_URL when it is set (the address residents reach, e.g. behind a proxy or a domain);
//   2. else, in a request, the origin the office reached the app at (its host and port);
//   3. else (the command line) the origin of the app running on this data folder, as it recorded
//      itself when it started listening;
//   4. else http://localhost:$PORT (3000 when PORT is unset).
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { appEnv, type Env } from "~/utils/env.server";

// One record per server process (app-origin-<pid>.json): a second instance on the same data
// folder neither overwrites the first one's record nor takes it away when it stops.
const RECORD = /^app-origin-(\d+)\.json$/;
const recordFile = (dataDir: string, pid: number) => path.join(dataDir, `app-origin-${pid}.json`);

export function publicOrigin(request?: Request): string {
  return resolveOrigin(appEnv(), request).origin;
}

export type OriginSource = "PUBLIC_URL" | "request" | "runningApp" | "PORT";

export function resolveOrigin(
  env: Pick<Env, "PUBLIC_URL" | "PORT">,
  request?: Request,
  dataDir: string | null = null,
): { origin: string; source: OriginSource } {
  if (env.PUBLIC_URL) return { origin: new URL(env.PUBLIC_URL).origin, source: "PUBLIC_URL" };
  if (request) return { origin: new URL(request.url).origin, source: "request" };
  const running = dataDir ? runningAppOrigin(dataDir) : null;
  if (running) return { origin: running, source: "runningApp" };
  return { origin: `http://localhost:${env.PORT}`, source: "PORT" };
}

/** Called by the server once it listens: lets the command line build links for this port. */
export function recordAppOrigin(dataDir: string, port: number, pid = process.pid): () => void {
  const file = recordFile(dataDir, pid);
  writeFileSync(file, JSON.stringify({ pid, origin: `http://localhost:${port}` }));
  return () => rmSync(file, { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The origin recorded by an app still running on this data folder (any one of them: each serves), if any. */
export function runningAppOrigin(dataDir: string): string | null {
  let names: string[];
  try {
    names = readdirSync(dataDir).filter((name) => RECORD.test(name));
  } catch {
    return null;
  }
  for (const name of names.sort()) {
    try {
      const record = JSON.parse(readFileSync(path.join(dataDir, name), "utf8")) as { pid?: unknown; origin?: unknown };
      if (typeof record.pid !== "number" || typeof record.origin !== "string" || !URL.canParse(record.origin)) continue;
      if (alive(record.pid)) return new URL(record.origin).origin;
    } catch {
      // Unreadable or half written: not a record.
    }
  }
  return null;
}
