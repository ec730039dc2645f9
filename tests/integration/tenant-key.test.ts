// The tenant key (decision 011): every county-owned table has `county_id integer not null`, and
// every query of the model layer that names a county-owned table carries `county_id`, so that the
// schema can be distributed by county with Citus and each query routed to one county's shard.
//
// The query check is static: the TypeScript compiler API walks every `sql`/`tx`/`db` tagged
// template in app/**/*.server.ts and db/seed/*.ts, takes its literal text (interpolations become
// `$n`), finds the tables it names after from/join/update/into, and requires `county_id` in that
// same template's text when any of them is county-owned.
//
// Fragments: each tagged template is judged on its own text. A fragment that names no table
// (`sql\`and place_id = ${id}\``) passes, and the query it is composed into must carry the key; a
// fragment that names a table (a subquery kept in a variable) must carry the key itself. A query
// written as several templates therefore cannot borrow the key from a fragment defined elsewhere.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { sql } from "~/db.server";

const ROOT = join(__dirname, "..", "..");

/** Tables without `county_id integer not null`, each with why it may go without (the doc lists the same). */
export const NOT_COUNTY_OWNED: Record<string, string> = {
  counties: "reference: the tenants themselves; id is the key every other table is distributed by",
  key_fingerprints: "reference: the installation's secrets' fingerprints (migration 018), one per installation",
  schema_migrations: "local: the migration runner's own record, on the coordinator only",
  login_failures: "local: keyed by the typed name and the address, before any county is known",
  audit_log_unscoped: "local: audit rows no county can be named for (a refused sign-in on a name with no account)",
};

/** Queries that name a county-owned table without the key, each with a snippet of its text and why. */
export const KEY_EXCEPTIONS: { file: string; snippet: string; reason: string }[] = [
  // Entry points: what a request brings names no county; the row found names it for what follows.
  { file: "app/models/campaigns.server.ts", snippet: "where l.code = $1", reason: "a resident's link: /s/<code> names no county" },
  {
    file: "app/models/users.server.ts",
    snippet: "from users where lower(username) = $1 or phone = $2",
    reason: "sign-in: a name or a phone, no county",
  },
  {
    file: "app/models/api-tokens.server.ts",
    snippet: "where token_hash = $1 and revoked_at is null",
    reason: "the hotline platform's push: a bearer token, no county",
  },
  // Codes unique across counties, because the entry points above look them up without one.
  {
    file: "app/models/campaigns.server.ts",
    snippet: "select 1 from campaigns where code = $1",
    reason: "campaign codes are unique across counties",
  },
  {
    file: "app/models/visits.server.ts",
    snippet: "select 1 from visit_rounds where code = $1",
    reason: "round codes are unique across counties",
  },
  {
    file: "app/models/users.server.ts",
    snippet: "select username, phone from users where (lower(username) = lower($1)",
    reason: "usernames and phones are unique across counties (sign-in names no county)",
  },
  // Sweeps over every county: multi-shard statements on Citus, run on each shard at once.
  {
    file: "app/models/link-counters.server.ts",
    snippet: "delete from link_visitors where day <",
    reason: "the daily prune of visitor rows, every county's",
  },
  {
    file: "app/models/rates.server.ts",
    snippet: "with tallied as (",
    reason: "tallyDifferences: the operator's consistency check (rates --check, tests, benchmarks)",
  },
];

type Query = { file: string; line: number; text: string; inlined: boolean };

const isAsync = (node: ts.Node) =>
  (ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node) || ts.isArrowFunction(node) || ts.isMethodDeclaration(node)) &&
  !!node.modifiers?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword);

/** Whether a definition's value is the result of running a query: awaited, or an async function. */
function yieldsResult(value: ts.Node): boolean {
  if (isAsync(value) || (value.parent && isAsync(value.parent))) return true;
  let awaited = false;
  const visit = (node: ts.Node) => {
    if (ts.isAwaitExpression(node)) awaited = true;
    else if (!ts.isFunctionLike(node)) ts.forEachChild(node, visit);
  };
  visit(value);
  return awaited;
}

function sourceFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string, keep: (name: string) => boolean) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path, keep);
      else if (keep(name)) out.push(path);
    }
  };
  walk(join(ROOT, "app"), (name) => name.endsWith(".server.ts"));
  walk(join(ROOT, "db", "seed"), (name) => name.endsWith(".ts"));
  return out.sort();
}

