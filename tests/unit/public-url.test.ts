// The one rule for the base of resident links: PUBLIC_URL, else the request's origin, else the
// running app's recorded port (the command line), else PORT.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { readEnv } from "~/utils/env.server";
import { recordAppOrigin, resolveOrigin } from "~/utils/public-url.server";

const dir = () => mkdtempSync(path.join(tmpdir(), "wm-origin-"));

afterEach(() => vi.unstubAllEnvs());

describe("resident link origin", () => {
  it("is PUBLIC_URL everywhere when it is set, without its path", () => {
    vi.stubEnv("PUBLIC_URL", "https://cw.example.gov.cn/app/");
    const data = dir();
    recordAppOrigin(data, 8080);
    expect(resolveOrigin(readEnv(), new Request("http://10.0.0.5:3000/campaigns/1"))).toEqual({
      origin: "https://cw.example.gov.cn",
      source: "PUBLIC_URL",
    });
    expect(resolveOrigin(readEnv(), undefined, data)).toEqual({ origin: "https://cw.example.gov.cn", source: "PUBLIC_URL" });
  });

  it("is the request's origin in a page when PUBLIC_URL is unset", () => {
    vi.stubEnv("PUBLIC_URL", "");
    expect(resolveOrigin(readEnv(), new Request("http://10.0.0.5:8080/campaigns/1/posters/2"))).toEqual({
      origin: "http://10.0.0.5:8080",
      source: "request",
    });
  });

  it("on the command line, is the port the running app recorded, not 3000", () => {
    vi.stubEnv("PUBLIC_URL", "");
    vi.stubEnv("PORT", "");
    const data = dir();
    const forget = recordAppOrigin(data, 8080);
    expect(resolveOrigin(readEnv(), undefined, data)).toEqual({ origin: "http://localhost:8080", source: "runningApp" });
    forget();
    expect(resolveOrigin(readEnv(), undefined, data)).toEqual({ origin: "http://localhost:3000", source: "PORT" });
  });

  it("keeps the first app's port when a second app on the same data folder starts and stops", () => {
    vi.stubEnv("PUBLIC_URL", "");
    vi.stubEnv("PORT", "");
    const data = dir();
    recordAppOrigin(data, 3457);
    // The second instance: another live process (this test's parent) on another port.
    const forgetSecond = recordAppOrigin(data, 41234, process.ppid);
    expect(["http://localhost:3457", "http://localhost:41234"]).toContain(resolveOrigin(readEnv(), undefined, data).origin);
    forgetSecond();
    expect(resolveOrigin(readEnv(), undefined, data)).toEqual({ origin: "http://localhost:3457", source: "runningApp" });
  });

  it("ignores the record of an app that is no longer running, and falls back to PORT", () => {
    vi.stubEnv("PUBLIC_URL", "");
    vi.stubEnv("PORT", "4100");
    const data = dir();
    writeFileSync(path.join(data, "app-origin-4206649.json"), JSON.stringify({ pid: 2 ** 22 + 12345, origin: "http://localhost:8080" }));
    expect(resolveOrigin(readEnv(), undefined, data)).toEqual({ origin: "http://localhost:4100", source: "PORT" });
    writeFileSync(path.join(data, "app-origin-4206649.json"), "not json");
    expect(resolveOrigin(readEnv(), undefined, data)).toEqual({ origin: "http://localhost:4100", source: "PORT" });
    expect(resolveOrigin(readEnv(), undefined, null)).toEqual({ origin: "http://localhost:4100", source: "PORT" });
  });
});
