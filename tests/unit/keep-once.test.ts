// Two instances starting together on a fresh data folder keep one generated key between them: each
// process that races to write the file ends up with the value in it (db/boot.ts keepOnce). With a
// check-then-write, racers each kept their own PHONE_KEY and the second start was refused.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

const racer = (file: string, value: string) =>
  new Promise<string>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "--input-type=module",
        "-e",
        `const { keepOnce } = await import("./db/boot.ts"); process.stdout.write(keepOnce(${JSON.stringify(file)}, ${JSON.stringify(value)}).value);`,
      ],
      { cwd: process.cwd() },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(err))));
  });

describe("a secret generated in the data folder", () => {
  it("is one value for every process that races to make it, and no draft is left behind", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "keep-once-"));
    const file = path.join(dir, "data", "phone-key");
    const kept = await Promise.all(Array.from({ length: 6 }, (_, i) => racer(file, `key-${i}`)));
    expect(new Set(kept).size).toBe(1);
    expect(readFileSync(file, "utf8")).toBe(kept[0]);
    expect(readdirSync(path.dirname(file))).toEqual(["phone-key"]);
  }, 60_000);
});