const TAGS = new Set(["sql", "tx", "db"]);
const isQuery = (node: ts.Node): node is ts.TaggedTemplateExpression =>
  ts.isTaggedTemplateExpression(node) && ts.isIdentifier(node.tag) && TAGS.has(node.tag.text);

/**
 * Every `sql`/`tx`/`db` tagged template in the file, with its text composed: an interpolation that
 * is itself a tagged template, a conditional of them, or a name (a const or a function of this
 * file) whose value holds tagged templates is replaced by their text; any other interpolation
 * becomes `$n`. `inlined` says whether the template is composed into another one of the file.
 */
export function taggedQueries(path: string, source = readFileSync(path, "utf8")): Query[] {
  const file = ts.createSourceFile(path, source, ts.ScriptTarget.Latest, true);
  const templates: ts.TaggedTemplateExpression[] = [];
  const definitions = new Map<string, ts.Node[]>();
  const collect = (node: ts.Node) => {
    if (isQuery(node)) templates.push(node);
    let name: string | undefined;
    let value: ts.Node | undefined;
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer)
      [name, value] = [node.name.text, node.initializer];
    if (ts.isFunctionDeclaration(node) && node.name && node.body) [name, value] = [node.name.text, node.body];
    // Only fragments: a name whose value is a query's result (awaited, or an async function's) is data, not SQL text.
    if (name && value && !yieldsResult(value)) definitions.set(name, [...(definitions.get(name) ?? []), value]);
    ts.forEachChild(node, collect);
  };
  collect(file);

  const inlined = new Set<ts.Node>();
  /** The outermost tagged templates inside a node (not those nested in another template). */
  const outermost = (node: ts.Node): ts.TaggedTemplateExpression[] => {
    if (isQuery(node)) return [node];
    const found: ts.TaggedTemplateExpression[] = [];
    ts.forEachChild(node, (child) => {
      found.push(...outermost(child));
    });
    return found;
  };
  const compose = (node: ts.TaggedTemplateExpression, seen: Set<string>): string => {
    const template = node.template;
    if (ts.isNoSubstitutionTemplateLiteral(template)) return template.text;
    const parts = template.templateSpans.map((span, i) => {
      const fragments = fragmentsOf(span.expression, seen);
      for (const fragment of fragments) inlined.add(fragment);
      const text = fragments.length ? fragments.map((f) => compose(f, seen)).join(" ") : `$${i + 1}`;
      return text + span.literal.text;
    });
    return template.head.text + parts.join("");
  };
  const fragmentsOf = (expression: ts.Expression, seen: Set<string>): ts.TaggedTemplateExpression[] => {
    const nested = outermost(expression);
    const names: string[] = [];
    const findNames = (node: ts.Node) => {
      if (ts.isIdentifier(node) && definitions.has(node.text) && !seen.has(node.text)) names.push(node.text);
      ts.forEachChild(node, findNames);
    };
    findNames(expression);
    const named = names.flatMap((name) => {
      seen.add(name);
      // The definition's own templates, and those of the names it uses in turn (`where` = `matching(user, f)`).
      return definitions.get(name)!.flatMap((value) => [...outermost(value), ...(ts.isExpression(value) ? fragmentsOf(value, seen) : [])]);
    });
    return [...new Set([...nested, ...named])];
  };
  const composed = templates.map((node) => ({ node, text: compose(node, new Set()) }));
  return composed.map(({ node, text }) => ({
    file: relative(ROOT, path),
    line: file.getLineAndCharacterOfPosition(node.getStart()).line + 1,
    text,
    inlined: inlined.has(node),
  }));
}

/**
 * The county-owned tables a query reads, updates or deletes from (after from, join, update). The
 * target of an insert is not counted: its county_id is a column of the row, not null, so a row
 * without it is refused by the database (and Citus routes the row by it).
 */
export function tablesNamed(text: string, tables: Set<string>): string[] {
  const bare = text.replace(/--[^\n]*/g, " ").toLowerCase();
  const named = new Set<string>();
  for (const match of bare.matchAll(/\b(?:from|join|update)\s+(?:only\s+)?([a-z_][a-z0-9_]*)/g)) {
    if (tables.has(match[1])) named.add(match[1]);
  }
  return [...named];
}

/**
 * Whether the query filters by the key: `county_id` compared (`=`, `in`, `= any`) or joined on
 * (`x.county_id = y.county_id`), not merely selected (`select county_id as "countyId"`) or
 * inserted (`insert into t (county_id, …)`).
 */
