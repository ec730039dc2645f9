// Expected values come from published tables (cited per block) or from an independent computation
// (SciPy, exact rational arithmetic), never from this module's own output.
import { describe, expect, it } from "vitest";
import { compareEstimates, compareProportions, criticalZ, proportion, sampleSize, wilsonInterval } from "~/domain/stats";

describe("criticalZ", () => {
  it("matches the standard normal table", () => {
    expect(criticalZ(0.9)).toBeCloseTo(1.6449, 4);
    expect(criticalZ(0.95)).toBeCloseTo(1.959964, 6);
    expect(criticalZ(0.99)).toBeCloseTo(2.5758, 4);
    expect(criticalZ(0.999)).toBeCloseTo(3.2905, 4);
  });

  it("rejects confidence levels outside (0, 1)", () => {
    for (const confidence of [0, 1, 1.5, -0.1, 95, Number.NaN]) {
      expect(() => criticalZ(confidence)).toThrow(RangeError);
    }
  });
});

describe("wilsonInterval", () => {
  // Newcombe RG, Stat Med 1998;17:857-872, Table I: method 3 (Wilson score) and method 4
  // (with continuity correction), 95% limits to 4 decimals.
  const tableI: Array<[number, number, [number, number], [number, number]]> = [
    [81, 263, [0.2553, 0.3662], [0.2535, 0.3682]],
    [15, 148, [0.0624, 0.1605], [0.0598, 0.1644]],
    [0, 20, [0.0, 0.1611], [0.0, 0.2005]],
    [1, 29, [0.0061, 0.1718], [0.0018, 0.1963]],
  ];

  for (const [x, n, [lower, upper], [ccLower, ccUpper]] of tableI) {
    it(`Newcombe 1998 Table I, method 3: ${x}/${n} -> ${lower} to ${upper}`, () => {
      const ci = wilsonInterval(x, n);
      expect(ci.lower).toBeCloseTo(lower, 4);
      expect(ci.upper).toBeCloseTo(upper, 4);
    });

    it(`Newcombe 1998 Table I, method 4: ${x}/${n} -> ${ccLower} to ${ccUpper}`, () => {
      const ci = wilsonInterval(x, n, { continuityCorrection: true });
      expect(ci.lower).toBeCloseTo(ccLower, 4);
      expect(ci.upper).toBeCloseTo(ccUpper, 4);
    });
  }

  it("gives the uninformative [0, 1] when nobody answered", () => {
    expect(wilsonInterval(0, 0)).toEqual({ lower: 0, upper: 1 });
    expect(wilsonInterval(0, 0, { continuityCorrection: true })).toEqual({ lower: 0, upper: 1 });
  });

  it("pins the limit at the observed boundary (x = 0 and x = n)", () => {
    for (const continuityCorrection of [false, true]) {
      expect(wilsonInterval(0, 20, { continuityCorrection }).lower).toBe(0);
      expect(wilsonInterval(20, 20, { continuityCorrection }).upper).toBe(1);
    }
    // Mirror image of 0/20 (Table I): 20/20 -> 0.8389 to 1.
    expect(wilsonInterval(20, 20).lower).toBeCloseTo(1 - 0.1611, 4);
    expect(wilsonInterval(20, 20, { continuityCorrection: true }).lower).toBeCloseTo(1 - 0.2005, 4);
  });

  it("is symmetric under swapping successes and failures", () => {
    const ci = wilsonInterval(81, 263);
    const mirror = wilsonInterval(263 - 81, 263);
    expect(mirror.lower).toBeCloseTo(1 - ci.upper, 12);
    expect(mirror.upper).toBeCloseTo(1 - ci.lower, 12);
  });

  it("the continuity-corrected interval contains the uncorrected one", () => {
    for (const [x, n] of [
      [81, 263],
      [15, 148],
      [1, 29],
      [5, 10],
      [9, 10],
    ]) {
      const plain = wilsonInterval(x, n);
      const corrected = wilsonInterval(x, n, { continuityCorrection: true });
      expect(corrected.lower).toBeLessThan(plain.lower);
      expect(corrected.upper).toBeGreaterThan(plain.upper);
    }
  });

  it("is narrower at 90% and wider at 99% than at 95%, always around the point estimate", () => {
    const width = (ci: { lower: number; upper: number }) => ci.upper - ci.lower;
    const at90 = wilsonInterval(81, 263, { confidence: 0.9 });
    const at95 = wilsonInterval(81, 263);
    const at99 = wilsonInterval(81, 263, { confidence: 0.99 });
    expect(width(at90)).toBeLessThan(width(at95));
    expect(width(at99)).toBeGreaterThan(width(at95));
    for (const ci of [at90, at95, at99]) {
      expect(ci.lower).toBeLessThan(81 / 263);
      expect(ci.upper).toBeGreaterThan(81 / 263);
    }
  });

  it("rejects impossible counts and confidence levels", () => {
    expect(() => wilsonInterval(5, 3)).toThrow(RangeError);
    expect(() => wilsonInterval(-1, 3)).toThrow(RangeError);
    expect(() => wilsonInterval(1.5, 3)).toThrow(RangeError);
    expect(() => wilsonInterval(1, 2.5)).toThrow(RangeError);
    expect(() => wilsonInterval(0, -1)).toThrow(RangeError);
    expect(() => wilsonInterval(Number.NaN, 3)).toThrow(RangeError);
    expect(() => wilsonInterval(1, 3, { confidence: 1 })).toThrow(RangeError);
    expect(() => wilsonInterval(1, 3, { confidence: 0 })).toThrow(RangeError);
    expect(() => wilsonInterval(0, 0, { confidence: 95 })).toThrow(RangeError);
    expect(() => wilsonInterval(5, 3)).toThrow(/successes must be an integer between 0 and n = 3/);
  });
});

