import type { LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import type { Role } from "~/utils/permissions";
import { requireUser } from "~/utils/session.server";

/** Where a role starts after signing in: its own work. The office roles start at the place tree. */
export const HOME: Record<Role, string> = {
  admin: "/places",
  street_staff: "/places",
  community_staff: "/places",
  grid_leader: "/places",
  volunteer: "/visits",
  hotline_agent: "/hotline",
  viewer: "/places",
  department: "/hotline/followups",
};

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  return redirect(HOME[user.role]);
}
