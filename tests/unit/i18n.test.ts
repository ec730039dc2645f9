// Every literal message key used in the app exists in both languages, with the same placeholders.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { messageKeys, translate } from "~/i18n";

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
});
