// The confirmation every irreversible step goes through. The action refuses to act until the
// form carries `confirmed=yes` (see isConfirmed), so a plain post (no JavaScript, a stale form, a
// double tap) only brings up this step. Cancelling reloads the page: nothing was changed.
import { Form, Link, useLocation, useNavigation } from "@remix-run/react";
import { useT } from "~/i18n/use-t";

export const CONFIRM_FIELD = "confirmed";

export function ConfirmStep({
  title,
  consequence,
  confirmLabel,
  fields,
  multipart = false,
}: {
  title: string;
  /** What will happen and that it cannot be undone, in the user's words. */
  consequence: string;
  confirmLabel: string;
  /** The fields of the original form, posted again with the confirmation. */
  fields: Record<string, string>;
  multipart?: boolean;
}) {
  const t = useT();
  const location = useLocation();
  const busy = useNavigation().state !== "idle";
  return (
    <section className="card confirm-step" data-testid="confirm-step" role="alertdialog" aria-labelledby="confirm-title">
      <h2 id="confirm-title">{title}</h2>
      <p>{consequence}</p>
      <Form method="post" encType={multipart ? "multipart/form-data" : undefined} className="actions">
        {Object.entries(fields).map(([name, value]) => (
          <input key={name} type="hidden" name={name} value={value} />
        ))}
        <button type="submit" name={CONFIRM_FIELD} value="yes" className="button" disabled={busy}>
          {confirmLabel}
        </button>
        <Link to={location.pathname + location.search} className="button secondary" replace>
          {t("confirm.cancel")}
        </Link>
      </Form>
    </section>
  );
}