describe("proportion", () => {
  it("returns the rate with its Wilson interval", () => {
    const result = proportion(81, 263);
    expect(result.rate).toBeCloseTo(0.308, 3);
    expect(result).toMatchObject({ successes: 81, n: 263 });
    expect(result.lower).toBeCloseTo(0.2553, 4);
    expect(result.upper).toBeCloseTo(0.3662, 4);
  });

  it("passes options through to the interval", () => {
    const result = proportion(81, 263, { continuityCorrection: true });
    expect(result.lower).toBeCloseTo(0.2535, 4);
    expect(result.upper).toBeCloseTo(0.3682, 4);
  });

  it("has a null rate and [0, 1] interval when nobody answered", () => {
    expect(proportion(0, 0)).toEqual({ rate: null, successes: 0, n: 0, lower: 0, upper: 1 });
  });

  it("rejects impossible counts", () => {
    expect(() => proportion(4, 3)).toThrow(RangeError);
  });
});

describe("compareEstimates", () => {
  it("is compareProportions when given whole counts with their Wilson intervals", () => {
    for (const [xA, nA, xB, nB] of [
      [56, 70, 48, 80],
      [9, 10, 3, 10],
      [10, 10, 0, 20],
      [5, 56, 0, 29],
    ]) {
      const a = { rate: xA / nA, n: nA, ...wilsonInterval(xA, nA) };
      const b = { rate: xB / nB, n: nB, ...wilsonInterval(xB, nB) };
      const expected = compareProportions({ successes: xA, n: nA }, { successes: xB, n: nB });
      const got = compareEstimates(a, b);
      for (const key of ["difference", "lower", "upper", "z", "pValue"] as const) expect(got[key]).toBeCloseTo(expected[key], 12);
    }
  });

  it("refuses an empty sample", () => {
    expect(() => compareEstimates({ rate: 0.5, n: 0, lower: 0, upper: 1 }, { rate: 0.5, n: 3, lower: 0.1, upper: 0.9 })).toThrow(
      RangeError,
    );
  });
});

