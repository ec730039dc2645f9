import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { useEffect } from "react";
import { ResidentErrorBoundary } from "~/components/resident/notice";
import { useT } from "~/i18n/use-t-core";
import { resolveLink } from "~/models/campaigns.server";
import { localText } from "~/survey/render";
import { invariantResponse } from "~/utils/input";

export const handle = { resident: true };

export async function loader({ params }: LoaderFunctionArgs) {
  const link = await resolveLink(params.code ?? "");
  invariantResponse(link);
  const completed = localText(link.definition.completedHtml)
    .replace(/<[^>]+>/g, " ")
    .trim();
  return { code: link.code, place: link.placeLabel, campaignName: link.campaign.name, completed: completed || null };
}

export default function Done() {
  const { code, place, campaignName, completed } = useLoaderData<typeof loader>();
  const t = useT();
  // The answers are stored now: forget the copy kept on the device.
  useEffect(() => {
    for (const key of Object.keys(window.localStorage)) if (key.startsWith(`wm:s:${code}:`)) window.localStorage.removeItem(key);
  }, [code]);
  return (
    <div className="resident notice done" data-testid="resident-done">
      <header className="resident-head">
        <span>{campaignName}</span>
        <span>{place}</span>
      </header>
      <div className="done-mark" aria-hidden="true">
        ✓
      </div>
      <h1>{t("resident.done.title")}</h1>
      <p>{completed ?? t("resident.done.body")}</p>
    </div>
  );
}

export const ErrorBoundary = ResidentErrorBoundary;
