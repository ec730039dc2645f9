// Sample planning and the seeded mock-evaluation draw (入户模拟测评抽样). Pure: the same seed and the
// same register always give the same households, so a draw can be re-created and checked later.
import { sampleSize } from "~/domain/stats";
import { wholeNumber } from "~/utils/input";

/** mulberry32: a small, fast 32-bit seeded PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The seed of one part of a draw (e.g. one community), so that adding or removing another
 * community from the draw does not change this one's households. FNV-1a over seed and key.
 */
export function partSeed(seed: number, key: number | string): number {
  let hash = 0x811c9dc5;
  for (const ch of `${seed}:${key}`) {
    hash ^= ch.codePointAt(0)!;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * Simple random sample without replacement of `size` items (all of them if fewer), in the order
 * drawn: the first `size` steps of a Fisher–Yates shuffle driven by mulberry32(seed). The caller
 * passes the items in a stable order (e.g. by id), which makes the draw reproducible.
 */
export function drawSample<T>(items: readonly T[], size: number, seed: number): T[] {
  const pool = [...items];
  const rng = mulberry32(seed);
  const take = Math.min(Math.max(0, Math.floor(size)), pool.length);
  for (let i = 0; i < take; i++) {
    const j = i + Math.floor(rng() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, take);
}

export const MAX_SEED = 999_999_999;

/** A seed typed by a user: a whole number from 1 to MAX_SEED, or null. */
export function parseSeed(value: unknown): number | null {
  return wholeNumber(value, 1, MAX_SEED);
}

export type PlanInput = {
  /** Non-vacant households of the unit (the population). */
  households: number;
  /** Responses collected so far (respondents, a whole number). */
  collected: number;
  /**
   * The effective sample size those responses give the unit's weighted rate (the n of its
   * interval, Kish); the plan compares this, not the respondents, with what is needed. Defaults
   * to `collected` (a simple random sample).
   */
  effective?: number;
  /** ±margin as a proportion, e.g. 0.05. */
  margin: number;
  confidence?: number;
  /** Anticipated rate; 0.5 needs the most households. */
  p?: number;
};

export type Plan = {
  households: number;
  /** Effective sample size needed for the margin. */
  needed: number;
  collected: number;
  effective: number;
  /** More households to survey, at the design effect seen so far (collected ÷ effective). */
  remaining: number;
};

/**
 * The effective n needed for the margin (Cochran with finite-population correction), and how many
 * more households that takes. Responses spread unevenly over buildings are worth fewer than their
 * number (effective < collected); assuming the new ones spread the same way, reaching the needed
 * effective n takes (needed − effective) × collected ÷ effective more households, never more than
 * the households not yet surveyed.
 */
export function planSample({ households, collected, effective = collected, margin, confidence = 0.95, p = 0.5 }: PlanInput): Plan {
  const needed = households > 0 ? sampleSize({ margin, confidence, p, population: households }) : 0;
  const left = Math.max(0, households - collected);
  let remaining: number;
  if (effective >= needed - 1e-9) remaining = 0;
  else if (collected === 0 || !(effective > 0)) remaining = Math.min(left, needed);
  else remaining = Math.min(left, Math.ceil(((needed - effective) * collected) / effective - 1e-9));
  return { households, needed, collected, effective, remaining };
}
