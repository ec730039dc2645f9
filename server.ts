// Production (and development) server: Express with compression, security headers, request
// logging and the Remix request handler. Start-up: database (embedded when DATABASE_URL is
// unset) → migrations → demo county on an empty embedded database → listen.
import { randomBytes } from "node:crypto";
import path from "node:path";
import { writeFile, writeFileSync } from "node:fs";
import express from "express";
import compression from "compression";
import helmet from "helmet";
import morgan from "morgan";
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import { bootDatabase, DatabaseUnavailable, KeyMismatch, PROJECT_ROOT } from "./db/boot";
import { readEnv } from "./app/utils/env.server";
import { recordAppOrigin } from "./app/utils/public-url.server";
import { connectionLost, databaseUnavailable, guardBuild, UNAVAILABLE_HEADERS, UNAVAILABLE_JSON } from "./app/utils/unavailable.server";

const log = (line: string) => console.log(`[wenming] ${line}`);

/** The request log, written off the event loop: lines are gathered and written every 100 ms
 *  by libuv's thread pool (process.stdout is synchronous for files and pipes). Lines beyond
 *  4 MiB waiting are dropped and counted, rather than growing without bound. */
const requestLog = (() => {
  let lines: string[] = [];
  let bytes = 0;
  let dropped = 0;
  let writing = false;
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    timer = null;
    if (writing || lines.length === 0) return;
    if (dropped) lines.push(`[wenming] request log: ${dropped} lines dropped\n`);
    const chunk = lines.join("");
    lines = [];
    bytes = 0;
    dropped = 0;
    writing = true;
    writeFile(1, chunk, () => {
      writing = false;
      if (lines.length && !timer) timer = setTimeout(flush, 100);
    });
  };
  process.once("exit", () => {
    if (lines.length) writeFileSync(1, lines.join(""));
  });
  return {
    write(line: string) {
      if (bytes > 4 * 1024 * 1024) dropped++;
      else {
        lines.push(line);
        bytes += line.length;
      }
      if (!timer && !writing) timer = setTimeout(flush, 100);
    },
  };
})();

