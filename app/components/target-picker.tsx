// The target areas of a campaign or a door-to-door round: communities with their compounds,
// buildings on demand.
import { useState } from "react";
import { useT } from "~/i18n/use-t";
import type { TargetStreet } from "~/models/campaigns.server";

/** Communities with their compounds, buildings on demand. A ticked place covers everything
 *  inside it, so its children are shown ticked and locked (and are not sent). */
export function TargetPicker({
  streets,
  initial,
  error,
  legend,
}: {
  streets: TargetStreet[];
  initial: number[];
  error?: string;
  legend?: string;
}) {
  const t = useT();
  const [selected, setSelected] = useState(() => new Set(initial));
  const toggle = (id: number, on: boolean) =>
    setSelected((prev) => {
      const next = new Set(prev);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  const summary = { communities: 0, compounds: 0, buildings: 0, households: 0 };
  for (const street of streets)
    for (const community of street.communities) {
      if (selected.has(community.id)) {
        summary.communities++;
        summary.households += community.households;
        continue;
      }
      for (const compound of community.compounds) {
        if (selected.has(compound.id)) {
          summary.compounds++;
          summary.households += compound.households;
          continue;
        }
        for (const building of compound.buildings)
          if (selected.has(building.id)) {
            summary.buildings++;
            summary.households += building.households;
          }
      }
    }

  const box = (id: number, name: string, households: number, covered: boolean) => (
    <label className={covered ? "choice covered" : "choice"} title={covered ? t("campaigns.form.coveredByParent") : undefined}>
      <input
        type="checkbox"
        name="target"
        value={id}
        checked={covered || selected.has(id)}
        disabled={covered}
        onChange={(e) => toggle(id, e.currentTarget.checked)}
      />
      <span>
        {name} <span className="muted">{t("campaigns.form.households", { n: households.toLocaleString() })}</span>
      </span>
    </label>
  );

  return (
    <fieldset className="campaign-fieldset target-picker" aria-invalid={!!error} aria-describedby="targets-hint">
      <legend>{legend ?? t("campaigns.form.targets")}</legend>
      <p className="muted" id="targets-hint">
        {t("campaigns.form.targetsHint")}
      </p>
      {error && <p className="field-error">{t(error)}</p>}
      {streets.map((street) => (
        <section key={street.id} className="target-street">
          <h3>{street.name}</h3>
          {street.communities.map((community) => {
            const communityOn = selected.has(community.id);
            return (
              <div key={community.id} className="target-community">
                {box(community.id, community.name, community.households, false)}
                <ul className="target-compounds">
                  {community.compounds.map((compound) => {
                    const compoundCovered = communityOn;
                    const compoundOn = compoundCovered || selected.has(compound.id);
                    const picked = compound.buildings.some((b) => selected.has(b.id));
                    return (
                      <li key={compound.id}>
                        {box(compound.id, compound.name, compound.households, compoundCovered)}
                        {compound.buildings.length > 0 && (
                          <details className="target-buildings" open={picked || undefined}>
                            <summary>{t("campaigns.form.selectBuildings", { n: compound.buildings.length })}</summary>
                            <div className="target-building-grid">
                              {compound.buildings.map((b) => (
                                <span key={b.id}>{box(b.id, b.name, b.households, compoundOn)}</span>
                              ))}
                            </div>
                          </details>
                        )}
                      </li>
                    );
                  })}
                </ul>
              </div>
            );
          })}
        </section>
      ))}
      <p className="target-summary" aria-live="polite" data-testid="target-summary">
        {t("campaigns.form.selected", {
          communities: summary.communities,
          compounds: summary.compounds,
          buildings: summary.buildings,
          households: summary.households.toLocaleString(),
        })}
      </p>
    </fieldset>
  );
}
