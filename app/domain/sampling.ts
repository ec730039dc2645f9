// Sample planning and the seeded mock-evaluation draw (入户模拟测评抽样). Pure: the same seed and the
// same register always give the same households, so a draw can be re-created and checked later.
import { sampleSize } from "~/domain/stats";

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
  if (typeof value !== "string" || !/^\d{1,9}$/.test(value.trim())) return null;
  const seed = Number(value.trim());
  return seed >= 1 && seed <= MAX_SEED ? seed : null;
}

export type PlanInput = {
  /** Non-vacant households of the community (the population). */
  households: number;
  /** Valid responses collected so far. */
  collected: number;
  /** ±margin as a proportion, e.g. 0.05. */
  margin: number;
  confidence?: number;
  /** Anticipated rate; 0.5 needs the most households. */
  p?: number;
};

export type Plan = { households: number; needed: number; collected: number; remaining: number };

/** Households needed for the margin (Cochran with finite-population correction) and what is left. */
export function planSample({ households, collected, margin, confidence = 0.95, p = 0.5 }: PlanInput): Plan {
  const needed = households > 0 ? sampleSize({ margin, confidence, p, population: households }) : 0;
  return { households, needed, collected, remaining: Math.max(0, needed - collected) };
}