export function filtersByCounty(text: string): boolean {
  const bare = text.replace(/--[^\n]*/g, " ");
  return /\b(?:\w+\.)?county_id\s*(?:=|\bin\b|\bis\s+not\s+distinct\b)/i.test(bare) || /=\s*(?:\w+\.)?county_id\b/i.test(bare);
}

async function baseTables() {
  return sql<{ table_name: string; keyed: boolean }[]>`
    select t.table_name,
           exists (select 1 from information_schema.columns c
                   where c.table_schema = t.table_schema and c.table_name = t.table_name
                     and c.column_name = 'county_id' and c.data_type = 'integer' and c.is_nullable = 'NO') as keyed
    from information_schema.tables t
    where t.table_schema = 'public' and t.table_type = 'BASE TABLE'
    order by t.table_name`;
}

describe("the tenant key county_id", () => {
  it("is a not-null integer column of every table except the listed reference and local ones", async () => {
    const tables = await baseTables();
    const unkeyed = tables.filter((t) => !t.keyed).map((t) => t.table_name);
    expect(unkeyed).toEqual(Object.keys(NOT_COUNTY_OWNED).sort());
  });

  it("is in every model query that names a county-owned table", async () => {
    const owned = new Set((await baseTables()).filter((t) => t.keyed).map((t) => t.table_name));
    const queries = sourceFiles().flatMap((path) => taggedQueries(path));
    expect(queries.length).toBeGreaterThan(300);
    const used = new Set<(typeof KEY_EXCEPTIONS)[number]>();
    const missing: string[] = [];
    for (const query of queries) {
      const named = tablesNamed(query.text, owned);
      // A fragment composed into another query of its file is judged as part of that query.
      if (named.length === 0 || query.inlined || filtersByCounty(query.text)) continue;
      const flat = query.text.replace(/\s+/g, " ");
      const exception = KEY_EXCEPTIONS.find((e) => e.file === query.file && flat.includes(e.snippet));
      if (exception) used.add(exception);
      else missing.push(`${query.file}:${query.line} (${named.join(", ")}): ${flat.trim().slice(0, 160)}`);
    }
    expect(missing).toEqual([]);
    // An exception whose query is gone (or now carries the key) is removed from the list.
    expect(KEY_EXCEPTIONS.filter((e) => !used.has(e))).toEqual([]);
  });
});

describe("the tenant-key check itself", () => {
  const owned = new Set(["responses", "places"]);
  const queriesOf = (source: string) => taggedQueries(join(ROOT, "app", "models", "example.server.ts"), source);

  it("takes a key that filters or joins, not one that is only selected or inserted", () => {
    expect(filtersByCounty(`select id from responses where county_id = $1 and id = $2`)).toBe(true);
    expect(filtersByCounty(`select r.id from responses r join places p on p.county_id = r.county_id`)).toBe(true);
    expect(filtersByCounty(`select county_id as "countyId" from responses where id = $1`)).toBe(false);
    expect(filtersByCounty(`insert into responses (county_id, id) select $1, $2`)).toBe(false);
    expect(filtersByCounty(`select id from responses -- county_id = 1\n where id = $1`)).toBe(false);
  });

  it("names the tables read, updated or deleted from, not the target of an insert", () => {
    expect(tablesNamed(`select 1 from responses r join places p on true`, owned)).toEqual(["responses", "places"]);
    expect(tablesNamed(`update responses set x = 1`, owned)).toEqual(["responses"]);
    expect(tablesNamed(`insert into responses (county_id) values ($1)`, owned)).toEqual([]);
  });

  it("judges a fragment as part of the query it is composed into, and a query's result as data", () => {
    const source = `
      const scoped = (id: number) => sql\`county_id = \${id}\`;
      async function find(id: number) {
        const [row] = await sql\`select id from places where id = \${id}\`;
        return sql\`select 1 from responses where \${scoped(id)} and place_id = \${row.id}\`;
      }`;
    const [fragment, place, response] = queriesOf(source);
    expect(fragment).toMatchObject({ inlined: true, text: "county_id = $1" });
    // The awaited row is data: its query is judged on its own (no key) and not composed into the next one.
    expect(place).toMatchObject({ inlined: false, text: "select id from places where id = $1" });
    expect(response.text).toBe("select 1 from responses where county_id = $1 and place_id = $2");
  });
});
