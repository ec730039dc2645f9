// Command line for operators: `npm run cli -- <command> [options]`.
// Uses DATABASE_URL, or the embedded database in .data (started if the app is not running).
import { parseArgs } from "node:util";
import { randomBytes } from "node:crypto";
import { bootDatabase, DatabaseUnavailable } from "../db/boot";

const USAGE = `usage: npm run cli -- <command>

commands:
  migrate                                   apply pending database migrations
  seed-demo                                 load the demo county into a database without one
  create-county --code <code> --name <名称> --admin <username> [--password <pw>]
                                            create a county (tenant) and its first admin account`;

async function main(argv: string[]) {
  const [command, ...rest] = argv;
  if (!command || command === "help" || command === "--help") {
    console.log(USAGE);
    return 0;
  }
  const log = (line: string) => console.error(line);
  const booted = await bootDatabase(log);
  const { sql } = await import("./db.server");
  try {
    switch (command) {
      case "migrate":
        console.log(booted.applied.length ? `applied: ${booted.applied.join(", ")}` : "database is up to date");
        return 0;
      case "seed-demo": {
        const { seedDemoIfEmpty } = await import("../db/seed/index");
        console.log((await seedDemoIfEmpty()) ? "demo county loaded" : "a county exists already: nothing loaded");
        return 0;
      }
      case "create-county": {
        const { values } = parseArgs({
          args: rest,
          options: { code: { type: "string" }, name: { type: "string" }, admin: { type: "string" }, password: { type: "string" } },
        });
        if (!values.code || !values.name || !values.admin) {
          console.error(USAGE);
          return 2;
        }
        const { createCounty } = await import("./models/counties.server");
        const { createUser } = await import("./models/users.server");
        const password = values.password ?? `${randomBytes(6).toString("base64url")}9a`;
        const county = await createCounty(values.code, values.name);
        const created = await createUser(county.id, {
          username: values.admin,
          displayName: `${values.name}管理员`,
          phone: null,
          role: "admin",
          scope: { placeId: county.rootPlaceId },
          password,
        });
        if ("problem" in created) throw new Error(`admin account: ${created.problem}`);
        console.log(`county ${values.code} created; admin ${values.admin}, password ${password}`);
        return 0;
      }
      default:
        console.error(`unknown command: ${command}\n\n${USAGE}`);
        return 2;
    }
  } finally {
    await sql.end();
    if (booted.embedded?.owned) await booted.embedded.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof DatabaseUnavailable ? error.message : error);
    process.exit(1);
  },
);
