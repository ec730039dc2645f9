// Resident page weight and load time, as a resident on a cheap phone would get it:
// Chromium with the network throttled to 1.6 Mbps / 150 ms RTT and the CPU slowed 4×.
// Starts the production build (run `npx remix vite:build` first) on a fresh embedded database.
//   npx tsx bench/resident-page.ts [runs=5]
import { spawn } from "node:child_process";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import path from "node:path";
import { brotliCompressSync, gzipSync } from "node:zlib";
import { chromium } from "@playwright/test";
import { CHROMIUM } from "../playwright.config";

const PORT = process.env.BENCH_PAGE_PORT ?? "3472";
const BASE = `http://localhost:${PORT}`;
const RUNS = Number(process.argv[2] ?? 5);

const server = spawn(process.execPath, ["--import", "tsx", "tests/e2e/serve.ts"], {
  env: { ...process.env, E2E_PORT: PORT },
  stdio: ["ignore", "ignore", "inherit"],
});
try {
  for (let i = 0; ; i++) {
    if (i > 120) throw new Error("server did not start");
    if (
      await fetch(`${BASE}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const links = JSON.parse(
    execFileSync(process.execPath, ["--import", "tsx", "app/cli.ts", "links", "--campaign", "demo", "--format", "json"], {
      env: { ...process.env, DATA_DIR: path.join(tmpdir(), `wenming-e2e-${PORT}`), DATABASE_URL: "" },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }),
  ) as { code: string; level: string }[];
  const url = `${BASE}/s/${links.find((l) => l.level === "building")!.code}?src=qr`;

  // Bytes: every script and stylesheet the page asks for, compressed as the server would.
  const html = await (await fetch(url)).text();
  const assets = [...new Set([...html.matchAll(/(?:href|src)="(\/assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]))];
  const imports = new Set(assets);
  for (const js of assets.filter((a) => a.endsWith(".js"))) {
    const text = await (await fetch(BASE + js)).text();
    for (const m of text.matchAll(/from\s*"\.\/([^"]+\.js)"/g)) imports.add(`/assets/${m[1]}`);
  }
  const sizes = { js: { raw: 0, gzip: 0, brotli: 0 }, css: { raw: 0, gzip: 0, brotli: 0 } };
  for (const asset of imports) {
    const body = Buffer.from(await (await fetch(BASE + asset)).arrayBuffer());
    const kind = asset.endsWith(".css") ? sizes.css : sizes.js;
    kind.raw += body.length;
    kind.gzip += gzipSync(body, { level: 9 }).length;
    kind.brotli += brotliCompressSync(body).length;
  }
  const htmlSize = { raw: Buffer.byteLength(html), gzip: gzipSync(html).length };

  const browser = await chromium.launch(CHROMIUM);
  const visible: number[] = [];
  const ready: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 150,
      downloadThroughput: (1.6 * 1024 * 1024) / 8,
      uploadThroughput: (750 * 1024) / 8,
    });
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
    const start = Date.now();
    await page.goto(url, { waitUntil: "commit" });
    await page.locator(".question").first().waitFor({ state: "visible" });
    visible.push(Date.now() - start);
    await page.locator("form[data-ready]").waitFor({ state: "attached", timeout: 60_000 });
    ready.push(Date.now() - start);
    await context.close();
  }
  await browser.close();

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  console.log(`resident page ${url}`);
  console.log(`HTML: ${kib(htmlSize.raw)} raw, ${kib(htmlSize.gzip)} gzip`);
  console.log(
    `JS (${[...imports].filter((a) => a.endsWith(".js")).length} files): ${kib(sizes.js.raw)} raw, ${kib(sizes.js.gzip)} gzip, ${kib(sizes.js.brotli)} brotli`,
  );
  console.log(`CSS: ${kib(sizes.css.raw)} raw, ${kib(sizes.css.gzip)} gzip, ${kib(sizes.css.brotli)} brotli`);
  console.log(`1.6 Mbps / 150 ms RTT / CPU 4x, ${RUNS} cold loads (median, all):`);
  console.log(`  first question visible (answerable with native inputs): ${median(visible)} ms  [${visible.join(", ")}]`);
  console.log(`  scripts running (answers saved on the device, conditions live): ${median(ready)} ms  [${ready.join(", ")}]`);
} finally {
  server.kill("SIGTERM");
}
