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

/** Reads at most `limit` bytes of the body; `complete` is false when there was more. */
export async function readCappedBody(request: Request, limit: number): Promise<{ text: string; complete: boolean }> {
  if (!request.body) return { text: "", complete: true };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      break;
    }
  }
  // A form-encoded body is ASCII: cutting it at a byte splits no character.
  const bytes = Buffer.concat(chunks);
  return { text: new TextDecoder().decode(size > limit ? bytes.subarray(0, limit) : bytes), complete: size <= limit };
}

/**
 * The JSON body of a phone's POST (visit logs, spot-check results), read up to `maxBytes`: the
 * parsed value, or the JSON error response to send (413 too large, 400 not JSON).
 */
export async function readJsonBody(request: Request, maxBytes: number): Promise<{ body: unknown } | { failed: Response }> {
  // Read only up to the limit: a huge body is never held whole.
  const { text, complete } = await readCappedBody(request, maxBytes);
  if (!complete) return { failed: Response.json({ error: "body too large" }, { status: 413 }) };
  try {
    return { body: JSON.parse(text) };
  } catch {
    return { failed: Response.json({ error: "body is not JSON" }, { status: 400 }) };
  }
}
