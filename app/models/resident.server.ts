// The resident submission path shared by the page's own form post (no JavaScript) and the JSON
// endpoint the enhanced page uses: parse, size-check, submit, and say what happened.
import { createCookie } from "@remix-run/node";
import { randomUUID } from "node:crypto";
import { isbot } from "isbot";
import { campaignAvailability } from "~/domain/campaigns";
import { countLinkEvent, PAGE_CAMPAIGN_MS, resolveLink, type ResidentLink } from "~/models/campaigns.server";
import { CAMPAIGN_CACHE_MS, deviceHasAnswered, submitResponse, type SubmitOutcome } from "~/models/responses.server";
import { answersFromForm, buildRenderSurvey, type RenderSurvey } from "~/survey/render";
import { cameOverTls, readCappedBody, type WithHeaders } from "~/utils/request.server";
import { getUser } from "~/utils/session.server";
import { databaseUnavailable, UNAVAILABLE_JSON } from "~/utils/unavailable.server";

/** A submission's body, form-encoded. Questions carry their own length limits (checked per
 *  question, with the form given back); this only bounds what the server reads. 20,000 Chinese
 *  characters encode to ~180 KB. */
export const MAX_SUBMISSION_BYTES = 1024 * 1024;

/** An anonymous, long-lived device id for the one-response-per-device policy. */
export const deviceCookie = createCookie("wm_dev", { httpOnly: true, sameSite: "lax", path: "/s", maxAge: 3 * 365 * 24 * 3600 });

/** What the resident page reads of its request: the method, the absolute URL (its scheme sets the
 *  device cookie's Secure flag), the headers (cookies, user agent, purpose) and the client's
 *  address (counting opens without a device cookie). server.ts passes Express's request as one
 *  without building a Fetch Request. */
export type IncomingPage = WithHeaders & { method: string; url: string; address: string | null };

export async function deviceId(request: WithHeaders): Promise<string | null> {
  const value = await deviceCookie.parse(request.headers.get("Cookie"));
  return typeof value === "string" && /^[0-9a-f-]{36}$/.test(value) ? value : null;
}

/** The device cookie to set on this response, when the device has none yet. */
export async function ensureDeviceCookie(request: IncomingPage): Promise<{ id: string; setCookie: string | null }> {
  const existing = await deviceId(request);
  if (existing) return { id: existing, setCookie: null };
  const id = randomUUID();
  return { id, setCookie: await deviceCookie.serialize(id, { secure: cameOverTls(request) }) };
}

export function isRealVisit(request: WithHeaders) {
  return !isbot(request.headers.get("User-Agent") ?? "") && request.headers.get("Purpose") !== "prefetch";
}

/** The resident page's data (app/routes/s.$code.tsx), for Remix's loader and for server.ts, which
 *  serves GET /s/<code> itself (docs/decisions/006-write-path.md): null for an unknown code. */
export async function residentPage(request: IncomingPage, code: string) {
  const link = await resolveLink(code, PAGE_CAMPAIGN_MS);
  if (!link) return null;
  const { campaign } = link;
  const device = await ensureDeviceCookie(request);
  // Never kept by a cache: the page carries this visit's client key (and maybe a new device id).
  const headers: Record<string, string> = { "Cache-Control": "no-store" };
  if (device.setCookie) headers["Set-Cookie"] = device.setCookie;
  const place = link.placeLabel;
  const availability = campaignAvailability(campaign);
  if (availability !== "open")
    return {
      status: availability === "closed" ? 410 : 200,
      headers,
      // A start time is named only while it lies ahead: past it, the organiser has simply not opened the campaign yet.
      data: {
        state: availability,
        place,
        campaignName: campaign.name,
        opensAt: campaign.opensAt > new Date() ? campaign.opensAt.toISOString() : null,
      },
    };
  if (campaign.duplicatePolicy === "device" && (await deviceHasAnswered({ id: campaign.id, countyId: link.countyId }, device.id)))
    return { status: 409, headers, data: { state: "deviceUsed" as const, place, campaignName: campaign.name, opensAt: null } };
  if (isRealVisit(request) && request.method === "GET")
    await countLinkEvent(link, "opens", {
      device: device.setCookie ? null : device.id,
      address: request.address,
      newDevice: device.setCookie ? device.id : null,
    });
  return {
    status: 200,
    headers,
    data: {
      state: "open" as const,
      code,
      place,
      campaignName: campaign.name,
      versionId: campaign.surveyVersionId,
      needsHouseholdCode: campaign.duplicatePolicy === "household",
      survey: renderSurveyOf(link.definition),
      clientKey: randomUUID(),
    },
  };
}

