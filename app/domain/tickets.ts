// 12345 hotline tickets (issue: ticket import, the evaluation's sample): reading a platform's
// export, whatever its layout, and drawing the evaluation's sample. Pure: the import model streams
// rows through `ticketFromRow`; the sample page draws by `drawPositions` and swings by `poolSwing`.
import { normalizeText } from "~/domain/text";
import { mulberry32, partSeed } from "~/domain/sampling";

// ---------------------------------------------------------------------------------------------
// Columns

export const TICKET_FIELDS = [
  "number",
  "receivedAt",
  "completedAt",
  "dueAt",
  "department",
  "category",
  "content",
  "phone",
  "caller",
  "street",
  "community",
  "area",
  "result",
  "rating",
] as const;
export type TicketField = (typeof TICKET_FIELDS)[number];

/** A column mapping: which header feeds each field (null = not in the file). */
export type TicketMapping = { name: string; columns: Partial<Record<TicketField, string>> };

/** The headers Chinese 12345 platforms use, per field (matched after normalizeText, case-insensitively). */
const CHINESE_HEADERS: Record<TicketField, string[]> = {
  number: ["工单编号", "工单号", "工单编码", "受理编号"],
  receivedAt: ["受理时间", "来电时间", "登记时间", "创建时间"],
  completedAt: ["办结时间", "完成时间", "结案时间"],
  dueAt: ["办理时限", "截止时间", "办结时限", "要求办结时间"],
  department: ["承办单位", "责任单位", "办理单位"],
  category: ["诉求类型", "事项分类", "诉求分类", "问题分类"],
  content: ["诉求内容", "来电内容", "问题描述"],
  phone: ["来电号码", "联系电话", "联系方式"],
  caller: ["来电人", "联系人", "诉求人"],
  street: ["所属街道", "街道", "所属镇街"],
  community: ["所属社区", "社区"],
  area: ["所属区域", "区域"],
  result: ["办理结果", "处理结果", "办理情况"],
  rating: ["满意度评价", "满意度", "评价结果"],
};

/** The NYC 311 export layout (NYC Open Data): a foreign layout, which is what mapping is for. */
export const NYC311_MAPPING: TicketMapping = {
  name: "nyc311",
  columns: {
    number: "Unique Key",
    receivedAt: "Created Date",
    completedAt: "Closed Date",
    dueAt: "Due Date",
    department: "Agency",
    category: "Complaint Type",
    content: "Descriptor",
    area: "Borough",
    result: "Resolution Description",
  },
};

const headerKey = (header: string) => normalizeText(header, { punctuation: true }).toLowerCase();

/** Recognises the common Chinese headers: for each field, the first header of the file that names it. */
export function recogniseColumns(headers: string[]): TicketMapping {
  const columns: Partial<Record<TicketField, string>> = {};
  const taken = new Set<string>();
  for (const field of TICKET_FIELDS) {
    const names = CHINESE_HEADERS[field].map(headerKey);
    const header = headers.find((h) => !taken.has(h) && names.includes(headerKey(h)));
    if (header !== undefined) {
      columns[field] = header;
      taken.add(header);
    }
  }
  return { name: "auto", columns };
}

/** Fields the import cannot do without. */
export const REQUIRED_FIELDS: TicketField[] = ["number", "receivedAt"];

/** The required fields a mapping leaves out, or whose header the file does not have. */
export function missingColumns(mapping: TicketMapping, headers: string[]): TicketField[] {
  return REQUIRED_FIELDS.filter((f) => !mapping.columns[f] || !headers.includes(mapping.columns[f]!));
}

// ---------------------------------------------------------------------------------------------
// Dates

const EXCEL_EPOCH_UTC = Date.UTC(1899, 11, 30);
const DAY = 86_400_000;

/** A wall-clock time at `utcOffsetHours` as an instant; null when no such day or time exists (31 February, 24:00). */
function wallTime(utcOffsetHours: number, y: number, mo: number, d: number, h: number, mi: number, s: number): Date | null {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return null;
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(ms);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return null;
  return new Date(ms - utcOffsetHours * 3_600_000);
}

/**
 * A date and time as platforms export them, read as wall-clock time at `utcOffsetHours` (Beijing,
 * +8, by default): `2024-01-05 08:00[:ss]`, `2024/1/5 8:00[:ss]`, `2024-01-05T08:00[:ss]`, a date
 * alone, `01/05/2024 08:00:00 AM` (US month first, with AM/PM), or an Excel serial day number.
 * Null for anything else, and for dates that do not exist (2024-02-30).
 */
