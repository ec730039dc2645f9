// The hotline platform's push (POST /api/tickets with an API token), token revocation, audited
// reveals and exports of callers' numbers.
import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "~/db.server";
import { action } from "~/routes/api.tickets";
import { createApiToken, revokeApiToken } from "~/models/api-tokens.server";
import { exportTickets } from "~/models/tickets.server";
import { createUser } from "~/models/users.server";
import { createCounty } from "./helpers";

let countyId: number;
let admin: { id: number; countyId: number };

beforeAll(async () => {
  const county = await createCounty("api", "接口县");
  countyId = county.id;
  const user = await createUser(countyId, {
    username: "admin",
    displayName: "管理员",
    phone: null,
    role: "admin",
    scope: { placeId: county.rootPlaceId },
    password: "secret123",
  });
  if (!("id" in user)) throw new Error(user.problem);
  admin = { id: user.id, countyId };
});

async function push(token: string | null, body: unknown) {
  const request = new Request("http://localhost/api/tickets", {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const response = (await action({ request, params: {}, context: { cspNonce: "", clientIp: "10.0.0.1" } })) as Response;
  return { status: response.status, body: await response.json() };
}

describe("POST /api/tickets", () => {
  it("stores good tickets, lists the rejected by index, updates on a resend, and audits every use", async () => {
    const { token } = await createApiToken(admin, "市12345平台", null);
    const [stored] = await sql`select token_hash, prefix from api_tokens where county_id = ${countyId}`;
    expect(stored.token_hash).not.toContain(token);
    expect(token.startsWith(stored.prefix)).toBe(true);

    const tickets = [
      {
        number: "API-1",
        receivedAt: "2024-03-01T00:30:00Z",
        completedAt: "2024-03-02 10:00",
        department: "县住建局",
        phone: "13800001111",
        rating: "满意",
      },
      { number: "API-2", receivedAt: "not a date" },
      { receivedAt: "2024-03-01 08:00" },
    ];
    const first = await push(token, { tickets });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ received: 3, inserted: 1, updated: 0, unchanged: 0 });
    expect(first.body.rejected).toEqual([
      { index: 1, number: "API-2", errors: [expect.stringContaining("第 2 行「receivedAt」")] },
      { index: 2, number: null, errors: [expect.stringContaining("第 3 行「number」")] },
    ]);
    const [row] = await sql`select received_at, phone_masked from tickets where county_id = ${countyId} and ticket_no = 'API-1'`;
    expect(row.received_at.toISOString()).toBe("2024-03-01T00:30:00.000Z");
    expect(row.phone_masked).toBe("138****1111");

    const again = await push(token, { tickets: [{ ...tickets[0], completedAt: "2024-03-03 10:00" }] });
    expect(again.body).toMatchObject({ inserted: 0, updated: 1, unchanged: 0, rejected: [] });
    const audits = await sql`select details from audit_log where county_id = ${countyId} and action = 'api.tickets.push' order by id`;
    expect(audits.map((a) => [a.details.inserted, a.details.updated, a.details.token])).toEqual([
      [1, 0, "市12345平台"],
      [0, 1, "市12345平台"],
    ]);
    expect(JSON.stringify(audits)).not.toContain("13800001111");
  });

  it("refuses a missing, wrong or revoked token with 401, and a malformed body with 400", async () => {
    const { id, token } = await createApiToken(admin, "临时", null);
    expect((await push(null, { tickets: [] })).status).toBe(401);
    expect((await push(`${token}x`, { tickets: [{ number: "X" }] })).status).toBe(401);
    expect((await push(token, { rows: [] })).status).toBe(400);
    await revokeApiToken(admin, id, null);
    expect((await push(token, { tickets: [{ number: "X", receivedAt: "2024-01-01 08:00" }] })).status).toBe(401);
  });
});

describe("callers' numbers", () => {
  // Revealing one number to the agent holding its callback: tests/integration/callbacks.test.ts.
  it("exports mask the numbers unless a reason is given, and both are audited", async () => {
    const filters = { departmentId: null, category: null, placeId: null, completed: null };
    const masked = await exportTickets(admin, filters, null);
    expect(masked.map((r) => r.phone)).toEqual(["138****1111"]);
    const full = await exportTickets(admin, filters, { reason: "核对号码", ip: null });
    expect(full.map((r) => r.phone)).toEqual(["13800001111"]);
    const exports =
      await sql`select action, details from audit_log where county_id = ${countyId} and action like 'tickets.export%' order by id`;
    expect(exports.map((e) => [e.action, e.details.reason ?? null, e.details.rows])).toEqual([
      ["tickets.export", null, 1],
      ["tickets.export.phones", "核对号码", 1],
    ]);
  });
});
