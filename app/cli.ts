// Command line for operators: `npm run cli -- <command> [options]`. Each command is a module in
// app/commands/ exporting `usage` and `run(args)`; it runs after the database is booted (from
// DATABASE_URL, or the embedded database in .data, joined if the app is running). App modules
// read DATABASE_URL when they load, so a command imports them inside run(), never at the top.
import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { bootDatabase, DatabaseUnavailable, KeyMismatch, type Booted } from "../db/boot";

export type Command = {
  usage: string;
  run: (args: string[], booted: Booted | null) => Promise<number>;
  /** False for a command that reads no data (it runs without booting the database). */
  database?: boolean;
};

const COMMANDS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "commands");

function commandNames(): string[] {
  return readdirSync(COMMANDS_DIR)
    .filter((f) => f.endsWith(".ts"))
    .map((f) => f.slice(0, -3))
    .sort();
}

async function usage(): Promise<string> {
  const lines = await Promise.all(
    commandNames().map(async (name) => `  ${((await import(path.join(COMMANDS_DIR, `${name}.ts`))) as Command).usage}`),
  );
  return `usage: npm run cli -- <command> [options]\n\ncommands:\n${lines.join("\n")}`;
}

async function main(argv: string[]) {
  const [command, ...rest] = argv;
  if (!command || !commandNames().includes(command)) {
    if (command && command !== "help" && command !== "--help") console.error(`unknown command: ${command}\n`);
    console.log(await usage());
    return command && command !== "help" && command !== "--help" ? 2 : 0;
  }
  const module = (await import(path.join(COMMANDS_DIR, `${command}.ts`))) as Command;
  if (module.database === false) return module.run(rest, null);
  const booted = await bootDatabase((line) => console.error(line));
  const { sql } = await import("./db.server");
  try {
    return await module.run(rest, booted);
  } finally {
    await sql.end();
    if (booted.embedded?.owned) await booted.embedded.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof DatabaseUnavailable || error instanceof KeyMismatch ? error.message : error);
    process.exit(1);
  },
);
