import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { recordAudit } from "~/models/audit.server";
import { revokeSession } from "~/models/users.server";
import { clientInfo } from "~/utils/request.server";
import { destroySession, getUser } from "~/utils/session.server";

export async function loader() {
  return redirect("/");
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await getUser(request);
  if (user) {
    await revokeSession(user.countyId, user.sessionId);
    await recordAudit(user, "signout", { ip: clientInfo(request, context).ip });
  }
  return redirect("/login", { headers: { "Set-Cookie": await destroySession(request) } });
}
