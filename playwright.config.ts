import { existsSync } from "node:fs";
import { defineConfig } from "@playwright/test";

// Browser journeys use an installed Chromium: no browser download (this network has none).
const chrome = process.env.CHROME_PATH ?? "/usr/bin/chromium";
if (!existsSync(chrome)) {
  throw new Error(
    `Chromium not found at ${chrome}. Install it (Debian/Ubuntu: apt-get install chromium fonts-wqy-microhei; ` +
      `macOS: install Google Chrome) and/or set CHROME_PATH to the browser executable.`,
  );
}

export const E2E_PORT = Number(process.env.E2E_PORT ?? 3457);

/** How the journeys start Chromium (also for the persistent contexts a journey launches itself). */
export const CHROMIUM = {
  executablePath: chrome,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
};

/** The phone every journey runs on. */
export const PHONE = { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: "zh-CN" };

export default defineConfig({
  testDir: "tests/e2e",
  outputDir: "tests/e2e/.artifacts/results",
  timeout: 60_000,
  fullyParallel: false,
  workers: 1,
  reporter: [["list"]],
  use: {
    baseURL: `http://localhost:${E2E_PORT}`,
    ...PHONE,
    launchOptions: CHROMIUM,
  },
  webServer: {
    // The production build on a fresh embedded database, started exactly as `npm start` does.
    command: "node --import tsx tests/e2e/serve.ts",
    url: `http://localhost:${E2E_PORT}/healthz`,
    timeout: 180_000,
    reuseExistingServer: false,
    stdout: "ignore",
  },
});
