import { sql } from "~/db.server";

export type County = { id: number; code: string; name: string; rootPlaceId: number };

/** A county (tenant) and the root of its place register. */
export async function createCounty(code: string, name: string): Promise<County> {
  return sql.begin(async (tx) => {
    const [county] = await tx<{ id: number }[]>`insert into counties (code, name) values (${code}, ${name}) returning id`;
    const [root] = await tx<{ id: number }[]>`
      insert into places (county_id, level, name) values (${county.id}, 'county', ${name}) returning id`;
    return { id: county.id, code, name, rootPlaceId: root.id };
  });
}

export async function findCounty(code: string): Promise<County | null> {
  const [county] = await sql<County[]>`
    select c.id, c.code, c.name, p.id as "rootPlaceId"
    from counties c join places p on p.county_id = c.id and p.level = 'county'
    where c.code = ${code}`;
  return county ?? null;
}

export async function countCounties(): Promise<number> {
  const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from counties`;
  return n;
}
