// JSON endpoint for the enhanced resident page; the same path as the page's own form post.
import type { ActionFunctionArgs } from "@remix-run/node";
import { handleSubmission } from "~/models/resident.server";
import { UNAVAILABLE_HEADERS } from "~/utils/unavailable.server";

export async function action({ request, params }: ActionFunctionArgs) {
  const { status, outcome } = await handleSubmission(request, params.code ?? "");
  return Response.json(outcome, { status, headers: status === 503 ? UNAVAILABLE_HEADERS : { "Cache-Control": "no-store" } });
}

export async function loader() {
  return new Response("Method Not Allowed", { status: 405 });
}
