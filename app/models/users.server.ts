import { createHash, randomBytes } from "node:crypto";
import { sql } from "~/db.server";
import { hashPassword, verifyPassword } from "~/utils/password.server";
import type { Role } from "~/utils/permissions";
import { databaseUnavailable } from "~/utils/unavailable.server";

export type CurrentUser = {
  id: number;
  countyId: number;
  countyName: string;
  username: string;
  displayName: string;
  phone: string | null;
  role: Role;
  scopePlaceId: number;
  scopeGridId: number | null;
  /** A department account's 承办单位 (role `department`), else null. */
  departmentId: number | null;
  sessionId: number;
};

/** What every scoped query needs of a user: the county, and the place (subtree) or grid they may see. */
export type ScopedUser = Pick<CurrentUser, "countyId" | "scopePlaceId" | "scopeGridId">;

export const SESSION_HOURS = 12;
/**
 * Sign-in throttling, kept in PostgreSQL (login_failures) so that every app instance behind a
 * load balancer counts the same attempts. An account is locked after 5 failed sign-ins within 15
 * minutes: an online guesser gets 20 guesses an hour, while a person who mistypes a few times is
 * not stopped. An address is locked after 30 failures within 15 minutes: one machine trying many
 * accounts is stopped, while a community centre's or office's shared address (dozens of staff
 * behind one NAT, each mistyping now and then) is not. A refused attempt counts as well, so the
 * lock lasts until the guessing has stopped for 15 minutes; a correct password during the lock is
 * refused too (the lock would mean nothing otherwise).
 */
const FAILURE_WINDOW_MINUTES = 15;
const MAX_FAILURES_PER_ACCOUNT = 5;
const MAX_FAILURES_PER_IP = 30;

/**
 * login_failures keeps only what the throttle reads: rows older than the window count for
 * nothing. Every sign-in attempt (the one path that writes the table) deletes them when the last
 * prune on this instance is PRUNE_EVERY_MS ago; on the index by created_at (migration 015), the
 * delete touches only the rows it removes. Several instances each prune on their own; deleting
 * rows another instance already deleted is harmless.
 */
const PRUNE_EVERY_MS = 10 * 60_000;
let lastPrune = 0;

/** Deletes failed sign-ins older than the throttle's window; the number deleted. */
export async function pruneLoginFailures(): Promise<number> {
  lastPrune = Date.now();
  const deleted = await sql`
    delete from login_failures where created_at < now() - make_interval(mins => ${FAILURE_WINDOW_MINUTES})`;
  return deleted.count;
}

const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

export type SignInResult =
  | { ok: true; token: string; user: { id: number; countyId: number } }
  | { ok: false; reason: "invalid" }
  // countyId: the named account's county, for the audit log (null when no account has that name).
  | { ok: false; reason: "disabled" | "rateLimited"; countyId: number | null };

/** Sign in with a username or a phone number. Unknown users and wrong passwords look the same. */
export async function signIn(
  identifier: string,
  password: string,
  client: { ip: string | null; userAgent: string | null },
): Promise<SignInResult> {
  const key = identifier.trim().toLowerCase();
  if (Date.now() - lastPrune >= PRUNE_EVERY_MS) await pruneLoginFailures();
  const [user] = await sql<{ id: number; countyId: number; username: string; passwordHash: string; disabled: boolean }[]>`
    select id, county_id as "countyId", username, password_hash as "passwordHash", disabled
    from users where lower(username) = ${key} or phone = ${key}`;
  // One count per account, whether it is named by its username or its phone number.
  const account = user ? user.username.toLowerCase() : key;
  // The attempt is recorded before it is judged: concurrent attempts (on any instance) each see
  // the ones recorded before them, so no burst gets more than the limit through to the password check.
  const [attempt] = await sql<{ id: number }[]>`
    insert into login_failures (identifier, ip) values (${account}, ${client.ip}) returning id`;
  const [{ byAccount, byIp }] = await sql<{ byAccount: number; byIp: number }[]>`
    select count(*) filter (where identifier = ${account})::int as "byAccount",
           count(*) filter (where ip = ${client.ip})::int as "byIp"
    from login_failures
    where created_at > now() - make_interval(mins => ${FAILURE_WINDOW_MINUTES})
      and (identifier = ${account} or ip = ${client.ip})`;
  if (byAccount > MAX_FAILURES_PER_ACCOUNT || byIp > MAX_FAILURES_PER_IP)
    return { ok: false, reason: "rateLimited", countyId: user?.countyId ?? null };

  // Hash anyway for unknown users so timing does not reveal which accounts exist.
  const valid = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
  if (!user || !valid) return { ok: false, reason: "invalid" };
  await sql`delete from login_failures where id = ${attempt.id}`;
  if (user.disabled) return { ok: false, reason: "disabled", countyId: user.countyId };

  const token = randomBytes(32).toString("base64url");
  await sql`
    insert into sessions (token_hash, user_id, county_id, expires_at, ip, user_agent)
    values (${hashToken(token)}, ${user.id}, ${user.countyId},
            now() + make_interval(hours => ${SESSION_HOURS}), ${client.ip}, ${client.userAgent?.slice(0, 300) ?? null})`;
  await sql`delete from login_failures where identifier = ${account}`;
  return { ok: true, token, user: { id: user.id, countyId: user.countyId } };
}

