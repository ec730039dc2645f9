import { describe, expect, it } from "vitest";
import { connectionLost, databaseUnavailable } from "~/utils/unavailable.server";

describe("databaseUnavailable", () => {
  it("answers 503 for a database that refuses work for now or cannot be reached", () => {
    for (const code of ["25006", "53100", "53300", "57P01", "57P03", "08006", "CONNECTION_CLOSED", "ECONNREFUSED", "CONNECT_TIMEOUT"])
      expect(databaseUnavailable({ code }), code).toBe(true);
  });
  it("leaves every other error a 500: a bug is not an outage", () => {
    for (const reason of [{ code: "23505" }, { code: "42P01" }, { code: "22P02" }, new TypeError("x"), null, "text", { code: 25006 }])
      expect(databaseUnavailable(reason), JSON.stringify(reason)).toBe(false);
  });
  it("calls only a lost connection lost (a read-only database is reachable)", () => {
    expect(connectionLost({ code: "CONNECTION_CLOSED" })).toBe(true);
    expect(connectionLost({ code: "57P01" })).toBe(true);
    expect(connectionLost({ code: "25006" })).toBe(false);
  });
});
