// The one way routes read input: whole numbers and ids, repeated fields, field errors as i18n
// keys, and the responses a route throws when a condition fails.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { Id, idField, idParam, IdList, invariantResponse, many, OptionalId, parseInput, wholeNumber } from "~/utils/input";

const thrown = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e as Response;
  }
  throw new Error("nothing thrown");
};

describe("whole numbers and ids", () => {
  it("takes digits only, within the range", () => {
    expect(["7", " 7 ", "0", "-1", "1.5", "1e3", "", "x", "2147483648"].map((v) => wholeNumber(v, 1, 2_147_483_647))).toEqual([
      7,
      7,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
    ]);
    expect(wholeNumber(undefined, 1, 10)).toBeNull();
    expect(wholeNumber("0", 0, 10)).toBe(0);
  });

  it("reads ids, optional ids and lists of ids", () => {
    expect(Id.safeParse("42")).toEqual({ success: true, data: 42 });
    expect(Id.safeParse("0").success).toBe(false);
    expect([OptionalId.parse("12"), OptionalId.parse(null), OptionalId.parse("abc")]).toEqual([12, null, null]);
    expect(IdList.parse(["3", "x", "3", "0", "5"])).toEqual([3, 5]);
    expect(IdList.parse(undefined)).toEqual([]);
  });

  it("answers a malformed id in a path with 404", () => {
    expect(idParam("9")).toBe(9);
    for (const bad of [undefined, "", "0", "9x", "99999999999"]) expect(thrown(() => idParam(bad)).status).toBe(404);
  });
});

describe("parseInput", () => {
  const schema = z.object({
    name: z.string().trim().min(1, "campaigns.error.name"),
    version: idField("campaigns.error.version"),
    tag: many(z.string()),
  });

  it("gives typed values, repeated fields as arrays", () => {
    const form = new FormData();
    form.append("name", " 批次 ");
    form.append("version", "3");
    form.append("tag", "a");
    form.append("tag", "b");
    expect(parseInput(schema, form)).toEqual({ value: { name: "批次", version: 3, tag: ["a", "b"] } });
  });

  it("gives the first problem of each field as an i18n key", () => {
    expect(parseInput(schema, new URLSearchParams("name=&version=x"))).toEqual({
      errors: { name: "campaigns.error.name", version: "campaigns.error.version" },
    });
  });
});

describe("invariantResponse", () => {
  it("throws 404 by default, or the status given, and nothing when the condition holds", async () => {
    expect(() => invariantResponse(1)).not.toThrow();
    const notFound = thrown(() => invariantResponse(null));
    expect([notFound.status, await notFound.text()]).toEqual([404, "Not Found"]);
    expect(thrown(() => invariantResponse(false, 400)).status).toBe(400);
    expect(thrown(() => invariantResponse("", 403)).status).toBe(403);
  });
});