describe("compareProportions", () => {
  // Newcombe RG, Stat Med 1998;17:873-890, Table II, method 10 (hybrid score interval, no
  // continuity correction): 95% limits for pA - pB to 4 decimals, examples (a) to (h).
  const tableII: Array<[number, number, number, number, number, number]> = [
    [56, 70, 48, 80, 0.0524, 0.3339],
    [9, 10, 3, 10, 0.1705, 0.809],
    [6, 7, 2, 7, 0.0582, 0.8062],
    [5, 56, 0, 29, -0.0381, 0.1926],
    [0, 10, 0, 20, -0.1611, 0.2775],
    [0, 10, 0, 10, -0.2775, 0.2775],
    [10, 10, 0, 20, 0.6791, 1.0],
    [10, 10, 0, 10, 0.6075, 1.0],
  ];

  for (const [xA, nA, xB, nB, lower, upper] of tableII) {
    it(`Newcombe 1998 Table II, method 10: ${xA}/${nA} - ${xB}/${nB} -> ${lower} to ${upper}`, () => {
      const result = compareProportions({ successes: xA, n: nA }, { successes: xB, n: nB });
      expect(result.difference).toBeCloseTo(xA / nA - xB / nB, 12);
      expect(result.lower).toBeCloseTo(lower, 4);
      expect(result.upper).toBeCloseTo(upper, 4);
    });
  }

  it("matches R prop.test(c(56, 48), c(70, 80), correct = FALSE)", () => {
    // Pearson chi-square of [[56, 14], [48, 32]] = 150 * 1120^2 / (70 * 80 * 104 * 46) = 7.0234,
    // p = 0.008045 (exact rational arithmetic; SciPy chi2_contingency(correction=False) agrees).
    const result = compareProportions({ successes: 56, n: 70 }, { successes: 48, n: 80 });
    expect(result.difference).toBeCloseTo(0.2, 12);
    expect(result.z * result.z).toBeCloseTo(188_160_000 / 26_790_400, 6);
    expect(result.z).toBeGreaterThan(0);
    expect(result.pValue).toBeCloseTo(0.008045, 6);
  });

  it("gives chi-square = 30 for the perfectly separated 10/10 vs 0/20", () => {
    // 30 * (10 * 20)^2 / (10 * 20 * 10 * 20) = 30; p = erfc(sqrt(15)) = 4.32e-8 (SciPy chi2.sf).
    const result = compareProportions({ successes: 10, n: 10 }, { successes: 0, n: 20 });
    expect(result.z * result.z).toBeCloseTo(30, 9);
    expect(result.pValue).toBeCloseTo(4.3205e-8, 11);
  });

  it("reverses sign and mirrors the interval when the groups are swapped", () => {
    const ab = compareProportions({ successes: 56, n: 70 }, { successes: 48, n: 80 });
    const ba = compareProportions({ successes: 48, n: 80 }, { successes: 56, n: 70 });
    expect(ba.difference).toBeCloseTo(-ab.difference, 12);
    expect(ba.lower).toBeCloseTo(-ab.upper, 12);
    expect(ba.upper).toBeCloseTo(-ab.lower, 12);
    expect(ba.z).toBeCloseTo(-ab.z, 12);
    expect(ba.pValue).toBeCloseTo(ab.pValue, 12);
  });

  it("gives z = 0 and p = 1 when the pooled variance is 0", () => {
    for (const [xA, nA, xB, nB] of [
      [0, 10, 0, 20],
      [10, 10, 20, 20],
    ]) {
      const result = compareProportions({ successes: xA, n: nA }, { successes: xB, n: nB });
      expect(result.z).toBe(0);
      expect(result.pValue).toBe(1);
    }
  });

  it("gives p = 1 (not above) for equal rates", () => {
    const result = compareProportions({ successes: 3, n: 10 }, { successes: 6, n: 20 });
    expect(result.z).toBeCloseTo(0, 12);
    expect(result.pValue).toBeLessThanOrEqual(1);
    expect(result.pValue).toBeCloseTo(1, 6);
  });

  it("widens with the confidence level", () => {
    const a = { successes: 56, n: 70 };
    const b = { successes: 48, n: 80 };
    const at90 = compareProportions(a, b, { confidence: 0.9 });
    const at95 = compareProportions(a, b);
    const at99 = compareProportions(a, b, { confidence: 0.99 });
    expect(at90.lower).toBeGreaterThan(at95.lower);
    expect(at90.upper).toBeLessThan(at95.upper);
    expect(at99.lower).toBeLessThan(at95.lower);
    expect(at99.upper).toBeGreaterThan(at95.upper);
    expect(at99.pValue).toBe(at95.pValue);
  });

  it("rejects empty groups and impossible counts", () => {
    expect(() => compareProportions({ successes: 0, n: 0 }, { successes: 1, n: 2 })).toThrow(/a\.n must be at least 1/);
    expect(() => compareProportions({ successes: 1, n: 2 }, { successes: 0, n: 0 })).toThrow(/b\.n must be at least 1/);
    expect(() => compareProportions({ successes: 3, n: 2 }, { successes: 1, n: 2 })).toThrow(RangeError);
    expect(() => compareProportions({ successes: 1, n: 2 }, { successes: 1, n: 2 }, { confidence: 2 })).toThrow(RangeError);
  });
});