export function parseTicketTime(value: unknown, utcOffsetHours = 8): Date | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  if (typeof value === "number") return excelSerial(value, utcOffsetHours);
  if (typeof value !== "string") return null;
  const text = value.trim();
  if (text === "") return null;
  let m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$/.exec(text);
  if (m) return wallTime(utcOffsetHours, +m[1], +m[2], +m[3], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0));
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?(?: ?([AP]M))?)?$/i.exec(text);
  if (m) {
    let hour = +(m[4] ?? 0);
    const half = m[7]?.toUpperCase();
    if (half) {
      if (hour < 1 || hour > 12) return null;
      hour = (hour % 12) + (half === "PM" ? 12 : 0);
    }
    return wallTime(utcOffsetHours, +m[3], +m[1], +m[2], hour, +(m[5] ?? 0), +(m[6] ?? 0));
  }
  if (/^\d{5}(\.\d+)?$/.test(text)) return excelSerial(Number(text), utcOffsetHours);
  return null;
}

/** An Excel serial (days since 1899-12-30, the fraction the time of day) as wall-clock time. */
function excelSerial(serial: number, utcOffsetHours: number): Date | null {
  if (!(serial > 0 && serial < 2_958_466)) return null;
  const ms = Math.round((EXCEL_EPOCH_UTC + serial * DAY) / 1000) * 1000;
  return new Date(ms - utcOffsetHours * 3_600_000);
}

// ---------------------------------------------------------------------------------------------
// Rows

export type TicketRow = {
  number: string;
  receivedAt: Date;
  completedAt: Date | null;
  dueAt: Date | null;
  department: string | null;
  category: string | null;
  content: string | null;
  phone: string | null;
  caller: string | null;
  street: string | null;
  community: string | null;
  area: string | null;
  result: string | null;
  rating: string | null;
};

export type TicketRowProblem = { field: TicketField; key: "tickets.error.missing" | "tickets.error.date" | "tickets.error.tooLong" };

const MAX_CELL = 20_000;

/** A mapped cell as text (normalised; null when empty), or a tooLong problem. */
function mappedCell(row: Record<string, string>, mapping: TicketMapping, field: TicketField, problems: TicketRowProblem[]): string | null {
  const header = mapping.columns[field];
  const value = header === undefined ? undefined : row[header];
  const text = value === undefined ? "" : normalizeText(value);
  if (text.length > MAX_CELL) {
    problems.push({ field, key: "tickets.error.tooLong" });
    return null;
  }
  return text === "" ? null : text;
}

/** A mapped time cell, or a missing (when required) or date problem. */
function mappedTime(
  row: Record<string, string>,
  mapping: TicketMapping,
  field: TicketField,
  required: boolean,
  problems: TicketRowProblem[],
  utcOffsetHours: number,
): Date | null {
  const text = mappedCell(row, mapping, field, problems);
  if (text === null) {
    if (required && !problems.some((p) => p.field === field)) problems.push({ field, key: "tickets.error.missing" });
    return null;
  }
  const at = parseTicketTime(text, utcOffsetHours);
  if (!at) problems.push({ field, key: "tickets.error.date" });
  return at;
}

/** One file row as a ticket, or the problems that keep it out (each with its field). */
export function ticketFromRow(
  row: Record<string, string>,
  mapping: TicketMapping,
  utcOffsetHours = 8,
): { ticket: TicketRow } | { problems: TicketRowProblem[] } {
  // The work per field in module functions, not closures made per row: this runs once per row of
  // a million-row file.
  const problems: TicketRowProblem[] = [];
  const cell = (field: TicketField) => mappedCell(row, mapping, field, problems);
  const number = cell("number");
  if (number === null && !problems.some((p) => p.field === "number")) problems.push({ field: "number", key: "tickets.error.missing" });
  const receivedAt = mappedTime(row, mapping, "receivedAt", true, problems, utcOffsetHours);
  const completedAt = mappedTime(row, mapping, "completedAt", false, problems, utcOffsetHours);
  const dueAt = mappedTime(row, mapping, "dueAt", false, problems, utcOffsetHours);
  const rest = {
    department: cell("department"),
    category: cell("category"),
    content: cell("content"),
    phone: cell("phone"),
    caller: cell("caller"),
    street: cell("street"),
    community: cell("community"),
    area: cell("area"),
    result: cell("result"),
    rating: cell("rating"),
  };
  if (problems.length > 0 || number === null || receivedAt === null) return { problems };
  return { ticket: { number, receivedAt, completedAt, dueAt, ...rest } };
}

export type Satisfaction = "satisfied" | "basic" | "unsatisfied";

const SATISFACTION_WORDS: Record<string, Satisfaction> = {
  非常满意: "satisfied",
  很满意: "satisfied",
  满意: "satisfied",
  satisfied: "satisfied",
  "very satisfied": "satisfied",
  基本满意: "basic",
  比较满意: "basic",
  "basically satisfied": "basic",
  不满意: "unsatisfied",
  很不满意: "unsatisfied",
  非常不满意: "unsatisfied",
  unsatisfied: "unsatisfied",
  dissatisfied: "unsatisfied",
};

