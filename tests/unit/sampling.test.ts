// Sample planning (published table values), the seeded draw, and the forecast arithmetic.
import { describe, expect, it } from "vitest";
import { drawSample, mulberry32, parseSeed, partSeed, planSample } from "~/domain/sampling";
import { forecastPart, pointsFor, EVALUATION_POINTS } from "~/domain/forecast";

describe("planSample", () => {
  // Krejcie RV, Morgan DW. Determining sample size for research activities. Educational and
  // Psychological Measurement 1970;30:607-610, Table 1 (95%, ±5%, p = 0.5).
  it.each([
    [100, 80],
    [1000, 278],
    [10000, 370],
  ])("Krejcie & Morgan 1970: population %i needs %i", (households, needed) => {
    expect(planSample({ households, collected: 0, margin: 0.05 }).needed).toBe(needed);
  });

  it("counts what is still missing and never asks for more than the households", () => {
    expect(planSample({ households: 1000, collected: 200, margin: 0.05 })).toEqual({
      households: 1000,
      needed: 278,
      collected: 200,
      effective: 200,
      remaining: 78,
    });
    expect(planSample({ households: 1000, collected: 300, margin: 0.05 }).remaining).toBe(0);
    expect(planSample({ households: 12, collected: 0, margin: 0.05 }).needed).toBe(12);
    expect(planSample({ households: 0, collected: 0, margin: 0.05 }).needed).toBe(0);
  });

  it("compares the effective n with what is needed, and converts the gap into households", () => {
    // 2,000 households need 323; 340 responses worth an effective 196 (design effect 340/196):
    // (323 − 196) × 340 / 196 = 220.3 → 221 more households, although 340 > 323.
    const plan = planSample({ households: 2000, collected: 340, effective: 196, margin: 0.05 });
    expect(plan.needed).toBe(323);
    expect(plan.remaining).toBe(221);
    expect(plan.remaining).toBeGreaterThan(0);
    expect(planSample({ households: 2000, collected: 340, effective: 330, margin: 0.05 }).remaining).toBe(0);
    // Never more than the households not yet surveyed; no valid answers yet counts as none.
    expect(planSample({ households: 400, collected: 300, effective: 20, margin: 0.05 }).remaining).toBe(100);
    expect(planSample({ households: 1000, collected: 50, effective: 0, margin: 0.05 }).remaining).toBe(278);
  });
});

describe("mulberry32", () => {
  it("is reproducible and differs between seeds", () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const first = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(first);
    expect(mulberry32(43)()).not.toBe(first[0]);
    for (const x of first) expect(x >= 0 && x < 1).toBe(true);
  });

  it("is close to uniform: chi-square over 10 bins of 100,000 draws below the 99.9% point (27.88)", () => {
    const rng = mulberry32(20240917);
    const bins = new Array(10).fill(0);
    for (let i = 0; i < 100_000; i++) bins[Math.floor(rng() * 10)]++;
    const chi2 = bins.reduce((sum, observed) => sum + (observed - 10_000) ** 2 / 10_000, 0);
    expect(chi2).toBeLessThan(27.88);
  });
});

describe("drawSample", () => {
  const households = Array.from({ length: 500 }, (_, i) => i + 1);

  it("draws without replacement, the same households for the same seed", () => {
    const draw = drawSample(households, 218, 123456);
    expect(draw).toHaveLength(218);
    expect(new Set(draw).size).toBe(218);
    expect(draw.every((h) => h >= 1 && h <= 500)).toBe(true);
    expect(drawSample(households, 218, 123456)).toEqual(draw);
    expect(drawSample(households, 218, 123457)).not.toEqual(draw);
    // A smaller draw with the same seed is the start of the larger one.
    expect(drawSample(households, 20, 123456)).toEqual(draw.slice(0, 20));
  });

  it("takes everyone when the sample is larger than the list, and leaves the input alone", () => {
    const few = [3, 1, 2];
    expect(drawSample(few, 10, 1).sort()).toEqual([1, 2, 3]);
    expect(few).toEqual([3, 1, 2]);
  });

  it("gives every household the same chance (each of 10 drawn about 3 in 10 times)", () => {
    const ten = Array.from({ length: 10 }, (_, i) => i);
    const hits = new Array(10).fill(0);
    for (let seed = 1; seed <= 20_000; seed++) for (const h of drawSample(ten, 3, partSeed(seed, "c"))) hits[h]++;
    // Expected 6,000 each; binomial sd ≈ 65, so ±300 is more than 4 sd.
    for (const h of hits) expect(Math.abs(h - 6000)).toBeLessThan(300);
  });

  it("gives each community its own stream, independent of the other communities drawn", () => {
    expect(partSeed(7, 101)).toBe(partSeed(7, 101));
    expect(partSeed(7, 101)).not.toBe(partSeed(7, 102));
    expect(partSeed(7, 101)).not.toBe(partSeed(8, 101));
  });
});

describe("parseSeed", () => {
  it("accepts whole numbers from 1 to 999,999,999 only", () => {
    expect(parseSeed("20260317")).toBe(20260317);
    expect(parseSeed(" 42 ")).toBe(42);
    for (const bad of ["0", "-1", "1.5", "abc", "1000000000", "", null]) expect(parseSeed(bad)).toBeNull();
  });
});

describe("forecast", () => {
  const estimate = { rate: 0.9, n: 300, lower: 0.86, upper: 0.93 };

  it("proportional: 37 × rate, the interval carried over", () => {
    const f = forecastPart(estimate, EVALUATION_POINTS.household, { kind: "proportional" })!;
    expect(f.points).toBeCloseTo(33.3, 10);
    expect(f.lower).toBeCloseTo(31.82, 10);
    expect(f.upper).toBeCloseTo(34.41, 10);
  });

  it("deduction: full points from 90%, one point off per percentage point below, never negative", () => {
    const scoring = { kind: "deduction", full: 0.9, perPoint: 1 } as const;
    expect(pointsFor(0.95, 37, scoring)).toBe(37);
    expect(pointsFor(0.85, 37, scoring)).toBeCloseTo(32, 10);
    expect(pointsFor(0.2, 37, scoring)).toBe(0);
    const f = forecastPart(estimate, 37, scoring)!;
    expect([f.points, f.lower, f.upper].map((x) => Math.round(x * 100) / 100)).toEqual([37, 33, 37]);
  });

  it("has nothing to say without an estimate", () => {
    expect(forecastPart({ rate: null, n: 0, lower: 0, upper: 1 }, 37, { kind: "proportional" })).toBeNull();
  });
});
