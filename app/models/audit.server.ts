import { sql } from "~/db.server";

export type AuditActor = { id: number; countyId: number } | null;

export async function recordAudit(
  actor: AuditActor,
  action: string,
  options: { target?: string; details?: Record<string, unknown>; ip?: string | null; countyId?: number } = {},
) {
  const countyId = options.countyId ?? actor?.countyId ?? null;
  const details = sql.json((options.details ?? {}) as never);
  // An event no county can be named for (a refused sign-in on a name with no account) is kept
  // apart from the counties' audit logs (migration 016).
  if (countyId === null)
    await sql`
      insert into audit_log_unscoped (user_id, action, target, details, ip)
      values (${actor?.id ?? null}, ${action}, ${options.target ?? null}, ${details}, ${options.ip ?? null})`;
  else
    await sql`
      insert into audit_log (county_id, user_id, action, target, details, ip)
      values (${countyId}, ${actor?.id ?? null}, ${action}, ${options.target ?? null}, ${details}, ${options.ip ?? null})`;
}

export type AuditEntry = {
  id: string;
  createdAt: Date;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
  ip: string | null;
  username: string | null;
  displayName: string | null;
};

export async function listAudit(countyId: number, { limit = 100, before }: { limit?: number; before?: string } = {}) {
  return sql<AuditEntry[]>`
    select a.id::text, a.created_at as "createdAt", a.action, a.target, a.details, a.ip,
           u.username, u.display_name as "displayName"
    from audit_log a left join users u on u.id = a.user_id
    where a.county_id = ${countyId} ${before ? sql`and a.id < ${before}::bigint` : sql``}
    order by a.id desc limit ${limit}`;
}