/**
 * The platform's satisfaction text on the 12345 scale (满意 / 基本满意 / 不满意; the five-level
 * extremes fold into their side). Null for anything else (一般, 未评价, blank): such a ticket
 * counts as not rated, and the text is kept as given beside it.
 */
export function satisfactionLevel(raw: string | null): Satisfaction | null {
  if (raw === null) return null;
  return SATISFACTION_WORDS[normalizeText(raw, { punctuation: true }).toLowerCase()] ?? null;
}

// ---------------------------------------------------------------------------------------------
// What an import reports

/** A problem of one row: its line as the spreadsheet shows it, the field and its header, an i18n key. */
export type RowError = {
  line: number;
  field: TicketField | null;
  column: string | null;
  key: string;
  params: Record<string, string | number>;
};
/** What made a whole file unreadable, as an i18n key (a `field` param names a ticket field's key). */
export type ImportFailure = { key: string; params: Record<string, string | number> };

type Translate = (key: string, params?: Record<string, string | number>) => string;

/** 第 12 行「受理时间」：… — the row, the column as the file names it, the problem. */
export function describeRowError(t: Translate, error: RowError): string {
  const problem = t(error.key, error.params);
  return error.column === null
    ? t("tickets.error.row", { line: error.line, problem })
    : t("tickets.error.cell", { line: error.line, column: error.column, problem });
}

export function describeFailure(t: Translate, failure: ImportFailure): string {
  const params = Object.fromEntries(
    Object.entries(failure.params).map(([k, v]) => [k, typeof v === "string" && v.startsWith("tickets.field.") ? t(v) : v]),
  );
  return t(failure.key, params);
}

/** Completed at or before its due time; null when it is not completed or has no due time. */
export function onTime(ticket: Pick<TicketRow, "completedAt" | "dueAt">): boolean | null {
  if (!ticket.completedAt || !ticket.dueAt) return null;
  return ticket.completedAt.getTime() <= ticket.dueAt.getTime();
}

// ---------------------------------------------------------------------------------------------
// The evaluation's sample

export type SampleRule = {
  /** The evaluation day: tickets completed in the months before it are eligible. */
  asOf: Date;
  /** How far back tickets are eligible (6 months). */
  months: number;
  /** The recent part (the last 3 months) and its share of the sample. */
  recentMonths: number;
  recentShare: number;
  size: number;
  seed: number;
};

export const DEFAULT_SAMPLE_RULE: Omit<SampleRule, "asOf" | "seed"> = { months: 6, recentMonths: 3, recentShare: 2 / 3, size: 200 };

/** `months` calendar months before `at` (same day and time; clamped to the month's last day). */
export function monthsBefore(at: Date, months: number): Date {
  const d = new Date(at.getTime());
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() - months);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return d;
}

export type SampledTicket = { id: number; completedAt: Date };

/**
 * The evaluation's draw: completed tickets of the `months` before `asOf`, `recentShare` of the
 * sample from the last `recentMonths`, the rest from the months before; each part a simple random
 * sample of its tickets (by id, so the same seed draws the same tickets). When a part has too few
 * tickets, the other part fills the sample. Tickets not completed are never drawn.
 */
export function drawEvaluationSample<T extends SampledTicket>(tickets: readonly T[], rule: SampleRule): T[] {
  return drawFromPool(evaluationPool(tickets, rule), rule);
}

/** The eligible tickets of a rule, split into its recent and earlier part, each in id order. */
export type EvaluationPool<T> = { recent: T[]; earlier: T[] };

export function evaluationPool<T extends SampledTicket>(
  tickets: readonly T[],
  rule: Omit<SampleRule, "seed" | "size" | "recentShare">,
): EvaluationPool<T> {
  const from = monthsBefore(rule.asOf, rule.months).getTime();
  const split = monthsBefore(rule.asOf, rule.recentMonths).getTime();
  const until = rule.asOf.getTime();
  const eligible = tickets
    .filter((t) => t.completedAt && t.completedAt.getTime() >= from && t.completedAt.getTime() < until)
    .sort((a, b) => a.id - b.id);
  return {
    recent: eligible.filter((t) => t.completedAt.getTime() >= split),
    earlier: eligible.filter((t) => t.completedAt.getTime() < split),
  };
}

/** How many tickets each part of a rule's pool holds. */
export type PoolSizes = { recent: number; earlier: number };

/**
 * The positions a draw under `rule` takes from each part, each part's tickets in id order: the
 * whole draw without the tickets themselves, so the database can hand over only the drawn ones.
 */
