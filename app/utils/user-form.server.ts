// Parsing of the account forms: field errors are i18n keys keyed by field name.
import { z } from "zod";
import { ROLES } from "~/utils/permissions";
import { passwordProblem } from "~/utils/password.server";

export type FieldErrors = Record<string, string>;

const scopeValue = z
  .string()
  .regex(/^[pg]:\d+$/, "users.error.scope")
  .transform((v) => (v.startsWith("g:") ? { gridId: Number(v.slice(2)) } : { placeId: Number(v.slice(2)) }));

const profile = z.object({
  displayName: z.string().trim().min(1, "users.error.displayName").max(50, "users.error.displayName"),
  phone: z
    .string()
    .trim()
    .transform((v) => (v === "" ? null : v))
    .refine((v) => v === null || /^1[3-9]\d{9}$/.test(v), "users.error.phone"),
  role: z.enum(ROLES, { message: "users.error.role" }),
  scope: scopeValue,
});

const password = z.string().superRefine((value, ctx) => {
  const problem = passwordProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const newUser = profile.extend({
  username: z.string().trim().regex(/^[A-Za-z0-9_.-]{3,32}$/, "users.error.username"),
  password,
});

function parse<T extends z.ZodTypeAny>(schema: T, form: FormData): { value: z.infer<T> } | { errors: FieldErrors } {
  const result = schema.safeParse(Object.fromEntries([...form.entries()].map(([k, v]) => [k, String(v)])));
  if (result.success) return { value: result.data };
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) errors[String(issue.path[0])] ??= issue.message;
  return { errors };
}

export const parseNewUser = (form: FormData) => parse(newUser, form);
export const parseProfile = (form: FormData) => parse(profile, form);
export const parsePassword = (form: FormData) => parse(z.object({ password }), form);
