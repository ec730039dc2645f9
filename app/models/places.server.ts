// The place register as the signed-in user may see it. Scope is enforced in every query's
// WHERE clause: a place outside the user's subtree (or grid) is simply not found.
import { sql } from "~/db.server";
import type { ScopedUser } from "~/models/users.server";
import type { Level } from "~/domain/places";

/** SQL condition: the row whose ancestor path is `pathColumn` lies inside the user's scope.
 *  The one definition of scope in SQL: every model filters with it. */
export function inScope(user: ScopedUser, pathColumn: string) {
  const path = sql(pathColumn);
  return user.scopeGridId === null
    ? sql`${path} @> array[${user.scopePlaceId}]::int[]`
    : sql`${path} && (select coalesce(array_agg(building_id), '{}') from grid_buildings where county_id = ${user.countyId} and grid_id = ${user.scopeGridId})`;
}

/** SQL: the grid (its id in `gridColumn`) lies wholly inside the user's scope: every one of its buildings. */
export function gridInScope(user: ScopedUser, gridColumn: string) {
  return sql`not exists (select 1 from grid_buildings gb join places b on b.county_id = gb.county_id and b.id = gb.building_id
                         where gb.county_id = ${user.countyId} and gb.grid_id = ${sql(gridColumn)} and not ${inScope(user, "b.path")})`;
}

/** The user's scope as people name it: the place with its ancestors (county first), and the
 *  grid's name for a grid scope (whose place is the grid's community). */
export async function scopeDescription(user: ScopedUser): Promise<{ path: string[]; grid: string | null }> {
  const [row] = await sql<{ path: string[]; grid: string | null }[]>`
    select array(select a.name from places a where a.id = any(p.path) order by array_length(a.path, 1)) as path,
      (select g.name from grids g where g.id = ${user.scopeGridId} and g.county_id = ${user.countyId}) as grid
    from places p where p.id = ${user.scopePlaceId} and p.county_id = ${user.countyId}`;
  return row ?? { path: [], grid: null };
}

export type PlaceSummary = {
  id: number;
  name: string;
  level: Level;
  households: number;
  vacant: number;
  children: number;
};

export type Crumb = { id: number; name: string; level: Level; visible: boolean };

export type PlaceDetail = PlaceSummary & {
  parentId: number | null;
  crumbs: Crumb[];
  below: Partial<Record<Level, number>>;
  grid: { id: number; name: string } | null;
};

/** A place inside the user's scope, or null (the caller answers 404 either way). */
export async function getPlace(user: ScopedUser, placeId: number): Promise<PlaceDetail | null> {
  const [place] = await sql<(Omit<PlaceDetail, "crumbs" | "below" | "grid"> & { path: number[] })[]>`
    select p.id, p.name, p.level, p.parent_id as "parentId", p.path,
      (select count(*)::int from households h where h.path @> array[p.id]) as households,
      (select count(*)::int from households h where h.path @> array[p.id] and h.vacant) as vacant,
      (select count(*)::int from places c where c.parent_id = p.id) as children
    from places p
    where p.id = ${placeId} and p.county_id = ${user.countyId} and ${inScope(user, "p.path")}`;
  if (!place) return null;
  const [crumbs, belowRows, grid] = await Promise.all([
    sql<Crumb[]>`
      select a.id, a.name, a.level, ${inScope(user, "a.path")} as visible
      from places a where a.id = any(${place.path}::int[]) and a.county_id = ${user.countyId}
      order by array_length(a.path, 1)`,
    sql<{ level: Level; n: number }[]>`
      select level, count(*)::int as n from places
      where county_id = ${user.countyId} and path @> array[${place.id}]::int[] and id <> ${place.id} group by level`,
    sql<{ id: number; name: string }[]>`
      select g.id, g.name from grid_buildings gb join grids g on g.id = gb.grid_id
      where gb.county_id = ${user.countyId} and gb.building_id = any(${place.path}::int[]) limit 1`,
  ]);
  const { path: _path, ...rest } = place;
  return {
    ...rest,
    crumbs,
    below: Object.fromEntries(belowRows.map((r) => [r.level, r.n])),
    grid: grid[0] ?? null,
  };
}

/** The children of a place, each with its household count, in register order. */
export async function childrenOf(user: ScopedUser, placeId: number): Promise<PlaceSummary[]> {
  return sql<PlaceSummary[]>`
    select c.id, c.name, c.level,
      count(h.id)::int as households,
      count(h.id) filter (where h.vacant)::int as vacant,
      (select count(*)::int from places gc where gc.parent_id = c.id) as children
    from places c
    left join households h on h.path @> array[c.id]
    where c.parent_id = ${placeId} and c.county_id = ${user.countyId} and ${inScope(user, "c.path")}
    group by c.id
    order by c.sort_order, c.id`;
}

