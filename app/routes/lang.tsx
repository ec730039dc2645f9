import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { isLang } from "~/i18n";
import { langCookie } from "~/utils/request.server";
import { safeRedirect } from "~/utils/session.server";
import { invariantResponse } from "~/utils/input";

export async function action({ request }: ActionFunctionArgs) {
  const form = await request.formData();
  const lang = form.get("lang");
  invariantResponse(isLang(lang), 400);
  return redirect(safeRedirect(form.get("redirectTo")), {
    headers: { "Set-Cookie": await langCookie.serialize(lang) },
  });
}
