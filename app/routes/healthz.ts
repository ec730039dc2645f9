import { databaseIsUp } from "~/db.server";

export async function loader() {
  const up = await databaseIsUp();
  return Response.json(up ? { ok: true, db: "up" } : { ok: false, db: "down" }, {
    status: up ? 200 : 503,
    headers: { "Cache-Control": "no-store" },
  });
}
