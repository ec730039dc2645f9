// The document every page is rendered into (entry.server.tsx), and the resident page's GET served
// by server.ts without Remix's request handler (docs/decisions/006-write-path.md).
//
// Remix's handler matches the URL against every route of the app, runs the loaders through its
// data strategy, builds a router over all routes and streams the answer through Fetch streams; for
// the page fifty phones at one poster open, that cost ~10× the page's own render. The resident
// page has two routes (root and routes/s.$code) and their loaders are plain functions, so this
// file runs those two functions and renders the same <RemixServer> over only the routes the page
// needs: the same components, markup, scripts and hydration data as a page Remix renders.
import { randomBytes, randomUUID } from "node:crypto";
import type { EntryContext, ServerBuild } from "@remix-run/node";
import { matchRoutes, RemixServer } from "@remix-run/react";
import { renderToString } from "react-dom/server";
import { encode } from "turbo-stream";
import { residentPage, type IncomingPage } from "~/models/resident.server";
import type { RenderSurvey } from "~/survey/render";
import { rootData } from "~/utils/root-data.server";
import { NonceContext } from "~/utils/nonce";

export const ABORT_DELAY = 5_000;

/** The whole document of a page: what entry.server.tsx renders for every Remix request. */
export function documentElement(context: EntryContext, url: string, nonce: string | undefined) {
  return (
    <NonceContext.Provider value={nonce}>
      <RemixServer context={context} url={url} abortDelay={ABORT_DELAY} nonce={nonce} />
    </NonceContext.Provider>
  );
}

const PAGE_ROUTE = "routes/s.$code";

type RouteTree =
  | { id: string; path?: string; index: true; caseSensitive?: boolean }
  | { id: string; path?: string; index?: false; caseSensitive?: boolean; children: RouteTree[] };

type ResidentRoutes = {
  manifest: EntryContext["manifest"];
  routeModules: EntryContext["routeModules"];
  tree: RouteTree[];
  serverHandoffString: string;
};

/** The routes the resident page's document names: the ones it matches, and the ones matching its
 *  parent paths ("/", "/s"), which Remix's lazy route discovery puts in the first manifest. */
const residentRoutes = new WeakMap<ServerBuild, ResidentRoutes>();
function residentRoutesOf(build: ServerBuild): ResidentRoutes {
  let found = residentRoutes.get(build);
  if (found) return found;
  const treeOf = (routes: EntryContext["manifest"]["routes"], parentId: string | undefined): RouteTree[] =>
    Object.values(routes)
      .filter((r) => r.parentId === parentId)
      .map((r) =>
        r.index
          ? { id: r.id, path: r.path, index: true, caseSensitive: r.caseSensitive }
          : { id: r.id, path: r.path, caseSensitive: r.caseSensitive, children: treeOf(routes, r.id) },
      );
  const ids = new Set<string>();
  for (const path of ["/", "/s", "/s/code"])
    for (const match of matchRoutes(treeOf(build.assets.routes, undefined), path) ?? []) ids.add(match.route.id);
  if (!ids.has(PAGE_ROUTE)) throw new Error(`${PAGE_ROUTE} does not answer /s/<code>`);
  const routes = Object.fromEntries([...ids].map((id) => [id, build.assets.routes[id]]));
  found = {
    manifest: { ...build.assets, routes },
    routeModules: Object.fromEntries([...ids].map((id) => [id, build.routes[id].module])) as EntryContext["routeModules"],
    tree: treeOf(routes, undefined),
    // What Remix's handler hands to the browser before the data stream (single fetch).
    serverHandoffString: escapeHtml(
      JSON.stringify({ basename: build.basename, criticalCss: undefined, future: build.future, isSpaMode: build.isSpaMode }),
    ),
  };
  residentRoutes.set(build, found);
  return found;
}

const ESCAPE: Record<string, string> = { "&": "\\u0026", ">": "\\u003e", "<": "\\u003c", "\u2028": "\\u2028", "\u2029": "\\u2029" };
const escapeHtml = (html: string) => html.replace(/[&><\u2028\u2029]/g, (c) => ESCAPE[c]);

export type ResidentDocument = { status: number; headers: Record<string, string>; html: string };

/** What a kept document holds in place of the visit's client key and the response's CSP nonce:
 *  random per process, so no page can contain them by chance. */
const KEY_SLOT = randomUUID();
const NONCE_SLOT = randomBytes(16).toString("base64");
const KEPT_PER_SURVEY = 2_000;

/** Documents of the open questionnaire already rendered, with the slots above: by server build,
 *  then by render model (one per survey version), then by everything else the document is drawn
 *  from (path and query, language, status, the page's data but its client key). */
