// Beacon sent when a resident gives the first answer: the link's "starts" count.
import type { ActionFunctionArgs } from "@remix-run/node";
import { countLinkEvent, resolveLink } from "~/models/campaigns.server";
import { deviceId, isRealVisit } from "~/models/resident.server";

// Counted once per device and day, or per address without a device cookie up to a ceiling
// (app/models/link-counters.server.ts): a client posting this again and again adds nothing.
export async function action({ request, params, context }: ActionFunctionArgs) {
  const link = await resolveLink(params.code ?? "");
  if (!link) return new Response(null, { status: 404 });
  if (isRealVisit(request)) await countLinkEvent(link, "starts", { device: await deviceId(request), address: context.clientIp });
  return new Response(null, { status: 204 });
}
