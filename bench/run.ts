// `npm run bench [-- <section>...] [-- --label <name>]`: the benchmark harness. Builds the
// production bundle, starts a PostgreSQL of its own (embedded, in a temporary folder, removed
// afterwards; or BENCH_DATABASE_URL, where it creates and drops its own databases), runs each
// section in a child process and prints and writes bench/results/<date>[-<label>].md. Every
// figure stands next to a ceiling measured in the same run, as a ratio.
//
// Sections: submit, page (resident endpoints with their ceiling servers; bench/http.ts),
// weight (resident page bytes and throttled timings; bench/resident-page.ts),
// rates (10k/100k/1M; bench/rates.ts), import (response import; bench/import.ts),
// tickets (12345 ticket import of 1M rows; bench/tickets.ts), workbench (the 12345 sampler in memory,
// then the draw, the sample page and the callback queue on 1M tickets in PostgreSQL;
// bench/tickets-work.ts), coverage (door-to-door coverage at the demo's size and 10×, and a
// 200-log sync; bench/coverage.ts).
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "../db/embedded";
import { log } from "./lib";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
process.chdir(ROOT);
const SECTIONS = ["submit", "page", "weight", "rates", "import", "tickets", "workbench", "coverage"] as const;
type Section = (typeof SECTIONS)[number];

const args = process.argv.slice(2);
const labelAt = args.indexOf("--label");
const label = labelAt >= 0 ? args.splice(labelAt, 2)[1] : process.env.BENCH_LABEL;
const unknown = args.filter((a) => !(SECTIONS as readonly string[]).includes(a));
if (unknown.length) {
  console.error(`unknown section ${unknown.join(", ")}; sections: ${SECTIONS.join(", ")}`);
  process.exit(2);
}
const chosen: Section[] = args.length ? (args as Section[]) : [...SECTIONS];

const began = Date.now();
const tmp = mkdtempSync(path.join(tmpdir(), "wenming-bench-"));
let embedded: EmbeddedDatabase | null = null;
const parts: string[] = [];

function child(script: string, argv: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--import", "tsx", script, ...argv], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let stdout = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.on("exit", (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${script} ${argv.join(" ")} exited with ${code}`))));
  });
}

try {
  const needsBuild = chosen.some((s) => s === "submit" || s === "page" || s === "weight");
  if (needsBuild && process.env.BENCH_SKIP_BUILD !== "1") {
    log("building the production bundle");
    execFileSync(process.execPath, [path.join(ROOT, "node_modules/@remix-run/dev/dist/cli.js"), "vite:build"], {
      stdio: ["ignore", "ignore", "inherit"],
    });
  }
  let adminUrl = process.env.BENCH_DATABASE_URL;
  if (!adminUrl) {
    embedded = await startEmbeddedPostgres(path.join(tmp, "db"));
    adminUrl = embedded.url;
    log(`embedded PostgreSQL in ${tmp}`);
  }
  // Fewer repetitions of the rate timings than bench/rates.ts alone, to stay within ten minutes.
  const env = {
    BENCH_DATABASE_URL: adminUrl,
    BENCH_TMP: tmp,
    BENCH_RATES_RUNS: process.env.BENCH_RATES_RUNS ?? "5",
    BENCH_RATES_WARMUP: process.env.BENCH_RATES_WARMUP ?? "2",
  };

  const http = chosen.filter((s) => s === "submit" || s === "page");
  if (http.length) {
    const file = path.join(tmp, "http.md");
    await child("bench/http.ts", http, { ...env, BENCH_OUT: file });
    parts.push(readFileSync(file, "utf8"));
  }
  if (chosen.includes("weight")) {
    log("weight: resident page bytes and throttled timings");
    parts.push(`## Resident page weight and throttled timings\n\n${await child("bench/resident-page.ts", [], env)}`);
  }
  if (chosen.includes("rates")) {
    log("rates: 10k, 100k, 1M responses");
    parts.push(`## Rates\n\n${await child("bench/rates.ts", process.env.BENCH_RATES_SIZES?.split(",") ?? [], env)}`);
  }
  if (chosen.includes("import")) {
    log("import: response import");
    parts.push(await child("bench/import.ts", [], env));
  }
  if (chosen.includes("tickets")) {
    log("tickets: 12345 ticket import of a generated 1,000,000-row CSV");
    parts.push(await child("bench/tickets.ts", [], env));
  }
  if (chosen.includes("workbench")) {
    log("workbench: the 12345 sampler, sample page and callback queue on 1M tickets");
    parts.push(await child("bench/tickets-work.ts", [], env));
  }
  if (chosen.includes("coverage")) {
    const rows: string[] = [];
    for (const scale of process.env.BENCH_COVERAGE_SCALES?.split(",") ?? ["1", "10"]) {
      log(`coverage: ${scale}× the demo county`);
      rows.push((await child("bench/coverage.ts", [scale], env)).trim());
    }
    parts.push(
      [
        "## Door-to-door coverage",
        "",
        `Route loaders of /coverage (their whole server time but rendering, the pace included) as the county office at every level and as community staff (锦湖社区, building level), next to the bare GROUP BY of reached households over the logs; the sync is POST /api/visits with 200 queued logs (action time). Medians of ${env.BENCH_RATES_RUNS} warm runs, ms. Targets: ≤ 300 ms per page at 10×, sync ≤ 1,000 ms. "differences": state rows that disagree with a recomputation from the logs after the run (coverageDifferences; must be 0). "tallies = recount": the coverage tallies (db/migrations/014) the syncs left equal a recount from the states, row for row.`,
        "",
        "| scale | households | logs | /coverage county | /coverage communities | /coverage buildings | streets | compounds | stairwells | grids | responsible units | volunteers | community staff: buildings | bare GROUP BY: communities | bare GROUP BY: buildings | bare ÷ page (communities) | sync of 200 logs | differences (check time) | tallies = recount | seeding logs + states |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ...rows,
        "",
      ].join("\n"),
    );
  }
} finally {
  if (embedded) await embedded.stop().catch(() => {});
  rmSync(tmp, { recursive: true, force: true });
}

const commit = (() => {
  try {
    return (
      execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim() +
      (execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], { encoding: "utf8" }).trim()
        ? " (+ uncommitted changes)"
        : "")
    );
  } catch {
    return "unknown";
  }
})();
const day = new Date().toISOString().slice(0, 10);
const header = [
  `# npm run bench ${chosen.join(" ")} — ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC`,
  "",
  `Commit ${commit}; ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; load generator (autocannon) on the same machine; took ${((Date.now() - began) / 60_000).toFixed(1)} min. The machine may be shared: compare ratios, not absolute figures.`,
  "",
].join("\n");
const report = `${header}\n${parts.join("\n")}\n`;
console.log(report);
mkdirSync(path.join(ROOT, "bench/results"), { recursive: true });
let file = path.join(ROOT, "bench/results", `${day}${label ? `-${label}` : ""}.md`);
for (let i = 2; existsSync(file) && !label; i++) file = path.join(ROOT, "bench/results", `${day}-${i}.md`);
writeFileSync(file, report);
log(`written to ${path.relative(ROOT, file)}`);
