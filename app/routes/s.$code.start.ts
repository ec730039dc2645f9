// Beacon sent when a resident gives the first answer: the link's "starts" count.
import type { ActionFunctionArgs } from "@remix-run/node";
import { countLinkEvent, resolveLink } from "~/models/campaigns.server";
import { isRealVisit } from "~/models/resident.server";

export async function action({ request, params }: ActionFunctionArgs) {
  const link = await resolveLink(params.code ?? "");
  if (!link) return new Response(null, { status: 404 });
  if (isRealVisit(request)) await countLinkEvent(link.linkId, "starts");
  return new Response(null, { status: 204 });
}
