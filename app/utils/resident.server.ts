// The resident submission path shared by the page's own form post (no JavaScript) and the JSON
// endpoint the enhanced page uses: parse, size-check, submit, and say what happened.
import { createCookie } from "@remix-run/node";
import { randomUUID } from "node:crypto";
import { isbot } from "isbot";
import { resolveLink, type ResidentLink } from "~/models/campaigns.server";
import { submitResponse, type SubmitOutcome } from "~/models/responses.server";
import { answersFromForm, buildRenderSurvey } from "~/survey/render";
import { getUser } from "~/utils/session.server";

export const MAX_SUBMISSION_BYTES = 64 * 1024;

/** An anonymous, long-lived device id for the one-response-per-device policy. */
export const deviceCookie = createCookie("wm_dev", { httpOnly: true, sameSite: "lax", path: "/s", maxAge: 3 * 365 * 24 * 3600 });

export async function deviceId(request: Request): Promise<string | null> {
  const value = await deviceCookie.parse(request.headers.get("Cookie"));
  return typeof value === "string" && /^[0-9a-f-]{36}$/.test(value) ? value : null;
}

/** The device cookie to set on this response, when the device has none yet. */
export async function ensureDeviceCookie(request: Request): Promise<{ id: string; setCookie: string | null }> {
  const existing = await deviceId(request);
  if (existing) return { id: existing, setCookie: null };
  const id = randomUUID();
  return { id, setCookie: await deviceCookie.serialize(id) };
}

export function isRealVisit(request: Request) {
  return !isbot(request.headers.get("User-Agent") ?? "") && request.headers.get("Purpose") !== "prefetch";
}

export type SubmissionResult = { status: number; outcome: SubmitOutcome | { ok: false; reason: "tooLarge" | "malformed" } };

export async function handleSubmission(request: Request, code: string, link: ResidentLink | null = null): Promise<SubmissionResult> {
  const length = Number(request.headers.get("Content-Length") ?? 0);
  if (length > MAX_SUBMISSION_BYTES) return { status: 413, outcome: { ok: false, reason: "tooLarge" } };
  const body = await request.text();
  if (new TextEncoder().encode(body).length > MAX_SUBMISSION_BYTES) return { status: 413, outcome: { ok: false, reason: "tooLarge" } };
  const resolved = link ?? (await resolveLink(code));
  if (!resolved) return { status: 404, outcome: { ok: false, reason: "notFound" } };

  let form: URLSearchParams;
  const type = request.headers.get("Content-Type") ?? "";
  if (type.startsWith("application/x-www-form-urlencoded")) form = new URLSearchParams(body);
  else if (type.startsWith("multipart/form-data")) {
    const parsed = await new Response(body, { headers: { "Content-Type": type } }).formData().catch(() => null);
    if (!parsed) return { status: 400, outcome: { ok: false, reason: "malformed" } };
    form = new URLSearchParams();
    for (const [k, v] of parsed.entries()) if (typeof v === "string") form.append(k, v);
  } else return { status: 400, outcome: { ok: false, reason: "malformed" } };

  const clientKey = form.get("__key") ?? "";
  const versionId = Number(form.get("__version"));
  if (!/^[A-Za-z0-9-]{8,64}$/.test(clientKey) || !Number.isSafeInteger(versionId))
    return { status: 400, outcome: { ok: false, reason: "malformed" } };
  const started = Number(form.get("__started"));
  const user = await getUser(request);
  const survey = buildRenderSurvey(resolved.definition);
  const outcome = await submitResponse({
    code,
    clientKey,
    versionId,
    answers: answersFromForm(survey, form),
    startedAt: Number.isFinite(started) && started > 0 ? new Date(started) : null,
    deviceId: await deviceId(request),
    householdCode: form.get("__household")?.trim() || null,
    userAgent: request.headers.get("User-Agent"),
    channel: user ? "volunteer" : form.get("__src") === "qr" ? "qr" : "link",
    collectedBy: user?.id ?? null,
  });
  const status = outcome.ok
    ? 200
    : outcome.reason === "invalid"
      ? 422
      : outcome.reason === "closed"
        ? 410
        : outcome.reason === "notFound"
          ? 404
          : outcome.reason === "codeRequired"
            ? 400
            : 409;
  return { status, outcome };
}
