// Pieces shared by the campaign pages.
import type { CampaignState } from "~/models/campaigns.server";
import { useDateTimeFormat, useT } from "~/i18n/use-t";

export function StateBadge({ state }: { state: CampaignState }) {
  const t = useT();
  return <span className={`badge campaign-state ${state}`}>{t(`campaigns.state.${state}`)}</span>;
}

/** Formats a campaign's window in China Standard Time, wherever the browser is. */
export function useWindowFormat() {
  const t = useT();
  const format = useDateTimeFormat("medium", "short");
  return (from: Date | string, to: Date | string) =>
    t("campaigns.windowRange", { from: format.format(new Date(from)), to: format.format(new Date(to)) });
}

/** A QR code rendered on the server by the `qrcode` package (markup we generate, never user input). */
export function QrCode({ svg, label, className = "qr" }: { svg: string; label: string; className?: string }) {
  return <div className={className} role="img" aria-label={label} dangerouslySetInnerHTML={{ __html: svg }} />;
}
