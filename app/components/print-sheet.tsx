// The screen-only part of the printable pages: the way back, the title, what will print, the button.
import type { ReactNode } from "react";
import { Crumbs } from "~/components/crumbs";
import { useT } from "~/i18n/use-t";

export function PrintButton({ label }: { label: string }) {
  return (
    <button type="button" className="button" onClick={() => window.print()}>
      {label}
    </button>
  );
}

/** The head of a campaign's print sheet; `empty`, when given, stands instead of the count and the button. */
export function PrintToolbar({
  campaign,
  title,
  count,
  empty,
}: {
  campaign: { id: number; name: string };
  title: string;
  count: ReactNode;
  empty?: string | false;
}) {
  const t = useT();
  return (
    <div className="print-toolbar">
      <Crumbs
        crumbs={[
          { label: t("campaigns.title"), to: "/campaigns" },
          { label: campaign.name, to: `/campaigns/${campaign.id}` },
        ]}
      />
      <h1>{title}</h1>
      {empty ? (
        <p className="alert warn">{empty}</p>
      ) : (
        <>
          <p className="muted">
            {count} {t("campaigns.printHint")}
          </p>
          <PrintButton label={t("campaigns.print")} />
        </>
      )}
    </div>
  );
}
