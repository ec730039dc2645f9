// Callers' phone numbers (个人信息保护法): the one module that turns a number into what is stored
// (AES-256-GCM ciphertext, a keyed hash for matching, the masked form every page shows) and back.
// The key comes from PHONE_KEY (appEnv); start-up generates one in the data folder when unset.
// Nothing here logs a number, and errors never carry one.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomFillSync } from "node:crypto";
import { appEnv } from "~/utils/env.server";

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

type Keys = { encrypt: Buffer; hash: Buffer };
let cached: { source: string; keys: Keys } | null = null;

/** The encryption and the hashing key, derived apart from PHONE_KEY (HKDF-SHA256). */
function keys(): Keys {
  const source = appEnv().PHONE_KEY;
  if (!source) throw new Error("PHONE_KEY is not set (start-up sets it from the data folder)");
  return keysOf(source);
}

function keysOf(source: string): Keys {
  if (cached?.source === source) return cached.keys;
  const master = /^[0-9a-fA-F]{64}$/.test(source) ? Buffer.from(source, "hex") : Buffer.from(source, "base64");
  const derive = (info: string) => Buffer.from(hkdfSync("sha256", master, Buffer.alloc(0), info, 32));
  const derived = { encrypt: derive("wenming phone encryption v1"), hash: derive("wenming phone hash v1") };
  cached = { source, keys: derived };
  return derived;
}

const FULL_WIDTH_DIGIT = /[０-９]/g;

/**
 * A number in one form: full-width digits as ASCII; spaces, dashes, dots and brackets dropped;
 * the country code (+86, ＋86, 0086, or 86 before an 11-digit mobile number) removed. Null when
 * what is left is not 5 to 20 digits (an extension after 转 or "ext" is kept as digits too).
 */
export function normalizePhone(value: string): string | null {
  let text = value
    .replace(FULL_WIDTH_DIGIT, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0xff10 + 0x30))
    .replace(/＋/g, "+")
    .replace(/[\s\u3000\-－—.()（）]/g, "");
  text = text.replace(/^(?:\+86|0086)/, "");
  if (/^861[3-9]\d{9}$/.test(text)) text = text.slice(2);
  text = text.replace(/(?:转|ext\.?|x)(\d+)$/i, "$1");
  return /^\d{5,20}$/.test(text) ? text : null;
}

/** 138****1234: the first 3 and last 4 digits of a number of 8 or more; shorter, only the last 2. */
export function maskPhone(normalized: string): string {
  const n = normalized.length;
  if (n >= 8) return `${normalized.slice(0, 3)}${"*".repeat(n - 7)}${normalized.slice(-4)}`;
  return `${"*".repeat(Math.max(0, n - 2))}${normalized.slice(-2)}`;
}

/** Keyed hash of a normalised number (hex): equal numbers match without decrypting either. */
export function phoneHash(normalized: string): string {
  return createHmac("sha256", keys().hash).update(normalized).digest("hex");
}

/** Version byte, IV, tag, ciphertext. */
// Random IVs drawn from the CSPRNG 4 KiB at a time, each copied out once: one call per 341
// numbers instead of one each (an import of 100,000 rows spent a tenth of its time there).
const ivPool = Buffer.alloc(IV_BYTES * 341);
let ivAt = ivPool.length;
function nextIv(): Buffer {
  if (ivAt + IV_BYTES > ivPool.length) {
    randomFillSync(ivPool);
    ivAt = 0;
  }
  const iv = Buffer.from(ivPool.subarray(ivAt, ivAt + IV_BYTES));
  ivAt += IV_BYTES;
  return iv;
}

export function encryptPhone(normalized: string): Buffer {
  const iv = nextIv();
  const cipher = createCipheriv("aes-256-gcm", keys().encrypt, iv);
  const body = Buffer.concat([cipher.update(normalized, "utf8"), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
}

/** The number in a stored ciphertext; `phoneKey` instead of the configured PHONE_KEY for start-up's key check. */
export function decryptPhone(stored: Uint8Array, phoneKey?: string): string {
  const data = Buffer.from(stored);
  if (data.length < 1 + IV_BYTES + TAG_BYTES || data[0] !== VERSION) throw new Error("not an encrypted phone number");
  const iv = data.subarray(1, 1 + IV_BYTES);
  const tag = data.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
  const decipher = createDecipheriv("aes-256-gcm", (phoneKey === undefined ? keys() : keysOf(phoneKey)).encrypt, iv);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(data.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
}

export type StoredPhone = { enc: Buffer; hash: string; masked: string };

/** What a ticket stores for a number as a file gives it; null when it is not a phone number. */
export function protectPhone(value: string): StoredPhone | null {
  const normalized = normalizePhone(value);
  if (normalized === null) return null;
  return { enc: encryptPhone(normalized), hash: phoneHash(normalized), masked: maskPhone(normalized) };
}
