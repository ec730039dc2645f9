// Runs after `npm install` (package.json "postinstall"): guards postgres.js 3.4.9 against two
// bugs that show under load.
//
// 1. The crash that takes the app down when PostgreSQL restarts under load.
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

// The package exports no package.json; its CommonJS entry is <root>/cjs/src/index.js.
const root = path.resolve(path.dirname(createRequire(import.meta.url).resolve("postgres")), "../..");

// 2. sql.begin() reserves its connection from an `onexecute` hook at the tail of execute()'s `&&`
// chain. When the BEGIN is the query that fills the connection's pipeline (or the socket pushes
// back), the chain stops before the hook: BEGIN reaches PostgreSQL on a connection nobody
// reserved. The driver then throws UNSAFE_TRANSACTION, and the backend stays "idle in
// transaction" while the pool hands the connection to unrelated queries (porsager/postgres#823,
// #1189; the fix proposed in #1218, not released as of 3.4.9). The hook now runs whenever the query
// was written, and its result still stops further pipelining on that connection. CI hit it once
// in tests/integration/visit-states.test.ts under load.
const PATCHES = [
  {
    mark: "/* wenming: guarded nextWrite (porsager/postgres#1208) */",
    apply(text, mark) {
      const NEXT_WRITE = `  function nextWrite(fn) {
    const x = socket.write(chunk, fn)`;
      const GUARDED_NEXT_WRITE = `  function nextWrite(fn) {
    ${mark}
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
      if (!text.includes(NEXT_WRITE) || text.split(TEARDOWN).length - 1 !== 2) return null;
      return text.replace(NEXT_WRITE, GUARDED_NEXT_WRITE).split(TEARDOWN).join(GUARDED_TEARDOWN);
    },
  },
  {
    mark: "/* wenming: begin reserves its connection whenever BEGIN was written (porsager/postgres#1189) */",
    apply(text, mark) {
      const CHAIN = `      return write(toBuffer(q))
        && !q.describeFirst
        && !q.cursorFn
        && sent.length < max_pipeline
        && (!q.options.onexecute || q.options.onexecute(connection))`;
      const FIXED = `      ${mark}
      const written = write(toBuffer(q))
      const reserved = !q.options.onexecute || q.options.onexecute(connection)
      return written
        && !q.describeFirst
        && !q.cursorFn
        && sent.length < max_pipeline
        && reserved`;
      if (text.split(CHAIN).length - 1 !== 1) return null;
      return text.replace(CHAIN, FIXED);
    },
  },
];

let changed = 0;
for (const dir of ["src", "cjs/src", "cf/src"]) {
  const file = path.join(root, dir, "connection.js");
  if (!existsSync(file)) continue;
  let text = readFileSync(file, "utf8");
  let edited = false;
  for (const patch of PATCHES) {
    if (text.includes(patch.mark)) continue;
    const next = patch.apply(text, patch.mark);
    if (next === null) {
      console.error(`guard-postgres: ${file} does not look like postgres.js 3.4.9; not patched. See scripts/guard-postgres.mjs.`);
      process.exit(1);
    }
    text = next;
    edited = true;
  }
  if (!edited) continue;
  writeFileSync(`${file}.guarded`, text);
  renameSync(`${file}.guarded`, file);
  changed++;
}
if (changed) console.log(`guard-postgres: guarded ${changed} copies of postgres.js connection.js`);
