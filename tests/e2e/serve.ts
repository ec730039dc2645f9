// Starts the built app for the browser journeys on a fresh embedded database (deleted first).
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const port = process.env.E2E_PORT ?? "3457";
const dataDir = path.join(tmpdir(), `wenming-e2e-${port}`);
rmSync(dataDir, { recursive: true, force: true });
process.env.DATA_DIR = dataDir;
process.env.NODE_ENV = "production";
process.env.PORT = port;
delete process.env.DATABASE_URL;
await import("../../server");
