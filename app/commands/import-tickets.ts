import { statSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

export const usage =
  "import-tickets <file> [--mapping <name>] [--county <code>] [--sheet <name>]\n" +
  "                          imports a 12345 ticket export (CSV or XLSX) for scheduled imports: the good rows are\n" +
  "                          stored (re-imported tickets updated, history kept); prints inserted / updated /\n" +
  "                          unchanged / rejected with row numbers. Without --mapping the Chinese headers are recognised";

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { mapping: { type: "string" }, county: { type: "string" }, sheet: { type: "string" } },
  });
  const file = positionals[0];
  if (!file || positionals.length > 1) {
    console.error(`usage: npm run cli -- ${usage}`);
    return 2;
  }
  const { countyScope } = await import("~/models/rates.server");
  const { translate } = await import("~/i18n");
  const { checkTicketFile, createTicketImport, findMapping, listMappings, readLayout, storeTicketImport } =
    await import("~/models/ticket-import.server");
  const { TableReadError } = await import("~/utils/tabular.server");
  const { describeRowError, describeFailure } = await import("~/domain/tickets");
  const t = (key: string, params?: Record<string, string | number>) => translate("zh", key, params);
  const scope = await countyScope(values.county ?? null);
  if (!scope) {
    console.error(values.county ? `no county ${values.county}` : "several counties: choose one with --county <code>");
    return 2;
  }
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    console.error(`cannot read ${file}`);
    return 2;
  }
  const filename = path.basename(file);
  let mapping;
  if (values.mapping) {
    mapping = await findMapping(scope.countyId, values.mapping);
    if (!mapping) {
      const names = (await listMappings(scope.countyId)).map((m) => m.name).join(", ");
      console.error(`no mapping ${values.mapping} (mappings: ${names})`);
      return 2;
    }
  } else {
    try {
      mapping = (await readLayout(file, filename, values.sheet ?? null)).suggested;
    } catch (error) {
      if (!(error instanceof TableReadError)) throw error;
      console.error(describeFailure(t, { key: error.key, params: error.params }));
      return 1;
    }
  }
  const importId = await createTicketImport({ countyId: scope.countyId, userId: null, source: "cli", filename, fileSize: size });
  const checked = await checkTicketFile(scope.countyId, importId, { path: file, filename, sheet: values.sheet ?? null }, mapping);
  if (checked.state === "failed") {
    console.error(describeFailure(t, checked.failure!));
    return 1;
  }
  const stored = await storeTicketImport(scope.countyId, importId);
  console.log(
    `${filename}: read ${stored.rowsRead}, inserted ${stored.inserted}, updated ${stored.updated}, unchanged ${stored.unchanged}, rejected ${stored.rowsRejected}`,
  );
  for (const error of stored.errors) console.log(`  ${describeRowError(t, error)}`);
  if (stored.rowsRejected > stored.errors.length) console.log(`  … ${stored.rowsRejected - stored.errors.length} more rejected rows`);
  return 0;
}
