// The bulletin's query string as the form sends it: a target typed for one measure is not carried
// over to another (85% of coverage would make refusal's ceiling 85%, every unit green).
import { describe, expect, it } from "vitest";
import { DEFAULT_REFUSAL_TARGET, DEFAULT_TARGET, parseBulletinParams } from "~/domain/rate-params";

const parse = (query: Record<string, string>) => parseBulletinParams(new URLSearchParams(query));

describe("the bulletin's target", () => {
  it("is the one typed for the measure shown", () => {
    expect(parse({ measure: "refusal", target: "3", targetFor: "refusal" }).target).toBeCloseTo(0.03, 12);
    expect(parse({ measure: "coverage", target: "95", targetFor: "coverage" }).target).toBeCloseTo(0.95, 12);
    expect(parse({ measure: "satisfaction", target: "90", targetFor: "satisfaction" }).target).toBeCloseTo(0.9, 12);
  });

  it("falls back to the new measure's default when the measure was switched in the form", () => {
    expect(parse({ measure: "refusal", target: "85", targetFor: "coverage" }).target).toBe(DEFAULT_REFUSAL_TARGET);
    expect(parse({ measure: "coverage", target: "5", targetFor: "refusal" }).target).toBe(DEFAULT_TARGET);
    expect(parse({ measure: "awareness", target: "70", targetFor: "satisfaction" }).target).toBe(DEFAULT_TARGET);
  });

  it("takes a link's target as it is, and each measure's default without one", () => {
    expect(parse({ measure: "refusal", target: "2" }).target).toBeCloseTo(0.02, 12);
    expect(parse({ measure: "refusal" }).target).toBe(DEFAULT_REFUSAL_TARGET);
    expect(parse({}).target).toBe(DEFAULT_TARGET);
    expect(DEFAULT_REFUSAL_TARGET).toBe(0.05);
  });
});
