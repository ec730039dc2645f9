import { beforeEach, describe, expect, it, vi } from "vitest";
import { reloadAppEnv } from "~/utils/env.server";
import { decryptPhone, encryptPhone, maskPhone, normalizePhone, phoneHash, protectPhone } from "~/utils/phone-crypto.server";

const KEY_A = "a".repeat(64);
const KEY_B = Buffer.alloc(32, 7).toString("base64");

beforeEach(() => {
  vi.stubEnv("PHONE_KEY", KEY_A);
  reloadAppEnv();
});

describe("normalizePhone", () => {
  it.each([
    ["13812341234", "13812341234"],
    ["１３８１２３４１２３４", "13812341234"],
    ["+86 138 1234 1234", "13812341234"],
    ["＋８６１３８１２３４１２３４", "13812341234"],
    ["0086-138-1234-1234", "13812341234"],
    ["8613812341234", "13812341234"],
    ["(0571) 8765-4321", "057187654321"],
    ["0571-87654321转801", "057187654321801"],
    ["12345", "12345"],
  ])("%s → %s", (input, expected) => {
    expect(normalizePhone(input)).toBe(expected);
  });

  it.each(["", "匿名", "138****1234", "1234", "abc13812341234"])("%s is not a number", (input) => {
    expect(normalizePhone(input)).toBeNull();
  });
});

describe("maskPhone", () => {
  it("shows the first 3 and last 4 digits", () => {
    expect(maskPhone("13812341234")).toBe("138****1234");
    expect(maskPhone("057187654321")).toBe("057*****4321");
    expect(maskPhone("12345")).toBe("***45");
  });
});

describe("encryption", () => {
  it("round-trips, with a fresh IV each time", () => {
    const a = encryptPhone("13812341234");
    const b = encryptPhone("13812341234");
    expect(a.equals(b)).toBe(false);
    expect(a.includes(Buffer.from("13812341234"))).toBe(false);
    expect(decryptPhone(a)).toBe("13812341234");
    expect(decryptPhone(b)).toBe("13812341234");
  });

  it("never repeats an IV across many numbers, through the refills of its pool", () => {
    // 341 IVs a refill: 2,000 numbers cross five refills.
    const stored = Array.from({ length: 2000 }, (_, i) => encryptPhone(`138${String(i).padStart(8, "0")}`));
    const ivs = new Set(stored.map((s) => s.subarray(1, 13).toString("hex")));
    expect(ivs.size).toBe(2000);
    // An IV is a copy, not a view of the pool that a refill would change under a stored number.
    expect(stored.map((s, i) => decryptPhone(s) === `138${String(i).padStart(8, "0")}`).every(Boolean)).toBe(true);
  });

  it("refuses a tampered ciphertext and a different key", () => {
    const stored = encryptPhone("13812341234");
    const tampered = Buffer.from(stored);
    tampered[tampered.length - 1] ^= 1;
    expect(() => decryptPhone(tampered)).toThrow();
    vi.stubEnv("PHONE_KEY", KEY_B);
    reloadAppEnv();
    expect(() => decryptPhone(stored)).toThrow();
  });

  it("hashes equal numbers alike under one key, differently under another", () => {
    const first = phoneHash("13812341234");
    expect(protectPhone("+86 138-1234-1234")!.hash).toBe(first);
    expect(phoneHash("13812341235")).not.toBe(first);
    vi.stubEnv("PHONE_KEY", KEY_B);
    reloadAppEnv();
    expect(phoneHash("13812341234")).not.toBe(first);
  });

  it("protectPhone gives the masked form and nothing for a non-number", () => {
    expect(protectPhone("１３８１２３４１２３４")!.masked).toBe("138****1234");
    expect(protectPhone("匿名")).toBeNull();
  });
});
