import type { LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { can } from "~/utils/permissions";
import { requireUser } from "~/utils/session.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  // A department account has only its follow-up tasks; everyone else starts at the place tree.
  return redirect(can(user.role, "place:read") ? "/places" : can(user.role, "followup:report") ? "/hotline/followups" : "/account");
}
