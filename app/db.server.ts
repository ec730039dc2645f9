// The one postgres.js instance. DATABASE_URL is set before this module loads: by the operator,
// or by server.ts / the CLI after starting the embedded PostgreSQL.
import postgres from "postgres";
import { appEnv } from "~/utils/env.server";

export function connect(url: string, max = appEnv().DATABASE_POOL) {
  return postgres(url, {
    max,
    onnotice: () => {},
    connect_timeout: 5,
    idle_timeout: 60,
    connection: { application_name: "wenming-survey" },
  });
}

function databaseUrl(): string {
  const url = appEnv().DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set (server.ts sets it after starting the embedded database)");
  return url;
}

export const sql = connect(databaseUrl());
export type Sql = typeof sql;

/** True when the database answers within `timeoutMs`. */
export async function databaseIsUp(timeoutMs = 2000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([sql`select 1`.then(() => true as const), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