export function drawPositions(
  sizes: PoolSizes,
  rule: Pick<SampleRule, "size" | "recentShare" | "seed">,
): { recent: number[]; earlier: number[] } {
  const size = Math.min(rule.size, sizes.recent + sizes.earlier);
  let fromRecent = Math.min(sizes.recent, Math.round(size * rule.recentShare));
  let fromEarlier = Math.min(sizes.earlier, size - fromRecent);
  fromRecent = Math.min(sizes.recent, size - fromEarlier);
  fromEarlier = size - fromRecent;
  return {
    recent: shuffledHead(sizes.recent, fromRecent, partSeed(rule.seed, "recent")),
    earlier: shuffledHead(sizes.earlier, fromEarlier, partSeed(rule.seed, "earlier")),
  };
}

function drawFromPool<T>({ recent, earlier }: EvaluationPool<T>, rule: Pick<SampleRule, "size" | "recentShare" | "seed">): T[] {
  const at = drawPositions({ recent: recent.length, earlier: earlier.length }, rule);
  return [...at.recent.map((i) => recent[i]), ...at.earlier.map((i) => earlier[i])];
}

/**
 * The first `count` positions of a Fisher–Yates shuffle of `0 … length − 1` (the same positions,
 * in the same order, as shuffling the whole list and taking its head), in O(count): the swaps live
 * in a map, so a draw of 200 from a million tickets neither copies nor walks the million.
 */
function shuffledHead(length: number, count: number, seed: number): number[] {
  const rng = mulberry32(seed);
  const swapped = new Map<number, number>();
  const at = (i: number) => swapped.get(i) ?? i;
  const head: number[] = [];
  const last = Math.min(count, length - 1);
  for (let i = 0; i < last; i++) {
    const j = i + Math.floor(rng() * (length - i));
    const picked = at(j);
    swapped.set(j, at(i));
    head.push(picked);
  }
  if (head.length < count) head.push(at(length - 1));
  return head;
}

/** Percentile (0–100) of sorted numbers, linear between ranks. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

/** A part of the pool as the swing needs it: how many of its tickets are rated satisfied (满意 or 基本满意), not satisfied, or not rated. */
export type RatingCounts = { satisfied: number; unsatisfied: number; unrated: number };

/**
 * How far the evaluated satisfaction can swing under the same rule: the satisfaction rate (among
 * rated tickets) of `draws` simulated draws, each with its own seed, as its 5th, 50th and 95th
 * percentiles. `satisfied` is null for a ticket without a rating (left out of the rate).
 */
export function sampleSwing<T extends SampledTicket & { satisfied: boolean | null }>(
  tickets: readonly T[],
  rule: Omit<SampleRule, "seed">,
  draws = 1000,
  seed = 1,
): { p5: number; p50: number; p95: number; draws: number } | null {
  const pool = evaluationPool(tickets, rule);
  const count = (part: T[]): RatingCounts => ({
    satisfied: part.filter((t) => t.satisfied === true).length,
    unsatisfied: part.filter((t) => t.satisfied === false).length,
    unrated: part.filter((t) => t.satisfied === null).length,
  });
  return poolSwing({ recent: count(pool.recent), earlier: count(pool.earlier) }, rule, draws, seed);
}

/**
 * sampleSwing from each part's rating counts (as the database hands them over). A simple random
 * sample of a part depends on how many of its tickets are satisfied, not on which: each draw takes
 * the positions a saved draw would (drawPositions) from the part's tickets lined up satisfied,
 * unsatisfied, unrated.
 */
export function poolSwing(
  counts: { recent: RatingCounts; earlier: RatingCounts },
  rule: Pick<SampleRule, "size" | "recentShare">,
  draws = 1000,
  seed = 1,
): { p5: number; p50: number; p95: number; draws: number } | null {
  const total = (c: RatingCounts) => c.satisfied + c.unsatisfied + c.unrated;
  const sizes = { recent: total(counts.recent), earlier: total(counts.earlier) };
  const rates: number[] = [];
  for (let i = 0; i < draws; i++) {
    const at = drawPositions(sizes, { ...rule, seed: partSeed(seed, i) });
    let rated = 0;
    let satisfied = 0;
    for (const [c, positions] of [
      [counts.recent, at.recent],
      [counts.earlier, at.earlier],
    ] as const) {
      for (const p of positions) {
        if (p < c.satisfied) satisfied++;
        if (p < c.satisfied + c.unsatisfied) rated++;
      }
    }
    if (rated > 0) rates.push(satisfied / rated);
  }
  if (rates.length === 0) return null;
  rates.sort((a, b) => a - b);
  return { p5: percentile(rates, 5), p50: percentile(rates, 50), p95: percentile(rates, 95), draws: rates.length };
}
