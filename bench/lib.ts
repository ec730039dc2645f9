// Shared pieces of the benchmark harness (bench/run.ts): servers as child processes, HTTP load
// with autocannon and per-window latency, markdown tables.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import autocannon from "autocannon";
import postgres from "postgres";

export const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

export type Server = { url: string; process: ChildProcess; stop: () => Promise<void> };

/** Starts `node --import tsx <script>` with `env`, waits until `readyPath` answers 2xx/3xx/4xx. */
export async function startServer(
  script: string,
  port: number,
  env: Record<string, string>,
  logFile: string,
  readyPath = "/healthz",
): Promise<Server> {
  const out = createWriteStream(logFile);
  const child = spawn(process.execPath, [...(process.env.BENCH_NODE_ARGS?.split(" ").filter(Boolean) ?? []), "--import", "tsx", script], {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${script} exited (${child.exitCode}); see ${logFile}`);
    if (Date.now() > deadline) throw new Error(`${script} did not start; see ${logFile}`);
    const ok = await fetch(url + readyPath).then(
      (r) => r.status < 500,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 300));
  }
  return {
    url,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
        child.once("exit", () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill("SIGTERM");
      }),
  };
}

export type Load = {
  url: string;
  connections: number;
  seconds: number;
  /** Called for every request: its method, path, headers and body. */
  request: (context: Record<string, unknown>) => { method: "GET" | "POST"; path: string; headers?: Record<string, string>; body?: string };
  /** Called with every response (status and body text) and the request's context. */
  response?: (status: number, body: string, context: Record<string, unknown>) => void;
};

export type LoadResult = {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Per 10 s window: requests per second, p50, p99. */
  windows: { rps: number; p50: number; p99: number }[];
};

const quantile = (sorted: number[], q: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;

/** Drives `connections` keep-alive clients for `seconds`, every request built by `request`. */
export async function load(spec: Load): Promise<LoadResult> {
  const started = Date.now();
  const samples: { at: number; ms: number }[] = [];
  const instance = autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.seconds,
    timeout: 10,
    requests: [
      {
        setupRequest: (req: Record<string, unknown>, context: Record<string, unknown>) => {
          const r = spec.request(context);
          return { ...req, method: r.method, path: r.path, headers: { ...(r.headers ?? {}) }, body: r.body };
        },
        onResponse: spec.response
          ? (status: number, body: string, context: Record<string, unknown>) => spec.response!(status, body, context)
          : undefined,
      },
    ],
  } as never);
  instance.on("response", (_client: unknown, _status: number, _bytes: number, ms: number) => {
    samples.push({ at: Date.now() - started, ms });
  });
  const result = (await instance) as unknown as {
    requests: { total: number };
    latency: { p50: number; p99: number; max: number };
    non2xx: number;
    errors: number;
    timeouts: number;
    duration: number;
  };
  const all = samples.map((s) => s.ms).sort((a, b) => a - b);
  const windows: LoadResult["windows"] = [];
  for (let from = 0; from + 10_000 <= spec.seconds * 1000 + 500; from += 10_000) {
    const w = samples
      .filter((s) => s.at >= from && s.at < from + 10_000)
      .map((s) => s.ms)
      .sort((a, b) => a - b);
    windows.push({ rps: w.length / 10, p50: quantile(w, 0.5), p99: quantile(w, 0.99) });
  }
  return {
    requests: samples.length,
    rps: samples.length / spec.seconds,
    p50: quantile(all, 0.5),
    p99: quantile(all, 0.99),
    max: all.at(-1) ?? NaN,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    windows,
  };
}

export function table(head: string[], rows: (string | number)[][]): string {
  const align = head.map((_, i) => (i === 0 ? "---" : "---:"));
  return [`| ${head.join(" | ")} |`, `| ${align.join(" | ")} |`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

export const pct = (part: number, whole: number) => `${((100 * part) / whole).toFixed(0)}%`;
export const fmt = (n: number, digits = 0) =>
  Number.isFinite(n) ? n.toLocaleString("en", { maximumFractionDigits: digits, minimumFractionDigits: digits }) : "–";

/**
 * A fresh database `name` on the harness's PostgreSQL (BENCH_DATABASE_URL), made the process's
 * DATABASE_URL, with the secrets the app needs; import ~/db.server only after this.
 */
export async function freshBenchDatabase(name: string): Promise<void> {
  const admin = postgres(process.env.BENCH_DATABASE_URL!, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(process.env.BENCH_DATABASE_URL!);
  url.pathname = `/${name}`;
  process.env.DATABASE_URL = url.toString();
  process.env.SESSION_SECRET ??= "bench-session-secret-0123456789abcdef";
  process.env.PHONE_KEY ??= "ab".repeat(32);
}
