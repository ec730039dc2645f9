import { describe, expect, it } from "vitest";
import {
  CAMPAIGN_CODE,
  linksCsv,
  pages,
  parseShanghaiDateTime,
  residentUrl,
  toShanghaiInput,
  type LinkExportRow,
} from "~/domain/campaigns";

describe("Beijing time in the campaign form", () => {
  it("reads a datetime-local value as UTC+8", () => {
    expect(parseShanghaiDateTime("2026-03-01T08:00")?.toISOString()).toBe("2026-03-01T00:00:00.000Z");
    expect(parseShanghaiDateTime("2026-01-01T00:30")?.toISOString()).toBe("2025-12-31T16:30:00.000Z");
    expect(parseShanghaiDateTime("2026-03-31T20:00:15")?.toISOString()).toBe("2026-03-31T12:00:15.000Z");
  });

  it("refuses values that are not real times", () => {
    for (const bad of ["", "2026-02-30T10:00", "2026-13-01T10:00", "2026-03-01T24:00", "2026-03-01T10:60", "2026-03-01 10:00", "tomorrow"])
      expect(parseShanghaiDateTime(bad), bad).toBeNull();
    expect(parseShanghaiDateTime("2028-02-29T10:00")).not.toBeNull();
  });

  it("shows a stored time back in Beijing time", () => {
    expect(toShanghaiInput(new Date("2026-03-01T00:00:00Z"))).toBe("2026-03-01T08:00");
    expect(toShanghaiInput(new Date("2025-12-31T16:30:59Z"))).toBe("2026-01-01T00:30");
    expect(parseShanghaiDateTime(toShanghaiInput(new Date("2026-07-04T03:21:00Z")))?.toISOString()).toBe("2026-07-04T03:21:00.000Z");
  });
});

describe("campaign codes and resident URLs", () => {
  it("accepts lowercase letters, digits and hyphens, 2 to 40 long", () => {
    for (const ok of ["demo", "2026-03-jinhu", "ab", "a".repeat(40)]) expect(CAMPAIGN_CODE.test(ok), ok).toBe(true);
    for (const bad of ["a", "Demo", "二月", "a b", "a_b", "a".repeat(41)]) expect(CAMPAIGN_CODE.test(bad), bad).toBe(false);
  });

  it("builds the link, QR and household-slip URLs", () => {
    expect(residentUrl("https://wm.example.cn/", "Ab3dEf7h")).toBe("https://wm.example.cn/s/Ab3dEf7h");
    expect(residentUrl("https://wm.example.cn", "Ab3dEf7h", { qr: true })).toBe("https://wm.example.cn/s/Ab3dEf7h?src=qr");
    expect(residentUrl("http://10.0.0.5:3000", "Ab3dEf7h", { qr: true, household: "K7M2Q9XZ" })).toBe(
      "http://10.0.0.5:3000/s/Ab3dEf7h?src=qr&h=K7M2Q9XZ",
    );
  });
});

describe("link list CSV", () => {
  const row = (over: Partial<LinkExportRow> = {}): LinkExportRow => ({
    street: "禾城街道",
    community: "锦湖社区",
    compound: "向阳新村",
    building: "1号楼",
    level: "building",
    code: "Ab3dEf7h",
    url: "http://x/s/Ab3dEf7h",
    qrUrl: "http://x/s/Ab3dEf7h?src=qr",
    ...over,
  });
  const csv = (rows: LinkExportRow[]) =>
    linksCsv(
      rows,
      (c) => c.toUpperCase(),
      (l) => (l === "building" ? "楼栋" : "小区"),
    );

  it("starts with a BOM and uses CRLF rows", () => {
    expect(csv([row()])).toBe(
      "\uFEFFSTREET,COMMUNITY,COMPOUND,BUILDING,LEVEL,CODE,URL,QRURL\r\n" +
        "禾城街道,锦湖社区,向阳新村,1号楼,楼栋,Ab3dEf7h,http://x/s/Ab3dEf7h,http://x/s/Ab3dEf7h?src=qr\r\n",
    );
  });

  it("quotes commas and quotes, leaves a compound's building empty, and defuses formulas", () => {
    const text = csv([row({ compound: '锦湖"一期",北区', building: null, level: "compound" }), row({ building: "=HYPERLINK(1)" })]);
    const [, first, second] = text.split("\r\n");
    expect(first).toBe('禾城街道,锦湖社区,"锦湖""一期"",北区",,小区,Ab3dEf7h,http://x/s/Ab3dEf7h,http://x/s/Ab3dEf7h?src=qr');
    expect(second.split(",")[3]).toBe("'=HYPERLINK(1)");
  });

  it("defuses every place name a spreadsheet would run as a formula", () => {
    const typed = ["=1+1", "+1", "-1", "@SUM(A1:A2)", "\t=1", "\r=1"];
    const lines = csv(typed.map((name) => row({ compound: name })))
      .split("\r\n")
      .slice(1, -1);
    expect(lines.map((line) => line.split(",")[2])).toEqual(["'=1+1", "'+1", "'-1", "'@SUM(A1:A2)", "'\t=1", '"\'\r=1"']);
  });
});

describe("pages", () => {
  it("splits posters two to a page and slips eight to a page", () => {
    expect(pages([1, 2, 3], 2)).toEqual([[1, 2], [3]]);
    expect(pages([], 8)).toEqual([]);
    expect(
      pages(
        Array.from({ length: 16 }, (_, i) => i),
        8,
      ).map((p) => p.length),
    ).toEqual([8, 8]);
  });
});