const DUMMY_HASH = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

export type SessionLookup = { user: CurrentUser } | { expired: true } | null;

/** The user behind a session token; slides the expiry forward while the session is in use. */
export async function userForSession(token: string): Promise<SessionLookup> {
  const [row] = await sql<(CurrentUser & { expired: boolean; revoked: boolean; disabled: boolean })[]>`
    select u.id, u.county_id as "countyId", c.name as "countyName", u.username,
           u.display_name as "displayName", u.phone, u.role,
           u.scope_place_id as "scopePlaceId", u.scope_grid_id as "scopeGridId", u.department_id as "departmentId",
           s.id as "sessionId", s.expires_at < now() as expired, s.revoked_at is not null as revoked, u.disabled
    from sessions s join users u on u.id = s.user_id join counties c on c.id = u.county_id
    where s.token_hash = ${hashToken(token)}`;
  if (!row || row.revoked || row.disabled) return null;
  if (row.expired) return { expired: true };
  // A database that takes no writes for now (read-only, disk full) still serves what only reads.
  await sql`
    update sessions set last_seen_at = now(), expires_at = now() + make_interval(hours => ${SESSION_HOURS})
    where county_id = ${row.countyId} and id = ${row.sessionId} and last_seen_at < now() - interval '1 minute'`.catch((error: unknown) => {
    if (!databaseUnavailable(error)) throw error;
  });
  const { expired: _e, revoked: _r, disabled: _d, ...user } = row;
  return { user };
}

export async function revokeSession(countyId: number, sessionId: number) {
  await sql`update sessions set revoked_at = now() where county_id = ${countyId} and id = ${sessionId} and revoked_at is null`;
}

async function revokeAllSessions(countyId: number, userId: number, exceptSessionId: number | null = null) {
  await sql`
    update sessions set revoked_at = now()
    where county_id = ${countyId} and user_id = ${userId} and revoked_at is null and id is distinct from ${exceptSessionId}`;
}

export async function changeOwnPassword(user: CurrentUser, current: string, next: string): Promise<boolean> {
  const [row] = await sql<{ passwordHash: string }[]>`
    select password_hash as "passwordHash" from users where county_id = ${user.countyId} and id = ${user.id}`;
  if (!row || !(await verifyPassword(current, row.passwordHash))) return false;
  await sql`update users set password_hash = ${await hashPassword(next)}, updated_at = now() where county_id = ${user.countyId} and id = ${user.id}`;
  await revokeAllSessions(user.countyId, user.id, user.sessionId);
  return true;
}

export type UserRow = {
  id: number;
  username: string;
  displayName: string;
  phone: string | null;
  role: Role;
  disabled: boolean;
  scopePlaceId: number;
  scopeGridId: number | null;
  departmentId: number | null;
  scopeName: string;
  createdAt: Date;
  lastSeenAt: Date | null;
};

/** Accounts of the admin's county. */
export async function listUsers(countyId: number) {
  return sql<UserRow[]>`
    select u.id, u.username, u.display_name as "displayName", u.phone, u.role, u.disabled,
           u.scope_place_id as "scopePlaceId", u.scope_grid_id as "scopeGridId", u.department_id as "departmentId",
           coalesce(g.name, p.name) as "scopeName", u.created_at as "createdAt",
           (select max(last_seen_at) from sessions s where s.user_id = u.id) as "lastSeenAt"
    from users u join places p on p.id = u.scope_place_id left join grids g on g.id = u.scope_grid_id
    where u.county_id = ${countyId}
    order by u.id`;
}

export async function getAccount(countyId: number, userId: number) {
  const [user] = await sql<UserRow[]>`
    select u.id, u.username, u.display_name as "displayName", u.phone, u.role, u.disabled,
           u.scope_place_id as "scopePlaceId", u.scope_grid_id as "scopeGridId", u.department_id as "departmentId",
           coalesce(g.name, p.name) as "scopeName", u.created_at as "createdAt", null as "lastSeenAt"
    from users u join places p on p.id = u.scope_place_id left join grids g on g.id = u.scope_grid_id
    where u.county_id = ${countyId} and u.id = ${userId}`;
  return user ?? null;
}

