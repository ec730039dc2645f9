// A user's clone has nothing beside it: no test or source file may read ../shared.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "../..");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name === "node_modules" || name === "fixtures" || name.startsWith(".")) return [];
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full) : /\.(ts|tsx|js)$/.test(name) ? [full] : [];
  });
}

describe("the project is self-contained", () => {
  it("no test, benchmark or source file reads the shared folder beside the clone", () => {
    const offenders = ["app", "tests", "bench", "db"]
      .flatMap((d) => files(path.join(root, d)))
      .filter((f) => /\.\.\/shared\b|["'`]\.\.\/\.\.\/\.\.\/shared/.test(readFileSync(f, "utf8")))
      .filter((f) => f !== __filename);
    expect(offenders.map((f) => path.relative(root, f))).toEqual([]);
  });
});
