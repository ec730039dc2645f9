import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { authorizationDoc } from "~/utils/route-access";

export const usage =
  "authz-doc [--write]\n" +
  "                          the authorization matrix (every route × every role) from app/utils/route-access.ts;\n" +
  "                          --write puts it in docs/authorization.md instead of printing it";

/** Reads no data: runs without a database. */
export const database = false;

export const DOC_PATH = path.join(path.dirname(fileURLToPath(import.meta.url)), "../../docs/authorization.md");

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { write: { type: "boolean", default: false } } });
  const doc = authorizationDoc();
  if (!values.write) {
    process.stdout.write(doc);
    return 0;
  }
  writeFileSync(DOC_PATH, doc);
  console.error(`wrote ${path.relative(process.cwd(), DOC_PATH)}`);
  return 0;
}
