// Any address no other route matches: a 404 rendered like every other page's errors, inside the
// layout (menu and all, for a signed-in user), because the root loader runs for this route.
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { invariantResponse } from "~/utils/input";

export function loader() {
  invariantResponse(false);
  return null;
}

export default function NotFound() {
  return null;
}

export const ErrorBoundary = GeneralErrorBoundary;
