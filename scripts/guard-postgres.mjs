// Runs after `npm install` (package.json "postinstall"): guards postgres.js 3.4.9 against the
// crash that takes the app down when PostgreSQL restarts under load.
//
// A write under 1 KiB is flushed from a setImmediate; when the connection closes in between,
// closed() has set `socket = null` and the flush throws `TypeError: Cannot read properties of
// null (reading 'write')` from a timer, where no caller can catch it: an uncaught exception that
// ends the process (porsager/postgres#1154, #1208; guards proposed in #1168, #1176, #1209, not
// released as of 3.4.9). The guard settles such a write as CONNECTION_CLOSED, which rejects the
// waiting queries the normal way (without `query = null` a later sql.end() would wait forever
// for an answer from the dead socket), and teardown forgets the buffered chunk and the timer so a
// reconnected socket never receives the dead one's bytes.
//
// The edit is idempotent and replaces each file (write + rename) rather than writing into it,
// so a node_modules hard-linked from another checkout is not changed behind its back. If the
// driver's code no longer matches, the install fails loudly: check whether the new version
// fixed the bug (tests/integration/pg-driver-guard.test.ts reproduces it) before adapting this.
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const MARK = "/* wenming: guarded nextWrite (porsager/postgres#1208) */";
// The package exports no package.json; its CommonJS entry is <root>/cjs/src/index.js.
const root = path.resolve(path.dirname(createRequire(import.meta.url).resolve("postgres")), "../..");

const NEXT_WRITE = `  function nextWrite(fn) {
    const x = socket.write(chunk, fn)`;
const GUARDED_NEXT_WRITE = `  function nextWrite(fn) {
    ${MARK}
    if (!socket) {
      nextWriteTimer !== null && clearImmediate(nextWriteTimer)
      chunk = nextWriteTimer = null
      error(Errors.connection('CONNECTION_CLOSED', options))
      query = null
      return false
    }
    const x = socket.write(chunk, fn)`;
const TEARDOWN = "    clearImmediate(nextWriteTimer)\n";
const GUARDED_TEARDOWN = "    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n";

let changed = 0;
for (const dir of ["src", "cjs/src", "cf/src"]) {
  const file = path.join(root, dir, "connection.js");
  if (!existsSync(file)) continue;
  const text = readFileSync(file, "utf8");
  if (text.includes(MARK)) continue;
  const teardowns = text.split(TEARDOWN).length - 1;
  if (!text.includes(NEXT_WRITE) || teardowns !== 2) {
    console.error(`guard-postgres: ${file} does not look like postgres.js 3.4.9; not patched. See scripts/guard-postgres.mjs.`);
    process.exit(1);
  }
  const guarded = text.replace(NEXT_WRITE, GUARDED_NEXT_WRITE).split(TEARDOWN).join(GUARDED_TEARDOWN);
  writeFileSync(`${file}.guarded`, guarded);
  renameSync(`${file}.guarded`, file);
  changed++;
}
if (changed) console.log(`guard-postgres: guarded ${changed} copies of postgres.js connection.js`);
