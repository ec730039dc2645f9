// Parsing of the account forms: field errors are i18n keys keyed by field name.
import { z } from "zod";
import { OptionalId, parseInput } from "~/utils/input";
import { ROLES } from "~/utils/permissions";
import { passwordProblem } from "~/utils/password.server";

const scopeValue = z
  .string()
  .regex(/^[pg]:\d+$/, "users.error.scope")
  .transform((v) => (v.startsWith("g:") ? { gridId: Number(v.slice(2)) } : { placeId: Number(v.slice(2)) }));

const profile = z
  .object({
    displayName: z.string().trim().min(1, "users.error.displayName").max(50, "users.error.displayName"),
    phone: z
      .string()
      .trim()
      .transform((v) => (v === "" ? null : v))
      .refine((v) => v === null || /^1[3-9]\d{9}$/.test(v), "users.error.phone"),
    role: z.enum(ROLES, { message: "users.error.role" }),
    scope: scopeValue,
    // A department account's 承办单位 (required for that role only).
    departmentId: OptionalId,
  })
  .superRefine((v, ctx) => {
    if (v.role === "department" && v.departmentId === null)
      ctx.addIssue({ code: "custom", path: ["departmentId"], message: "users.error.department" });
  });

const password = z.string().superRefine((value, ctx) => {
  const problem = passwordProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const newUser = profile.and(
  z.object({
    username: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_.-]{3,32}$/, "users.error.username"),
    password,
  }),
);

export const parseNewUser = (form: FormData) => parseInput(newUser, form);
export const parseProfile = (form: FormData) => parseInput(profile, form);
export const parsePassword = (form: FormData) => parseInput(z.object({ password }), form);