export type NewUser = {
  username: string;
  displayName: string;
  phone: string | null;
  role: Role;
  /** A place of the county (its whole subtree is the scope) or a grid. */
  scope: { placeId: number } | { gridId: number };
  /** The 承办单位 of a department account (role `department`); ignored for other roles. */
  departmentId?: number | null;
  password: string;
};

export type UserProblem = "usernameTaken" | "phoneTaken" | "scopeNotFound" | "departmentNotFound";

/** A department account's department, checked to be the county's; null for the other roles. */
async function resolveDepartment(
  countyId: number,
  role: Role,
  departmentId: number | null | undefined,
): Promise<{ id: number | null } | null> {
  if (role !== "department") return { id: null };
  if (departmentId == null) return null;
  const [row] = await sql<{ id: number }[]>`select id from departments where id = ${departmentId} and county_id = ${countyId}`;
  return row ?? null;
}

/** Resolves a scope to (place, grid), checking it belongs to the county. A grid's place is its community. */
async function resolveScope(countyId: number, scope: NewUser["scope"]) {
  if ("gridId" in scope) {
    const [grid] = await sql<{ placeId: number; gridId: number }[]>`
      select community_id as "placeId", id as "gridId" from grids where id = ${scope.gridId} and county_id = ${countyId}`;
    return grid ?? null;
  }
  const [place] = await sql<{ placeId: number }[]>`
    select id as "placeId" from places where id = ${scope.placeId} and county_id = ${countyId}`;
  return place ? { placeId: place.placeId, gridId: null } : null;
}

export async function createUser(countyId: number, input: NewUser): Promise<{ id: number } | { problem: UserProblem }> {
  const scope = await resolveScope(countyId, input.scope);
  if (!scope) return { problem: "scopeNotFound" };
  const department = await resolveDepartment(countyId, input.role, input.departmentId);
  if (!department) return { problem: "departmentNotFound" };
  const taken = await takenBy(input.username, input.phone, null);
  if (taken) return { problem: taken };
  const [row] = await sql<{ id: number }[]>`
    insert into users (county_id, username, phone, display_name, role, scope_place_id, scope_grid_id, department_id, password_hash)
    values (${countyId}, ${input.username}, ${input.phone}, ${input.displayName}, ${input.role},
            ${scope.placeId}, ${scope.gridId}, ${department.id}, ${await hashPassword(input.password)})
    returning id`;
  return { id: row.id };
}

async function takenBy(username: string, phone: string | null, exceptId: number | null): Promise<UserProblem | null> {
  const rows = await sql<{ username: string; phone: string | null }[]>`
    select username, phone from users
    where (lower(username) = lower(${username}) or (${phone}::text is not null and phone = ${phone}))
      and id is distinct from ${exceptId}`;
  if (rows.some((r) => r.username.toLowerCase() === username.toLowerCase())) return "usernameTaken";
  if (rows.length) return "phoneTaken";
  return null;
}

export type UserChanges = { displayName: string; phone: string | null; role: Role; scope: NewUser["scope"]; departmentId?: number | null };

export async function updateUser(countyId: number, userId: number, changes: UserChanges): Promise<UserProblem | null> {
  const scope = await resolveScope(countyId, changes.scope);
  if (!scope) return "scopeNotFound";
  const department = await resolveDepartment(countyId, changes.role, changes.departmentId);
  if (!department) return "departmentNotFound";
  const [current] = await sql<{ username: string }[]>`select username from users where id = ${userId} and county_id = ${countyId}`;
  if (!current) return "scopeNotFound";
  const taken = await takenBy(current.username, changes.phone, userId);
  if (taken) return taken;
  await sql`
    update users set display_name = ${changes.displayName}, phone = ${changes.phone}, role = ${changes.role},
      scope_place_id = ${scope.placeId}, scope_grid_id = ${scope.gridId}, department_id = ${department.id}, updated_at = now()
    where id = ${userId} and county_id = ${countyId}`;
  // A narrower scope or another role must take effect now, not at the next sign-in.
  await revokeAllSessions(countyId, userId);
  return null;
}

export async function resetPassword(countyId: number, userId: number, password: string) {
  const result = await sql`
    update users set password_hash = ${await hashPassword(password)}, updated_at = now()
    where id = ${userId} and county_id = ${countyId}`;
  if (result.count) await revokeAllSessions(countyId, userId);
  return result.count === 1;
}

export async function setDisabled(countyId: number, userId: number, disabled: boolean) {
  const result = await sql`
    update users set disabled = ${disabled}, updated_at = now() where id = ${userId} and county_id = ${countyId}`;
  if (disabled && result.count) await revokeAllSessions(countyId, userId);
  return result.count === 1;
}
