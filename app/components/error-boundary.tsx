import { isRouteErrorResponse, Link, useRouteError } from "@remix-run/react";
import { useT } from "~/i18n/use-t-core";

/** The error page every route shows: status-specific text in the user's language. */
export function GeneralErrorBoundary() {
  const error = useRouteError();
  const t = useT();
  const status = isRouteErrorResponse(error) ? error.status : 500;
  if (!isRouteErrorResponse(error)) console.error(error);
  const key = [400, 403, 404, 410, 413, 429, 503].includes(status) ? `error.${status}` : "error.500";
  return (
    <div className="error-page" role="alert">
      <h1>{t(`${key}.title`)}</h1>
      <p>{t(`${key}.body`)}</p>
      <p>
        <Link to="/">{t("error.home")}</Link>
      </p>
    </div>
  );
}