const keptDocuments = new WeakMap<ServerBuild, WeakMap<RenderSurvey, Map<string, string>>>();
function keptFor(build: ServerBuild, survey: RenderSurvey): Map<string, string> {
  let bySurvey = keptDocuments.get(build);
  if (!bySurvey) keptDocuments.set(build, (bySurvey = new WeakMap()));
  let kept = bySurvey.get(survey);
  if (!kept) bySurvey.set(survey, (kept = new Map()));
  return kept;
}

/**
 * GET /s/<code> as Remix would answer it, or null when the code is unknown (Remix then renders its
 * 404 page). `url` is the path with the query, as the browser asked for it.
 *
 * The open questionnaire for a resident who is not signed in differs between two visits of the
 * same link only by the visit's client key and the response's nonce: its document is rendered
 * once with slots for the two and kept; each visit gets a copy with its own key and nonce put in.
 * Everything else the document is drawn from is the kept document's key, so a renamed, paused or
 * re-targeted campaign (read at most PAGE_CAMPAIGN_MS ago) renders anew.
 */
export async function renderResidentPage(
  build: ServerBuild,
  request: IncomingPage,
  code: string,
  nonce: string,
): Promise<ResidentDocument | null> {
  const [page, root] = await Promise.all([residentPage(request, code), rootData(request, nonce)]);
  if (!page) return null;
  const headers: Record<string, string> = { "Content-Type": "text/html; charset=utf-8", ...page.headers };
  const data = page.data;
  if (data.state !== "open" || root.user) {
    const html = await renderDocument(build, request.url, page.status, { root, [PAGE_ROUTE]: data }, nonce);
    return html === null ? null : { status: page.status, headers, html };
  }
  const kept = keptFor(build, data.survey);
  const key = JSON.stringify([request.url, root.lang, page.status, { ...data, survey: undefined, clientKey: undefined }]);
  let html = kept.get(key);
  if (html === undefined) {
    const rendered = await renderDocument(
      build,
      request.url,
      page.status,
      { root: { ...root, nonce: NONCE_SLOT }, [PAGE_ROUTE]: { ...data, clientKey: KEY_SLOT } },
      NONCE_SLOT,
    );
    if (rendered === null) return null;
    html = rendered;
    if (kept.size >= KEPT_PER_SURVEY) kept.clear();
    kept.set(key, html);
  }
  return { status: page.status, headers, html: html.replaceAll(KEY_SLOT, () => data.clientKey).replaceAll(NONCE_SLOT, () => nonce) };
}

/** The document Remix renders for these loaders' data at this URL (null when the URL is not the
 *  resident page's). */
async function renderDocument(
  build: ServerBuild,
  path: string,
  status: number,
  loaderData: Record<string, unknown>,
  nonce: string,
): Promise<string | null> {
  const routes = residentRoutesOf(build);
  const url = new URL(path, "http://localhost");
  const location = { pathname: url.pathname, search: url.search, hash: "", state: null, key: "default" };
  const matches = matchRoutes(routes.tree, location);
  if (!matches || matches.at(-1)?.route.id !== PAGE_ROUTE) return null;
  // The data stream Remix's handler would send (single fetch), read before rendering: its
  // <StreamTransfer> then finds every chunk in renderMeta.streamCache and the document renders in
  // one synchronous pass, with the same scripts as a streamed one.
  const chunks: string[] = [];
  const decoder = new TextDecoder();
  const reader = encode({ loaderData, actionData: null, errors: null }).getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) chunks.push(decoder.decode(read.value, { stream: true }));
  const streamCache: NonNullable<EntryContext["renderMeta"]>["streamCache"] = {};
  [...chunks, ""].forEach((value, i) => {
    streamCache[i] = Object.assign(Promise.resolve(), { result: { done: i === chunks.length, value } });
  });
  const context: EntryContext = {
    manifest: routes.manifest,
    routeModules: routes.routeModules,
    staticHandlerContext: {
      basename: build.basename ?? "/",
      location,
      // createStaticRouter swaps each match's route for its own (by id).
      matches: matches.map((m) => ({ ...m, route: { ...m.route, hasErrorBoundary: false, children: undefined } })),
      loaderData,
      actionData: null,
      errors: null,
      statusCode: status,
      loaderHeaders: {},
      actionHeaders: {},
      activeDeferreds: null,
    },
    serverHandoffString: routes.serverHandoffString,
    serverHandoffStream: new ReadableStream(),
    renderMeta: { streamCache },
    future: build.future,
    isSpaMode: build.isSpaMode,
    serializeError: (error) => ({ message: "Unexpected Server Error", stack: undefined, name: error.name }),
  };
  return "<!DOCTYPE html>" + renderToString(documentElement(context, url.href, nonce));
}
