// Process environment, checked once at start-up.
import { z } from "zod";

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  DATABASE_URL: z.string().url().optional(),
  /** Signs the session cookie. Generated and kept in the data folder when unset. */
  SESSION_SECRET: z.string().min(16).optional(),
  /** Where the embedded PostgreSQL keeps its data when DATABASE_URL is unset. */
  DATA_DIR: z.string().optional(),
  /** Load the demo county into an empty external database too (it always loads into an empty embedded one). */
  SEED_DEMO: z.enum(["0", "1"]).optional(),
  /** The address residents reach (used in QR codes, posters and link lists), e.g. https://cw.example.gov.cn. */
  PUBLIC_URL: z.string().url().optional(),
  /**
   * The key callers' phone numbers are encrypted with (AES-256-GCM) and hashed with (HMAC): 32
   * bytes as 64 hex digits or base64. Generated and kept in the data folder when unset.
   */
  PHONE_KEY: z
    .string()
    .refine((v) => /^[0-9a-fA-F]{64}$/.test(v) || Buffer.from(v, "base64").length === 32, "must be 32 bytes, as 64 hex digits or base64")
    .optional(),
  /** Size of the postgres.js connection pool. */
  DATABASE_POOL: z.coerce.number().int().min(1).max(100).default(10),
});

export type Env = z.infer<typeof schema>;

let current: Env | null = null;

/**
 * The environment the app modules run with, parsed once on first use. Start-up (server.ts, the
 * CLI, db/boot.ts) reads and checks it with readEnv before anything else and fills in what it
 * found (the embedded database's URL, the kept session secret) before the app modules load.
 */
export function appEnv(): Env {
  return (current ??= readEnv());
}

/** Parses the environment again: for tests that change a variable in-process (vi.stubEnv). */
export function reloadAppEnv(): void {
  current = null;
}

export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(source).filter(([, v]) => v !== "")));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new Error(`invalid environment:\n${problems}`);
  }
  return parsed.data;
}
