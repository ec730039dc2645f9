// How routes read their input (docs/decisions/007-input-and-errors.md): a zod schema per form or
// query string, read with `parseInput` (field errors are i18n keys keyed by field name), the one
// `Id` schema for database ids, and `invariantResponse` for the failures a route expects (an id
// outside the user's scope is a 404, never a 403 with data).
import { z } from "zod";
import { parseShanghaiDateTime } from "~/domain/campaigns";

export type FieldErrors = Record<string, string>;

export const MAX_ID = 2_147_483_647;

/** A whole number typed by a user, digits only (no sign, no decimals), within [min, max]; else null. */
export function wholeNumber(value: unknown, min: number, max: number): number | null {
  if (typeof value !== "string" || !/^\s*\d{1,15}\s*$/.test(value)) return null;
  const n = Number(value);
  return n >= min && n <= max ? n : null;
}

/** A database id as typed in a URL, a query string or a form: digits only, 1 … 2³¹ − 1. */
export const Id = z
  .string()
  .transform((v, ctx) => wholeNumber(v, 1, MAX_ID) ?? (ctx.addIssue({ code: "custom", message: "invalid id" }), z.NEVER));

/** A text field, trimmed; absent is "" (a check on it then reports the field's own message). */
export const TextField = z.string().trim().catch("");

/** A date and time typed in a datetime-local field, read as Beijing time; its problem reported as `message`. */
export function beijingTimeField(message: string) {
  return TextField.transform((v, ctx) => parseShanghaiDateTime(v) ?? (ctx.addIssue({ code: "custom", message }), z.NEVER));
}

/** A required id field of a form, its problem reported as `message` (an i18n key). */
export function idField(message: string) {
  return z.unknown().transform((v, ctx) => {
    const id = wholeNumber(v, 1, MAX_ID);
    if (id !== null) return id;
    ctx.addIssue({ code: "custom", message });
    return z.NEVER;
  });
}

/** An optional id in a query string: absent, empty or malformed is null (a hand-edited URL still shows a page). */
export const OptionalId = z.unknown().transform((v) => wholeNumber(v, 1, MAX_ID));

/** A field that may be sent several times (checkboxes, repeated query keys), as an array. */
export function many<T extends z.ZodTypeAny>(item: T) {
  return z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(item));
}

/** Repeated ids: the valid ones, each once, in the order given. */
export const IdList = many(z.unknown()).transform((values) => [...new Set(values.flatMap((v) => wholeNumber(v, 1, MAX_ID) ?? []))]);

/** Form or query fields as an object: a key sent once is a string, a key sent several times an array. */
function fieldsOf(input: FormData | URLSearchParams): Record<string, string | string[]> {
  const fields: Record<string, string | string[]> = {};
  for (const [key, raw] of input.entries()) {
    const value = typeof raw === "string" ? raw : raw.name;
    const seen = fields[key];
    fields[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return fields;
}

/** Parses a form or query string; the first problem of each field as an i18n key. */
export function parseInput<T extends z.ZodTypeAny>(
  schema: T,
  input: FormData | URLSearchParams,
): { value: z.infer<T> } | { errors: FieldErrors } {
  const result = schema.safeParse(fieldsOf(input));
  if (result.success) return { value: result.data };
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) errors[String(issue.path[0] ?? "form")] ??= issue.message;
  return { errors };
}

/** Parses a query string whose every field has a fallback (the schema never fails). */
export function parseQuery<T extends z.ZodTypeAny>(schema: T, search: URLSearchParams): z.infer<T> {
  const parsed = parseInput(schema, search);
  if ("errors" in parsed) throw new Error(`query schema without a fallback for: ${Object.keys(parsed.errors).join(", ")}`);
  return parsed.value;
}

const STATUS_TEXT = { 400: "Bad Request", 403: "Forbidden", 404: "Not Found", 410: "Gone" } as const;

/** Throws the response a route expects to give when `condition` fails: by default 404 Not Found. */
export function invariantResponse(condition: unknown, status: keyof typeof STATUS_TEXT = 404): asserts condition {
  if (!condition) throw new Response(STATUS_TEXT[status], { status });
}

/** An id route parameter, or a 404. */
export function idParam(value: string | undefined): number {
  const id = wholeNumber(value, 1, MAX_ID);
  invariantResponse(id !== null);
  return id;
}
