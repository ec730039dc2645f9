import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { Booted } from "../../db/boot";

export const usage =
  "links --campaign <code> [--format table|csv|json] [--out <file>] [--origin <url>]\n" +
  "                          list a campaign's resident links (place, URL, QR target), on stdout or\n" +
  "                          into --out <file>; the origin is PUBLIC_URL, else the running app's port,\n" +
  "                          else http://localhost:<PORT>";

const FORMATS = ["table", "csv", "json"] as const;
type Format = (typeof FORMATS)[number];
const isFormat = (value: unknown): value is Format => (FORMATS as readonly unknown[]).includes(value);

// CJK characters take two columns in a terminal.
const width = (text: string) =>
  [...text].reduce(
    (w, ch) => w + (/[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1),
    0,
  );
const pad = (text: string, to: number) => text + " ".repeat(Math.max(0, to - width(text)));

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i]))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : pad(c, widths[i])))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

const SOURCES = {
  "--origin": "--origin",
  PUBLIC_URL: "PUBLIC_URL",
  request: "request",
  runningApp: "the app running on this data folder",
  PORT: "PORT; set PUBLIC_URL to the address residents reach",
} as const;

export async function run(args: string[], booted?: Booted): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      campaign: { type: "string" },
      format: { type: "string", default: "table" },
      origin: { type: "string" },
      out: { type: "string" },
    },
  });
  if (!values.campaign || !isFormat(values.format)) {
    console.error(`usage: npm run cli -- ${usage}`);
    return 2;
  }
  if (values.origin && !URL.canParse(values.origin)) {
    console.error(`--origin is not a URL: ${values.origin}`);
    return 2;
  }
  const { campaignByCode, allLinksOf } = await import("~/models/campaigns.server");
  const { exportRow, linksCsv, LINK_EXPORT_COLUMNS } = await import("~/domain/campaigns");
  const { resolveOrigin } = await import("~/utils/public-url.server");
  const { appEnv } = await import("~/utils/env.server");
  const { translate } = await import("~/i18n");
  const { recordAudit } = await import("~/models/audit.server");

  const found = await campaignByCode(values.campaign);
  if (!found) {
    console.error(`no campaign with code ${values.campaign}`);
    return 1;
  }
  const { origin, source } = values.origin
    ? { origin: new URL(values.origin).origin, source: "--origin" as const }
    : resolveOrigin(appEnv(), undefined, booted?.embedded?.dataDir ?? null);
  // Notes go to stderr: stdout carries only the listing, so it can be redirected into a file.
  console.error(`resident links use ${origin} (from ${SOURCES[source]})`);
  const rows = (await allLinksOf(found.countyId, found.campaign.id)).map((l) => exportRow(l, origin));
  const label = (column: (typeof LINK_EXPORT_COLUMNS)[number]) => translate("zh", `campaigns.export.${column}`);
  const level = (l: "compound" | "building") => translate("zh", `level.${l}`);

  let text: string;
  if (values.format === "json") text = `${JSON.stringify(rows, null, 2)}\n`;
  else if (values.format === "csv") text = linksCsv(rows, label, level);
  else {
    const columns = LINK_EXPORT_COLUMNS.filter((c) => c !== "code");
    text =
      `${found.countyName} · ${found.campaign.name} (${found.campaign.code}): ${rows.length} links\n\n` +
      `${table(
        columns.map(label),
        rows.map((r) => columns.map((c) => (c === "level" ? level(r.level) : (r[c] ?? "")))),
      )}\n`;
  }
  if (values.out) {
    try {
      writeFileSync(values.out, text);
    } catch (error) {
      console.error(`cannot write ${values.out}: ${error instanceof Error ? error.message : String(error)}`);
      return 2;
    }
    console.error(`${rows.length} links written to ${values.out}`);
  } else process.stdout.write(text);
  await recordAudit(null, "campaign.links.export", {
    countyId: found.countyId,
    target: found.campaign.code,
    details: { campaignId: found.campaign.id, format: values.format, rows: rows.length, via: "cli" },
  });
  return 0;
}
