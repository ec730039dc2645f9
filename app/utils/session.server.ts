// Session cookie, the signed-in user, and the checks every route makes.
import { createCookie, redirect } from "@remix-run/node";
import { userForSession, type CurrentUser } from "~/models/users.server";
import { can, type Permission } from "~/utils/permissions";
import { SESSION_HOURS } from "~/models/users.server";
import { appEnv } from "~/utils/env.server";
import { invariantResponse } from "~/utils/input";
import { cameOverTls, type WithHeaders } from "~/utils/request.server";

function sessionSecret(): string {
  const secret = appEnv().SESSION_SECRET;
  if (!secret) throw new Error("SESSION_SECRET is not set (server.ts sets one at start-up)");
  return secret;
}

const sessionCookie = createCookie("wm_session", {
  httpOnly: true,
  sameSite: "lax",
  path: "/",
  secrets: [sessionSecret()],
});

export async function sessionToken(request: WithHeaders): Promise<string | null> {
  const value = await sessionCookie.parse(request.headers.get("Cookie"));
  return typeof value === "string" ? value : null;
}

export function commitSession(request: Request, token: string) {
  return sessionCookie.serialize(token, { secure: cameOverTls(request), maxAge: SESSION_HOURS * 3600 * 14 });
}

export function destroySession(request: Request) {
  return sessionCookie.serialize("", { secure: cameOverTls(request), maxAge: 0 });
}

export type SessionState = { user: CurrentUser } | { expired: true } | null;

export async function getSessionState(request: WithHeaders): Promise<SessionState> {
  const token = await sessionToken(request);
  return token ? userForSession(token) : null;
}

export async function getUser(request: WithHeaders): Promise<CurrentUser | null> {
  const state = await getSessionState(request);
  return state && "user" in state ? state.user : null;
}

/** The signed-in user, or a redirect to the sign-in page that comes back here afterwards. */
export async function requireUser(request: Request): Promise<CurrentUser> {
  const state = await getSessionState(request);
  if (state && "user" in state) return state.user;
  const url = new URL(request.url);
  const params = new URLSearchParams({ redirectTo: url.pathname + url.search });
  if (state) params.set("expired", "1");
  throw redirect(`/login?${params}`, { headers: { "Set-Cookie": await destroySession(request) } });
}

export async function requirePermission(request: Request, permission: Permission): Promise<CurrentUser> {
  const user = await requireUser(request);
  invariantResponse(can(user.role, permission), 403);
  return user;
}

/**
 * For JSON endpoints (the volunteer's phone, other tools): the signed-in user with the permission,
 * else a JSON 401 (not signed in, or the session expired) or 403, never a redirect to a page.
 */
export async function requireApiPermission(request: Request, permission: Permission): Promise<CurrentUser> {
  const state = await getSessionState(request);
  if (!state || !("user" in state)) throw Response.json({ error: "not signed in", expired: !!state }, { status: 401 });
  if (!can(state.user.role, permission)) throw Response.json({ error: `no permission: ${permission}` }, { status: 403 });
  return state.user;
}

/** Only same-site paths, so a crafted redirectTo cannot send a user elsewhere. */
export function safeRedirect(to: FormDataEntryValue | string | null | undefined, fallback = "/") {
  if (typeof to !== "string" || !to.startsWith("/") || to.startsWith("//") || to.startsWith("/\\")) return fallback;
  return to;
}