async function main() {
  const env = readEnv();
  const production = env.NODE_ENV === "production";

  let booted: Awaited<ReturnType<typeof bootDatabase>>;
  try {
    booted = await bootDatabase(log);
  } catch (error) {
    if (error instanceof DatabaseUnavailable) {
      console.error(`[wenming] ${error.message}`);
      console.error("[wenming] 数据库无法连接：请检查 DATABASE_URL，或去掉它以使用内置数据库。");
      process.exit(1);
    }
    if (error instanceof KeyMismatch) {
      console.error(`[wenming] ${error.message}`);
      console.error("[wenming] 电话号码密钥 PHONE_KEY 与数据库中已加密的号码不符：请使用加密这些号码时的密钥。");
      process.exit(1);
    }
    throw error;
  }

  // App modules read DATABASE_URL when they load, so they are imported only now.
  const { seedDemoIfEmpty, DEMO_ACCOUNTS, DEMO_PASSWORD } = await import("./db/seed/index");
  const { countCounties } = await import("./app/models/counties.server");
  const { sql } = await import("./app/db.server");
  if (booted.embedded || env.SEED_DEMO === "1") {
    const started = Date.now();
    if (await seedDemoIfEmpty()) log(`demo county loaded in ${Date.now() - started} ms`);
  }
  const counties = await countCounties();
  await sql.end();

  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", "loopback");

  const requestLogger = morgan(":remote-addr :method :url :status :res[content-length] - :response-time ms", {
    skip: (req) => production && (req.url ?? "").startsWith("/assets/"),
    stream: requestLog,
  });

  // Cross-site form posts are refused (the session cookie is SameSite=Lax as well).
  const refuseCrossSite: express.RequestHandler = (req, res, next) => {
    if (["GET", "HEAD", "OPTIONS"].includes(req.method)) return next();
    const origin = req.get("origin");
    const host = req.get("x-forwarded-host") ?? req.get("host");
    // An Origin that is not a URL (a forged header) is refused like another site's.
    const crossSite = origin ? URL.parse(origin)?.host !== host : req.get("sec-fetch-site") === "cross-site";
    if (crossSite) {
      res.status(403).type("text/plain; charset=utf-8").send("跨站请求已被拒绝 (cross-site request refused)");
      return;
    }
    next();
  };

  // POST /s/<code>/submit (the enhanced resident page's JSON endpoint, app/routes/s.$code.submit.ts)
  // straight from Express: the same handleSubmission, without a Fetch Request and Remix's router
  // per submission, which cost about as much as the submission itself.
  let build: ServerBuild | (() => Promise<ServerBuild>) | null = null;
  type Headers = { get(name: string): string | null };
  type Entry = {
    residentSubmission: (
      incoming: { headers: Headers; body: { text: string; complete: boolean } },
      code: string,
    ) => Promise<{ status: number; outcome: unknown }>;
    MAX_SUBMISSION_BYTES: number;
    renderResidentPage: (
      build: ServerBuild,
      request: { method: string; url: string; headers: Headers; address: string | null },
      code: string,
      nonce: string,
    ) => Promise<{ status: number; headers: Record<string, string>; html: string } | null>;
  };
  const serverBuild = async () => (typeof build === "function" ? await build() : build!);
  const entry = async () => (await serverBuild()).entry.module as unknown as Entry;
  // Its own middleware: the same request log and cross-site refusal, fixed security headers (a
  // JSON answer needs no per-request CSP nonce), no compression (the answer is a few bytes).
  const submitHeaders = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { "default-src": ["'none'"], "frame-ancestors": ["'none'"] } },
    strictTransportSecurity: false,
    referrerPolicy: { policy: "same-origin" },
    crossOriginEmbedderPolicy: false,
  });
  app.post("/s/:code/submit", submitHeaders, requestLogger, refuseCrossSite, (req, res, next) => {
    void entry()
      .then(async ({ residentSubmission, MAX_SUBMISSION_BYTES }) => {
        const body = await readNodeBody(req, MAX_SUBMISSION_BYTES);
        const { status, outcome } = await residentSubmission({ headers: { get: (name) => req.get(name) ?? null }, body }, req.params.code);
        res
          .status(status)
          .set(status === 503 ? UNAVAILABLE_HEADERS : { "Cache-Control": "no-store" })
          .json(outcome);
      })
      .catch((error: unknown) => {
        if (!databaseUnavailable(error)) return next(error);
        res.status(503).set(UNAVAILABLE_HEADERS).json(UNAVAILABLE_JSON);
      });
  });

  app.use((_req, res, next) => {
    res.locals.cspNonce = randomBytes(16).toString("base64");
    next();
  });
  app.use(
    helmet({
      contentSecurityPolicy: production
        ? {
            useDefaults: true,
            directives: {
              "script-src": ["'self'", (_req, res) => `'nonce-${(res as express.Response).locals.cspNonce}'`],
              "style-src": ["'self'", "'unsafe-inline'"],
              "img-src": ["'self'", "data:", "blob:"],
              "connect-src": ["'self'"],
              "form-action": ["'self'"],
              "frame-ancestors": ["'self'"],
              "upgrade-insecure-requests": null,
            },
          }
        : false,
      // Served over plain HTTP on office LANs too: do not pin HTTPS.
      strictTransportSecurity: false,
      // Not helmet's "no-referrer": under it browsers send `Origin: null` on plain form posts,
      // which the cross-site check below would refuse (forms must work before JavaScript loads).
      referrerPolicy: { policy: "same-origin" },
      crossOriginEmbedderPolicy: false,
    }),
  );
  app.use(compression());
  app.use(requestLogger);

  app.use(refuseCrossSite);

  // GET /s/<code> (the resident page, app/routes/s.$code.tsx) rendered without Remix's request
  // handler: the same loaders and document (app/document.server.tsx). An unknown code, or an
  // error, is left to Remix, which renders its page for it.
  app.get("/s/:code", (req, res, next) => {
    void serverBuild()
      .then(async (current) => {
        const { renderResidentPage } = current.entry.module as unknown as Entry;
        // Absolute, as a Fetch Request's: its scheme is req.protocol (X-Forwarded-Proto from the loopback proxy).
        const url = `${req.protocol}://${req.get("host")}${req.originalUrl}`;
        const request = { method: req.method, url, headers: { get: (name: string) => req.get(name) ?? null }, address: req.ip ?? null };
        const page = await renderResidentPage(current, request, req.params.code, res.locals.cspNonce as string);
        if (!page) return next();
        // Not res.send: an ETag would hash every page, and the page is never cached.
        res.status(page.status).set({ ...page.headers, "Content-Length": String(Buffer.byteLength(page.html)) });
        res.end(page.html);
      })
      .catch((error: unknown) => {
        console.error(error);
        next();
      });
  });

  if (production) {
    const buildDir = path.join(PROJECT_ROOT, "build");
    app.use("/assets", express.static(path.join(buildDir, "client/assets"), { immutable: true, maxAge: "1y" }));
    app.use(express.static(path.join(buildDir, "client"), { maxAge: "1h" }));
    build = guardBuild((await import(path.join(buildDir, "server/index.js"))) as ServerBuild);
  } else {
    const vite = await import("vite");
    const devServer = await vite.createServer({ server: { middlewareMode: true } });
    app.use(devServer.middlewares);
    build = async () => guardBuild((await devServer.ssrLoadModule("virtual:remix/server-build")) as ServerBuild);
  }

  app.all(
    "*",
    createRequestHandler({
      build: build!,
      mode: env.NODE_ENV,
      getLoadContext: (req, res) => ({ cspNonce: res.locals.cspNonce as string, clientIp: req.ip ?? null }),
    }),
  );

  let forgetOrigin = () => {};
  const server = app.listen(env.PORT, () => {
    log(`listening on http://localhost:${env.PORT}`);
    // The command line builds resident links for this port unless PUBLIC_URL says otherwise.
    if (booted.embedded) forgetOrigin = recordAppOrigin(booted.embedded.dataDir, env.PORT);
    if (!env.PUBLIC_URL) log("PUBLIC_URL is not set: QR codes and posters use the address the office opens the app at");
    if (booted.embedded && counties > 0) {
      log(`sign in with one of the demo accounts (password ${DEMO_PASSWORD}): ${DEMO_ACCOUNTS.map((a) => a.username).join(", ")}`);
    } else if (counties === 0) {
      log("no county yet: create one with `npm run cli -- create-county --code <code> --name <名称> --admin <username>`");
    }
  });

  const shutdown = () => {
    forgetOrigin();
    server.close();
    server.closeAllConnections();
    void (booted.embedded?.owned ? booted.embedded.stop() : Promise.resolve()).then(() => process.exit(0));
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}

/** Reads at most `limit` bytes of a request body as text (form bodies are ASCII); the rest is
 *  discarded and `complete` is false. */
function readNodeBody(req: express.Request, limit: number): Promise<{ text: string; complete: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off("data", onData);
        req.off("end", onEnd);
        req.resume();
        const bytes = Buffer.concat(chunks.concat(chunk));
        resolve({ text: bytes.subarray(0, limit).toString("utf8"), complete: false });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => resolve({ text: Buffer.concat(chunks).toString("utf8"), complete: true });
    req.on("data", onData);
    req.once("end", onEnd);
    req.once("error", reject);
  });
}

// A query rejected because its connection died (the database restarting, a backend terminated)
// is already answered to whoever waits for it; one nobody waits for any more must not end the
// process and every request in flight with it. Any other unhandled rejection is a defect: it
// ends the process, and the supervisor (supervisor.ts) starts a new one.
process.on("unhandledRejection", (reason) => {
  if (connectionLost(reason)) {
    log(`database connection lost (${(reason as { code: string }).code}); the query that used it was given up`);
    return;
  }
  console.error("[wenming] unhandled rejection:", reason);
  process.exit(1);
});

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