/** Where the user's tree starts: the scope place, or the buildings of the user's grid (each with
 *  its compound's name: "3号楼" repeats in every compound of a grid). */
export async function scopeRoots(user: ScopedUser): Promise<(PlaceSummary & { compound: string | null })[]> {
  const roots =
    user.scopeGridId === null
      ? sql`select id from places where id = ${user.scopePlaceId} and county_id = ${user.countyId}`
      : sql`select building_id as id from grid_buildings where grid_id = ${user.scopeGridId} and county_id = ${user.countyId}`;
  return sql<(PlaceSummary & { compound: string | null })[]>`
    select p.id, p.name, p.level, case when p.level = 'building' then cp.name end as compound,
      count(h.id)::int as households,
      count(h.id) filter (where h.vacant)::int as vacant,
      (select count(*)::int from places c where c.parent_id = p.id) as children
    from places p left join places cp on cp.id = p.parent_id left join households h on h.path @> array[p.id]
    where p.id in (${roots})
    group by p.id, cp.id order by cp.sort_order, cp.id, p.sort_order, p.id`;
}

export type HouseholdRow = { id: number; room: string; vacant: boolean; stairwell: string | null };

/** The households of a building or stairwell inside the user's scope. */
export async function householdsOf(user: ScopedUser, placeId: number): Promise<HouseholdRow[]> {
  return sql<HouseholdRow[]>`
    select h.id, h.room, h.vacant, case when s.level = 'stairwell' then s.name end as stairwell
    from households h join places s on s.id = h.place_id
    where h.path @> array[${placeId}]::int[] and h.county_id = ${user.countyId} and ${inScope(user, "h.path")}
    order by s.sort_order, s.id, length(h.room), h.room`;
}

export type GridSummary = {
  id: number;
  name: string;
  community: string;
  leaderName: string | null;
  leaderPhone: string | null;
  responsibleUnit: string | null;
  buildings: number;
  households: number;
};

export async function listGrids(user: ScopedUser): Promise<GridSummary[]> {
  return sql<GridSummary[]>`
    select g.id, g.name, c.name as community, g.leader_name as "leaderName", g.leader_phone as "leaderPhone",
      g.responsible_unit as "responsibleUnit",
      (select count(*)::int from grid_buildings gb where gb.grid_id = g.id) as buildings,
      (select count(*)::int from households h join grid_buildings gb on gb.building_id = h.building_id where gb.grid_id = g.id) as households
    from grids g join places c on c.id = g.community_id
    where g.county_id = ${user.countyId}
      and exists (select 1 from grid_buildings gb join places b on b.id = gb.building_id
                  where gb.grid_id = g.id and ${inScope(user, "b.path")})
    order by c.sort_order, c.id, g.id`;
}

/** Places a scope can be set to (county down to compound), the grids and the departments, for the account form. */
export async function scopeChoices(countyId: number) {
  const [places, grids, departments] = await Promise.all([
    sql<{ id: number; name: string; level: Level; depth: number }[]>`
      select id, name, level, array_length(path, 1) as depth from places
      where county_id = ${countyId} and level in ('county','street','community','compound')
      order by path`,
    sql<{ id: number; name: string }[]>`select id, name from grids where county_id = ${countyId} order by id`,
    sql<{ id: number; name: string }[]>`select id, name from departments where county_id = ${countyId} order by name`,
  ]);
  return { places, grids, departments };
}

export async function getGrid(user: ScopedUser, gridId: number) {
  const [grid] = (await listGrids(user)).filter((g) => g.id === gridId);
  if (!grid) return null;
  const buildings = await sql<(PlaceSummary & { compound: string })[]>`
    select b.id, b.name, b.level, cp.name as compound,
      count(h.id)::int as households, count(h.id) filter (where h.vacant)::int as vacant,
      (select count(*)::int from places c where c.parent_id = b.id) as children
    from grid_buildings gb join places b on b.county_id = gb.county_id and b.id = gb.building_id join places cp on cp.id = b.parent_id
    left join households h on h.building_id = b.id
    where gb.county_id = ${user.countyId} and gb.grid_id = ${gridId} and ${inScope(user, "b.path")}
    group by b.id, cp.id order by cp.sort_order, b.sort_order, b.id`;
  return { grid, buildings };
}
