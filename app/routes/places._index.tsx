import type { LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { PlaceList } from "~/components/place-list";
import { useT } from "~/i18n/use-t";
import { scopeRoots } from "~/models/places.server";
import { requirePermission } from "~/utils/session.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "place:read");
  const roots = await scopeRoots(user);
  // A place scope is one subtree: open it directly. A grid scope lists its buildings.
  if (user.scopeGridId === null && roots.length === 1) throw redirect(`/places/${roots[0].id}`);
  return { roots };
}

export default function PlacesIndex() {
  const { roots } = useLoaderData<typeof loader>();
  const t = useT();
  return (
    <>
      <h1>{t("places.myBuildings")}</h1>
      <PlaceList places={roots} />
    </>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
