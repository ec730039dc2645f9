// Campaign rules shared by the office pages, the link export and the command line: no I/O.
import { writeCsv } from "~/utils/csv";

export const CAMPAIGN_STATES = ["draft", "open", "paused", "closed"] as const;
export type CampaignState = (typeof CAMPAIGN_STATES)[number];
export const DUPLICATE_POLICIES = ["household", "device", "unlimited"] as const;
export type DuplicatePolicy = (typeof DUPLICATE_POLICIES)[number];

/** Allowed transitions: draft → open; open ⇄ paused; open/paused → closed. Closed is final. */
export function canMoveTo(from: CampaignState, to: CampaignState): boolean {
  const allowed: Record<CampaignState, CampaignState[]> = {
    draft: ["open", "closed"],
    open: ["paused", "closed"],
    paused: ["open", "closed"],
    closed: [],
  };
  return allowed[from].includes(to);
}

/** A campaign code appears in URLs and on paper: lowercase letters, digits and hyphens. */
export const CAMPAIGN_CODE = /^[a-z0-9-]{2,40}$/;

/** The resident page of a link. `qr` marks scans (the resident page records the channel from
 *  it); `household` prefills a one-time household code printed on a slip. */
export function residentUrl(origin: string, linkCode: string, options: { qr?: boolean; household?: string } = {}): string {
  const params = new URLSearchParams();
  if (options.qr) params.set("src", "qr");
  if (options.household) params.set("h", options.household);
  const query = params.toString();
  return `${origin.replace(/\/+$/, "")}/s/${encodeURIComponent(linkCode)}${query ? `?${query}` : ""}`;
}

// The office works in China Standard Time all year (no daylight saving since 1991), whatever
// the server's own time zone is.
const SHANGHAI_OFFSET_MS = 8 * 3600_000;

/** A `datetime-local` value (YYYY-MM-DDTHH:mm[:ss]) read as Asia/Shanghai time; null if invalid. */
export function parseShanghaiDateTime(value: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value.trim());
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1).map((p) => Number(p ?? 0));
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  const back = new Date(utc);
  // Date.UTC rolls 2026-02-30 over to March: a rolled value was not a real date.
  if (
    back.getUTCFullYear() !== year ||
    back.getUTCMonth() !== month - 1 ||
    back.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  )
    return null;
  return new Date(utc - SHANGHAI_OFFSET_MS);
}

/** The `datetime-local` value (to the minute) showing `date` in Asia/Shanghai time. */
export function toShanghaiInput(date: Date): string {
  return new Date(date.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 16);
}

export type LinkExportRow = {
  street: string;
  community: string;
  compound: string;
  building: string | null;
  level: "compound" | "building";
  code: string;
  url: string;
  qrUrl: string;
};

export const LINK_EXPORT_COLUMNS = ["street", "community", "compound", "building", "level", "code", "url", "qrUrl"] as const;

/** CSV with a UTF-8 byte-order mark, so Excel on Chinese Windows opens it as UTF-8, not GBK.
 *  Place names come from imported spreadsheets: writeCsv keeps them from running as formulas. */
export function linksCsv(
  rows: LinkExportRow[],
  columnLabel: (column: (typeof LINK_EXPORT_COLUMNS)[number]) => string,
  levelName: (level: LinkExportRow["level"]) => string,
): string {
  return writeCsv([
    LINK_EXPORT_COLUMNS.map((c) => columnLabel(c)),
    ...rows.map((row) => LINK_EXPORT_COLUMNS.map((c) => (c === "level" ? levelName(row.level) : (row[c] ?? "")))),
  ]);
}

/** Splits items into pages of `size` (posters and slips are laid out a page at a time). */
export function pages<T>(items: T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}

/** Whether residents may answer now, and if not, why (an i18n key suffix). */
export function campaignAvailability(c: { state: CampaignState; opensAt: Date | string; closesAt: Date | string }, now = new Date()) {
  if (c.state === "closed" || now >= new Date(c.closesAt)) return "closed" as const;
  if (c.state === "paused") return "paused" as const;
  if (c.state === "draft" || now < new Date(c.opensAt)) return "notOpen" as const;
  return "open" as const;
}

/** A link as an office exports it (CSV, JSON, the CLI): place, resident URL and the URL its QR code carries. */
export function exportRow(
  link: { code: string; placeName: string; level: string; compoundName: string | null; streetName: string; communityName: string },
  origin: string,
): LinkExportRow {
  const building = link.level === "building";
  return {
    street: link.streetName,
    community: link.communityName,
    compound: building ? (link.compoundName ?? "") : link.placeName,
    building: building ? link.placeName : null,
    level: building ? "building" : "compound",
    code: link.code,
    url: residentUrl(origin, link.code),
    qrUrl: residentUrl(origin, link.code, { qr: true }),
  };
}
