import type { ActionFunctionArgs } from "@remix-run/node";
import { sql } from "~/db.server";
import { createCounty } from "~/models/counties.server";
import { userForSession, signIn, type CurrentUser } from "~/models/users.server";
import { commitSession } from "~/utils/session.server";

export const CLIENT = { ip: "127.0.0.1", userAgent: "vitest" };

/** Signs in and returns the session's user, as a route would see it. */
export async function signedIn(identifier: string, password: string): Promise<CurrentUser> {
  const result = await signIn(identifier, password, CLIENT);
  if (!result.ok) throw new Error(`sign-in failed: ${result.reason}`);
  const state = await userForSession(result.token);
  if (!state || !("user" in state)) throw new Error("no session");
  return state.user;
}

export async function placeId(countyId: number, ...names: string[]): Promise<number> {
  let id = (await sql<{ id: number }[]>`select id from places where county_id = ${countyId} and level = 'county'`)[0].id;
  for (const name of names) {
    const [row] = await sql<{ id: number }[]>`select id from places where parent_id = ${id} and name = ${name}`;
    if (!row) throw new Error(`no place ${names.join("/")}`);
    id = row.id;
  }
  return id;
}

export async function registerCounts(countyId: number) {
  const [counts] = await sql<{ places: number; households: number; grids: number; links: number }[]>`
    select (select count(*)::int from places where county_id = ${countyId}) as places,
           (select count(*)::int from households where county_id = ${countyId}) as households,
           (select count(*)::int from grids where county_id = ${countyId}) as grids,
           (select count(*)::int from grid_buildings where county_id = ${countyId}) as links`;
  return counts;
}

export { createCounty };

/** The county as a scope (the office's view). */
export async function wholeCounty(countyId: number) {
  const [root] = await sql<{ id: number }[]>`select id from places where county_id = ${countyId} and level = 'county'`;
  return { countyId, scopePlaceId: root.id, scopeGridId: null };
}

const cookies = new Map<string, string>();
/** The session cookie of an account, as a signed-in phone sends it (one sign-in per account and test file). */
export async function sessionCookie(username: string, password: string): Promise<string> {
  if (!cookies.has(username)) {
    const session = await signIn(username, password, CLIENT);
    if (!session.ok) throw new Error("sign-in failed");
    cookies.set(username, (await commitSession(new Request("http://test/"), session.token)).split(";")[0]);
  }
  return cookies.get(username)!;
}

type JsonAction = (args: ActionFunctionArgs) => Promise<unknown>;
/** Posts a JSON body (or raw text) to a route's action with this cookie; a thrown Response (401, 403) is returned like any other. */
export async function postJson(action: JsonAction, url: string, cookie: string, body: unknown): Promise<Response> {
  const request = new Request(url, {
    method: "POST",
    body: typeof body === "string" ? body : JSON.stringify(body),
    headers: { Cookie: cookie, "Content-Type": "application/json", "User-Agent": "vitest-phone" },
  });
  try {
    return (await action({ request, params: {}, context: { cspNonce: "", clientIp: "127.0.0.1" } })) as Response;
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}
