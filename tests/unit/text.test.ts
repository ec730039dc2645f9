import { describe, expect, it } from "vitest";
import { normalizeText } from "~/domain/text";

describe("normalizeText", () => {
  it("turns full-width letters and digits into ASCII", () => {
    expect(normalizeText("Ａ栋３０１ｂ")).toBe("A栋301b");
    expect(normalizeText("１３８ １２３４ ５６７８")).toBe("138 1234 5678");
  });

  it("collapses every run of white space, the ideographic space included, and trims", () => {
    expect(normalizeText("　锦绣\t\t花园\u3000\n一期 \u00a0")).toBe("锦绣 花园 一期");
    expect(normalizeText(" \u3000 ")).toBe("");
  });

  it("keeps full-width punctuation unless asked, so stored names stay as typed", () => {
    expect(normalizeText("锦绣花园（一期），１号楼－Ａ")).toBe("锦绣花园（一期），1号楼－A");
    expect(normalizeText("Ｘ１（可选）：－５；＃", { punctuation: true })).toBe("X1(可选):-5;#");
  });

  it("folds nothing else that NFKC would change", () => {
    for (const text of ["①号楼", "Ⅱ期", "50㎡", "ｶﾞ", "＂", "〇"]) {
      expect(normalizeText(text)).toBe(text);
    }
    expect(normalizeText("①Ⅱ", { punctuation: true })).toBe("①Ⅱ");
  });
});
