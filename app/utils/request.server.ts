// What the Express server passes to every loader and action (see server.ts).
import { createCookie } from "@remix-run/node";
import { DEFAULT_LANG, isLang, type Lang } from "~/i18n";

export type AppLoadContext = { cspNonce: string; clientIp: string | null };

declare module "@remix-run/node" {
  interface AppLoadContext {
    cspNonce: string;
    clientIp: string | null;
  }
}

/** What most server code reads of a request: its headers. A Fetch Request is one; server.ts passes
 *  Express's request as one on the resident paths, without building a Fetch Request. */
export type WithHeaders = { headers: { get(name: string): string | null } };

/**
 * Whether the request came over TLS, for the Secure flag of cookies: its URL's scheme, which
 * server.ts takes from Express's `req.protocol` (X-Forwarded-Proto believed only from the
 * loopback reverse proxy, `trust proxy`). Plain HTTP on an office LAN gets cookies without
 * Secure, which the browser would otherwise drop.
 */
export function cameOverTls(request: { url: string }): boolean {
  return new URL(request.url).protocol === "https:";
}

export function clientInfo(request: Request, context: { clientIp: string | null }) {
  return { ip: context.clientIp, userAgent: request.headers.get("User-Agent") };
}

export const langCookie = createCookie("lang", { path: "/", sameSite: "lax", maxAge: 365 * 24 * 3600 });

export async function getLang(request: WithHeaders): Promise<Lang> {
  const value = await langCookie.parse(request.headers.get("Cookie"));
  return isLang(value) ? value : DEFAULT_LANG;
}

/** Whether a form went through the confirmation step of an irreversible action (ConfirmStep). */
export function isConfirmed(form: FormData): boolean {
  return form.get("confirmed") === "yes";
}

/**
 * The JSON body of a phone's POST (visit logs, spot-check results), read up to `maxBytes`: the
 * parsed value, or the JSON error response to send (413 too large, 400 not JSON).
 */
export async function readJsonBody(request: Request, maxBytes: number): Promise<{ body: unknown } | { failed: Response }> {
  const text = await request.text();
  if (text.length > maxBytes) return { failed: Response.json({ error: "body too large" }, { status: 413 }) };
  try {
    return { body: JSON.parse(text) };
  } catch {
    return { failed: Response.json({ error: "body is not JSON" }, { status: 400 }) };
  }
}