describe("sampleSize", () => {
  it("Cochran: ±5% at 95% with p = 0.5 needs 385 (n0 = 384.15)", () => {
    expect(sampleSize({ margin: 0.05 })).toBe(385);
  });

  it("other textbook values for an infinite population", () => {
    expect(sampleSize({ margin: 0.05, confidence: 0.9 })).toBe(271); // n0 = 270.55
    expect(sampleSize({ margin: 0.05, confidence: 0.99 })).toBe(664); // n0 = 663.49
    expect(sampleSize({ margin: 0.03 })).toBe(1068); // n0 = 1067.07
    expect(sampleSize({ margin: 0.05, p: 0.2 })).toBe(246); // n0 = 245.85
  });

  it("applies the finite-population correction", () => {
    expect(sampleSize({ margin: 0.05, population: 1000 })).toBe(278); // 277.71
    expect(sampleSize({ margin: 0.05, population: 500 })).toBe(218); // 217.47, rounded up
  });

  it("agrees with Krejcie & Morgan (1970) where their rounding to nearest equals rounding up", () => {
    // Their formula X²NP(1-P) / (d²(N-1) + X²P(1-P)) equals n0 / (1 + (n0 - 1)/N). Their table rounds
    // to the nearest whole number, so e.g. N = 500 (217.47) reads 217 there and 218 here.
    const table: Array<[number, number]> = [
      [100, 80],
      [200, 132],
      [300, 169],
      [1000, 278],
      [1500, 306],
      [3000, 341],
      [5000, 357],
      [10000, 370],
      [1_000_000, 384],
    ];
    for (const [population, expected] of table) {
      expect(sampleSize({ margin: 0.05, population })).toBe(expected);
    }
  });

  it("never exceeds the population", () => {
    expect(sampleSize({ margin: 0.05, population: 1 })).toBe(1);
    expect(sampleSize({ margin: 0.05, population: 10 })).toBe(10); // 9.77
    expect(sampleSize({ margin: 0.01, confidence: 0.99, population: 50 })).toBe(50);
  });

  it("rejects invalid inputs", () => {
    expect(() => sampleSize({ margin: 0 })).toThrow(RangeError);
    expect(() => sampleSize({ margin: 5 })).toThrow(/margin must be a proportion/);
    expect(() => sampleSize({ margin: Number.NaN })).toThrow(RangeError);
    expect(() => sampleSize({ margin: 0.05, p: 0 })).toThrow(RangeError);
    expect(() => sampleSize({ margin: 0.05, p: 1 })).toThrow(RangeError);
    expect(() => sampleSize({ margin: 0.05, confidence: 1 })).toThrow(RangeError);
    expect(() => sampleSize({ margin: 0.05, population: 0 })).toThrow(RangeError);
    expect(() => sampleSize({ margin: 0.05, population: 100.5 })).toThrow(RangeError);
  });
});
