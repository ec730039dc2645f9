// Every literal message key used in the app exists in both languages, with the same placeholders.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { messageKeys, translate } from "~/i18n";
import { common } from "~/i18n/messages/common";
import { residentMessages } from "~/i18n/messages/resident";

const APP = path.resolve(__dirname, "../../app");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? sourceFiles(full) : /\.tsx?$/.test(name) ? [full] : [];
  });
}

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("i18n", () => {
  it("has the same keys in Chinese and English", () => {
    expect(messageKeys("en").sort()).toEqual(messageKeys("zh").sort());
  });

  it("uses the same placeholders in both languages", () => {
    for (const key of messageKeys("zh")) expect(placeholders(translate("en", key)), key).toEqual(placeholders(translate("zh", key)));
  });

  it('knows every key the code asks for with a literal t("…")', () => {
    const known = new Set(messageKeys("zh"));
    const missing: string[] = [];
    for (const file of sourceFiles(APP)) {
      for (const m of readFileSync(file, "utf8").matchAll(/\bt\(\s*"([a-zA-Z][\w.]*)"/g))
        if (!known.has(m[1])) missing.push(`${path.relative(APP, file)}: ${m[1]}`);
    }
    expect(missing).toEqual([]);
  });

  it("fills placeholders", () => {
    expect(translate("zh", "places.households", { n: "1,234" })).toBe("1,234 户");
    expect(translate("en", "places.households", { n: 5 })).toBe("5 households");
  });

  // The resident's phone loads only the common and resident messages (app/i18n/core.ts): every module
  // its pages load in the browser must translate with ~/i18n/use-t-core and ask for core keys only.
  it("keeps the resident's pages on the common and resident messages", () => {
    const resolve = (from: string, spec: string): string | null => {
      const base = spec.startsWith("~/")
        ? path.join(APP, spec.slice(2))
        : spec.startsWith(".")
          ? path.resolve(path.dirname(from), spec)
          : null;
      if (!base) return null;
      for (const candidate of [base, `${base}.ts`, `${base}.tsx`, path.join(base, "index.ts")])
        if (/\.tsx?$/.test(candidate) && existsSync(candidate) && statSync(candidate).isFile()) return candidate;
      return null;
    };
    const seen = new Set<string>();
    const visit = (file: string) => {
      // Server modules and type-only imports never reach the browser.
      if (seen.has(file) || /\.server\.tsx?$/.test(file)) return;
      seen.add(file);
      for (const m of readFileSync(file, "utf8").matchAll(/^import (?!type )[^;]*?from "([^"]+)";/gms)) {
        const target = resolve(file, m[1]);
        if (target) visit(target);
      }
    };
    for (const page of ["root.tsx", "routes/s.$code.tsx", "routes/s.$code_.done.tsx"]) visit(path.join(APP, page));
    const files = [...seen].map((f) => path.relative(APP, f));
    expect(files).toContain("components/resident/question.tsx");
    expect(files.filter((f) => f === "i18n/use-t.ts" || f === "i18n/index.ts")).toEqual([]);

    // The keys ~/i18n/core holds (this file imports ~/i18n, so the shared dictionary has them all).
    const core = new Set([...Object.keys(common.zh), ...Object.keys(residentMessages.zh)]);
    const outside: string[] = [];
    for (const file of seen)
      for (const m of readFileSync(file, "utf8").matchAll(/\bt\(\s*["`]([a-zA-Z][\w.]*)/g)) {
        const key = m[1];
        // A template such as `resident.notice.${reason}.title` asks for keys under its prefix.
        const known = core.has(key) || (key.endsWith(".") && [...core].some((k) => k.startsWith(key)));
        if (!known) outside.push(`${path.relative(APP, file)}: ${key}`);
      }
    expect(outside).toEqual([]);
    expect(core.size).toBeLessThan(messageKeys("zh").length / 3);
  });
});
