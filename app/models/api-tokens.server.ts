// API tokens for machine clients (the hotline platform pushing tickets): created by an admin and
// shown once; only their SHA-256 is stored; revoked, never deleted; every use recorded.
import { createHash, randomBytes } from "node:crypto";
import { sql } from "~/db.server";
import { recordAudit } from "~/models/audit.server";

const PREFIX = "wmt_";

const hashOf = (token: string) => createHash("sha256").update(token).digest("hex");

export type ApiToken = {
  id: number;
  name: string;
  prefix: string;
  createdAt: Date;
  createdBy: string | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
};

/** A new token: the only time its text exists outside the caller's hands. */
export async function createApiToken(
  actor: { id: number; countyId: number },
  name: string,
  ip: string | null,
): Promise<{ id: number; token: string }> {
  const token = `${PREFIX}${randomBytes(32).toString("base64url")}`;
  const [row] = await sql<{ id: number }[]>`
    insert into api_tokens (county_id, name, token_hash, prefix, created_by)
    values (${actor.countyId}, ${name}, ${hashOf(token)}, ${token.slice(0, PREFIX.length + 6)}, ${actor.id}) returning id`;
  await recordAudit(actor, "token.create", { target: `api_token:${row.id}`, details: { name }, ip });
  return { id: row.id, token };
}

export async function listApiTokens(countyId: number): Promise<ApiToken[]> {
  return sql<ApiToken[]>`
    select t.id, t.name, t.prefix, t.created_at as "createdAt", u.display_name as "createdBy",
           t.last_used_at as "lastUsedAt", t.revoked_at as "revokedAt"
    from api_tokens t left join users u on u.id = t.created_by
    where t.county_id = ${countyId} order by t.revoked_at is not null, t.id desc`;
}

export async function revokeApiToken(actor: { id: number; countyId: number }, id: number, ip: string | null): Promise<boolean> {
  const rows = await sql`
    update api_tokens set revoked_at = now(), revoked_by = ${actor.id}
    where id = ${id} and county_id = ${actor.countyId} and revoked_at is null returning id`;
  if (rows.length) await recordAudit(actor, "token.revoke", { target: `api_token:${id}`, ip });
  return rows.length > 0;
}

/** The live token a request's `Authorization: Bearer …` carries, its use time recorded; else null. */
export async function authenticateApiToken(request: Request): Promise<{ id: number; countyId: number; name: string } | null> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("Authorization") ?? "");
  if (!match || !match[1].startsWith(PREFIX)) return null;
  const [row] = await sql<{ id: number; countyId: number; name: string }[]>`
    update api_tokens set last_used_at = now()
    where token_hash = ${hashOf(match[1])} and revoked_at is null
    returning id, county_id as "countyId", name`;
  return row ?? null;
}
