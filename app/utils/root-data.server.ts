// The root route's data (app/root.tsx): the page's language, the CSP nonce of this response and
// the signed-in user for the office header. server.ts's resident page (app/document.server.tsx)
// hands the same data to the same root component.
import type { WithHeaders } from "~/utils/request.server";
import { getLang } from "~/utils/request.server";
import { getUser } from "~/utils/session.server";

export async function rootData(request: WithHeaders, nonce: string) {
  const [lang, user] = await Promise.all([getLang(request), getUser(request)]);
  return {
    lang,
    nonce,
    user: user && { displayName: user.displayName, role: user.role, countyName: user.countyName },
  };
}
