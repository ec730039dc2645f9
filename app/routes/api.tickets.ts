// POST /api/tickets: the hotline platform pushes tickets with `Authorization: Bearer <token>` (an
// API token an admin created). Body `{ "tickets": [ { "number", "receivedAt", "completedAt"?,
// "dueAt"?, "department"?, "category"?, "content"?, "phone"?, "caller"?, "street"?, "community"?,
// "area"?, "result"?, "rating"? } ] }`, at most 1,000 per request, times as in files (Beijing
// time) or ISO 8601 with an offset. The good tickets are stored (a known number updates its ticket,
// history kept); the answer counts them and lists the rejected by index. Every use is audited.
import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { describeRowError } from "~/domain/tickets";
import { translator } from "~/i18n";
import { authenticateApiToken } from "~/models/api-tokens.server";
import { recordAudit } from "~/models/audit.server";
import { createTicketImport, importPushedTickets } from "~/models/ticket-import.server";
import { clientInfo } from "~/utils/request.server";

const MAX_TICKETS = 1000;
const MAX_BODY = 8 * 1024 * 1024;

const Body = z.object({ tickets: z.array(z.record(z.unknown())).min(1).max(MAX_TICKETS) });

export async function loader() {
  return Response.json({ error: "use POST" }, { status: 405, headers: { Allow: "POST" } });
}

export async function action({ request, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return Response.json({ error: "use POST" }, { status: 405, headers: { Allow: "POST" } });
  const token = await authenticateApiToken(request);
  if (!token)
    return Response.json({ error: "missing, unknown or revoked API token" }, { status: 401, headers: { "WWW-Authenticate": "Bearer" } });
  const ip = clientInfo(request, context).ip;
  const audit = (details: Record<string, unknown>) =>
    recordAudit(null, "api.tickets.push", {
      countyId: token.countyId,
      target: `api_token:${token.id}`,
      details: { token: token.name, ...details },
      ip,
    });
  const length = Number(request.headers.get("Content-Length") ?? 0);
  if (length > MAX_BODY) {
    await audit({ refused: "tooLarge" });
    return Response.json({ error: `body over ${MAX_BODY} bytes` }, { status: 413 });
  }
  let body: unknown;
  try {
    const text = await request.text();
    if (text.length > MAX_BODY) throw new Error("too large");
    body = JSON.parse(text);
  } catch {
    await audit({ refused: "notJson" });
    return Response.json({ error: "the body is not JSON" }, { status: 400 });
  }
  const parsed = Body.safeParse(body);
  if (!parsed.success) {
    await audit({ refused: "shape" });
    return Response.json({ error: `expected { "tickets": [ … ] } with 1 to ${MAX_TICKETS} objects` }, { status: 400 });
  }
  const importId = await createTicketImport({
    countyId: token.countyId,
    userId: null,
    tokenId: token.id,
    source: "api",
    filename: `api:${token.name}`,
    fileSize: length || null,
  });
  const result = await importPushedTickets(token.countyId, importId, parsed.data.tickets);
  const t = translator("zh");
  const rejected = new Map<number, { index: number; number: unknown; errors: string[] }>();
  for (const error of result.errors) {
    const entry = rejected.get(error.line) ?? {
      index: error.line - 1,
      number: parsed.data.tickets[error.line - 1]?.number ?? null,
      errors: [],
    };
    entry.errors.push(describeRowError(t, { ...error, column: error.field }));
    rejected.set(error.line, entry);
  }
  await audit({
    import: importId,
    received: result.rowsRead,
    inserted: result.inserted,
    updated: result.updated,
    unchanged: result.unchanged,
    rejected: result.rowsRejected,
  });
  return Response.json({
    import: importId,
    received: result.rowsRead,
    inserted: result.inserted,
    updated: result.updated,
    unchanged: result.unchanged,
    rejected: [...rejected.values()],
  });
}
