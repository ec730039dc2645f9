// Full-page messages for residents: not open yet, paused, closed, already answered, unknown code.
import { isRouteErrorResponse, useRouteError } from "@remix-run/react";
import { useDateTimeFormat, useT } from "~/i18n/use-t-core";

export function ResidentNotice({
  reason,
  place,
  campaignName,
  opensAt,
}: {
  reason: string;
  place?: string | null;
  campaignName?: string | null;
  opensAt?: string | null;
}) {
  const t = useT();
  const format = useDateTimeFormat("long", "short");
  const when = opensAt ? format.format(new Date(opensAt)) : "";
  return (
    <div className="resident notice" data-testid="resident-notice">
      {(campaignName || place) && (
        <header className="resident-head">
          <span>{campaignName}</span>
          <span>{place}</span>
        </header>
      )}
      <h1>{t(`resident.notice.${reason}.title`)}</h1>
      <p>{t(`resident.notice.${reason}.${when && reason === "notOpen" ? "bodyAt" : "body"}`, { when })}</p>
    </div>
  );
}

export function ResidentErrorBoundary() {
  const error = useRouteError();
  const status = isRouteErrorResponse(error) ? error.status : 500;
  if (!isRouteErrorResponse(error)) console.error(error);
  return <ResidentNotice reason={status === 404 ? "notFound" : "error"} />;
}
