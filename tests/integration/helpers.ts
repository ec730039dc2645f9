import { sql } from "~/db.server";
import { createCounty } from "~/models/counties.server";
import { userForSession, signIn, type CurrentUser } from "~/models/users.server";

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