export type SubmissionResult = {
  status: number;
  outcome: SubmitOutcome | { ok: false; reason: "tooLarge" | "malformed" } | typeof UNAVAILABLE_JSON;
  /** What the form held (as far as it could be read), to give it back when the submission fails. */
  form: { answers: Record<string, unknown>; household: string; key: string; started: string } | null;
};

/** Reads at most `limit` bytes of the body; `complete` is false when there was more. */
export const readBody = readCappedBody;

/** The render model of a definition, built once per definition object (resolveLink keeps one
 *  object per survey version). */
const renderSurveys = new WeakMap<object, RenderSurvey>();
export function renderSurveyOf(definition: Record<string, unknown>): RenderSurvey {
  let survey = renderSurveys.get(definition);
  if (!survey) renderSurveys.set(definition, (survey = buildRenderSurvey(definition)));
  return survey;
}

export async function handleSubmission(request: Request, code: string, link: ResidentLink | null = null): Promise<SubmissionResult> {
  return handleSubmissionOf({ headers: request.headers, body: await readBody(request, MAX_SUBMISSION_BYTES) }, code, link);
}

/** What a submission needs of its request: the headers (content type, cookies, user agent) and
 *  the body read up to MAX_SUBMISSION_BYTES. server.ts serves the JSON endpoint with it straight
 *  from Express, without building a Fetch Request or going through Remix's router. */
export type IncomingSubmission = WithHeaders & { body: { text: string; complete: boolean } };

export async function handleSubmissionOf(
  incoming: IncomingSubmission,
  code: string,
  link: ResidentLink | null = null,
): Promise<SubmissionResult> {
  const request = incoming;
  const type = incoming.headers.get("Content-Type") ?? "";
  const urlencoded = type.startsWith("application/x-www-form-urlencoded");
  const body = incoming.body;
  if (!body.complete) {
    // Too much to store; still give back what was read (the fields before the cut), so a
    // resident without JavaScript does not lose every answer.
    const resolved = urlencoded ? (link ?? (await resolveLink(code, CAMPAIGN_CACHE_MS))) : null;
    const prefix = new URLSearchParams(body.text.slice(0, body.text.lastIndexOf("&") + 1));
    return {
      status: 413,
      outcome: { ok: false, reason: "tooLarge" },
      form: resolved ? formOf(renderSurveyOf(resolved.definition), prefix) : null,
    };
  }
  const resolved = link ?? (await resolveLink(code, CAMPAIGN_CACHE_MS));
  if (!resolved) return { status: 404, outcome: { ok: false, reason: "notFound" }, form: null };

  let form: URLSearchParams;
  if (urlencoded) form = new URLSearchParams(body.text);
  else if (type.startsWith("multipart/form-data")) {
    const parsed = await new Response(body.text, { headers: { "Content-Type": type } }).formData().catch(() => null);
    if (!parsed) return { status: 400, outcome: { ok: false, reason: "malformed" }, form: null };
    form = new URLSearchParams();
    for (const [k, v] of parsed.entries()) if (typeof v === "string") form.append(k, v);
  } else return { status: 400, outcome: { ok: false, reason: "malformed" }, form: null };

  const survey = renderSurveyOf(resolved.definition);
  const given = formOf(survey, form);
  const clientKey = form.get("__key") ?? "";
  const versionId = Number(form.get("__version"));
  if (!/^[A-Za-z0-9-]{8,64}$/.test(clientKey) || !Number.isSafeInteger(versionId))
    return { status: 400, outcome: { ok: false, reason: "malformed" }, form: given };
  const started = Number(form.get("__started"));
  try {
    return await store();
  } catch (error) {
    // A database that cannot take the write now (read-only, disk full, restarting): nothing was
    // stored; the resident gets every answer back and is asked to submit again later.
    if (!databaseUnavailable(error)) throw error;
    // The same body as every other 503 of the app (`error`, and `reason` as the page reads it).
    return { status: 503, outcome: UNAVAILABLE_JSON, form: given };
  }

  async function store(): Promise<SubmissionResult> {
    const user = await getUser(request);
    const outcome = await submitResponse(
      {
        code,
        clientKey,
        versionId,
        answers: given.answers,
        startedAt: Number.isFinite(started) && started > 0 ? new Date(started) : null,
        deviceId: await deviceId(request),
        householdCode: given.household.trim() || null,
        userAgent: request.headers.get("User-Agent"),
        channel: user ? "volunteer" : form.get("__src") === "qr" ? "qr" : "link",
        collectedBy: user?.id ?? null,
      },
      new Date(),
      resolved,
    );
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
    return { status, outcome, form: outcome.ok ? null : given };
  }
}

function formOf(survey: RenderSurvey, form: URLSearchParams): NonNullable<SubmissionResult["form"]> {
  return {
    answers: answersFromForm(survey, form),
    household: form.get("__household") ?? "",
    key: form.get("__key") ?? "",
    started: form.get("__started") ?? "",
  };
}
