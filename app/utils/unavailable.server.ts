// When the database cannot take a write (read-only, disk full, shutting down, out of connections)
// or cannot be reached, every request that needs it answers 503 with Retry-After: a page that
// says so in the user's language, or JSON for the API and the resident's submit, never a 500 and
// never an acknowledgement of something that was not stored (the answer comes from the failed
// statement itself, so nothing was committed). server.ts wraps every route's loader and action
// with `guardBuild`; the resident's submit answers 503 itself so the form comes back with every
// answer.
import type { ActionFunctionArgs, ServerBuild } from "@remix-run/node";
import { refuseNonForms } from "~/utils/upload.server";

/** How long a client is told to wait before trying again, in seconds. */
export const RETRY_AFTER_S = 30;

/** Errors by which postgres.js (or the server, terminating the backend) says the connection was
 *  lost: the query was given up, nothing stored. */
const CONNECTION_LOST = new Set([
  "57P01", // admin_shutdown: the backend was terminated (pg_terminate_backend, a fast shutdown)
  "CONNECTION_CLOSED",
  "CONNECTION_DESTROYED",
  "CONNECTION_ENDED",
  "CONNECT_TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
]);

/** SQLSTATEs of a database that refuses work for now (https://www.postgresql.org/docs/current/errcodes-appendix.html). */
const REFUSING = new Set([
  "25006", // read_only_sql_transaction: default_transaction_read_only, a standby
  "53100", // disk_full
  "53200", // out_of_memory
  "53300", // too_many_connections
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now (starting up, shutting down)
]);

const codeOf = (error: unknown) => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : null;
};

/** The connection to the database was lost (a restart, a cut): the query was given up. */
export function connectionLost(error: unknown): boolean {
  const code = codeOf(error);
  return code !== null && CONNECTION_LOST.has(code);
}

/** The database could not do the work now, and did none of it: answer 503, not 500. */
export function databaseUnavailable(error: unknown): boolean {
  const code = codeOf(error);
  // Class 08: connection exceptions reported by the server.
  return code !== null && (CONNECTION_LOST.has(code) || REFUSING.has(code) || /^08/.test(code));
}

export const UNAVAILABLE_JSON = { ok: false, error: "unavailable", reason: "unavailable" } as const;

/** The headers of every 503 for an unavailable database. */
export const UNAVAILABLE_HEADERS = { "Retry-After": String(RETRY_AFTER_S), "Cache-Control": "no-store" } as const;

function unavailable(json: boolean): Response {
  const headers = UNAVAILABLE_HEADERS;
  return json
    ? Response.json(UNAVAILABLE_JSON, { status: 503, headers })
    : new Response("database unavailable", { status: 503, statusText: "Service Unavailable", headers });
}

type Handler = (...args: never[]) => unknown;

function guard<F extends Handler>(handler: F | undefined, json: boolean, action = false): F | undefined {
  if (!handler) return handler;
  return (async (...args: Parameters<F>) => {
    // An action's body that is not a form answers 400 from request.formData(), not a 500.
    if (action) refuseNonForms((args[0] as unknown as ActionFunctionArgs).request);
    try {
      return await handler(...args);
    } catch (error) {
      if (!databaseUnavailable(error)) throw error;
      console.error(`[wenming] database unavailable (${codeOf(error)}): answered 503`);
      throw unavailable(json);
    }
  }) as F;
}

/** The build with every loader and action answering 503 when the database is unavailable:
 *  JSON for resource routes (the API, exports), the route's error page for pages; and every
 *  action answering 400 to a body that is not a form where it reads one (refuseNonForms). */
export function guardBuild(build: ServerBuild): ServerBuild {
  const routes: ServerBuild["routes"] = {};
  for (const [id, route] of Object.entries(build.routes)) {
    if (!route) continue;
    const json = !route.module.default;
    routes[id] = {
      ...route,
      module: { ...route.module, loader: guard(route.module.loader, json), action: guard(route.module.action, json, true) },
    };
  }
  return { ...build, routes };
}
