import { useT } from "~/i18n/use-t";
import { ROLES } from "~/utils/permissions";

type Choices = {
  places: { id: number; name: string; level: string; depth: number }[];
  grids: { id: number; name: string }[];
  departments: { id: number; name: string }[];
};

type Values = { displayName?: string; phone?: string | null; role?: string; scope?: string; departmentId?: number | null };

export function Field({ label, name, error, children }: { label: string; name: string; error?: string; children: React.ReactNode }) {
  const t = useT();
  return (
    <label>
      {label}
      {children}
      {error && (
        <span className="field-error" id={`${name}-error`}>
          {t(error)}
        </span>
      )}
    </label>
  );
}

/** Name, phone, role and scope: the fields shared by the new-account and edit-account forms. */
export function UserProfileFields({
  choices,
  values = {},
  errors = {},
}: {
  choices: Choices;
  values?: Values;
  errors?: Record<string, string>;
}) {
  const t = useT();
  return (
    <>
      <Field label={t("users.displayName")} name="displayName" error={errors.displayName}>
        <input
          type="text"
          name="displayName"
          defaultValue={values.displayName}
          required
          maxLength={50}
          aria-invalid={!!errors.displayName}
        />
      </Field>
      <Field label={t("users.phone")} name="phone" error={errors.phone}>
        <input type="tel" name="phone" defaultValue={values.phone ?? ""} inputMode="numeric" aria-invalid={!!errors.phone} />
      </Field>
      <Field label={t("users.role")} name="role" error={errors.role}>
        <select name="role" defaultValue={values.role ?? "volunteer"} aria-invalid={!!errors.role}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {t(`role.${r}`)}
            </option>
          ))}
        </select>
      </Field>
      <Field label={t("users.scope")} name="scope" error={errors.scope}>
        <select name="scope" defaultValue={values.scope} aria-invalid={!!errors.scope}>
          <optgroup label={t("users.scopePlaces")}>
            {choices.places.map((p) => (
              <option key={p.id} value={`p:${p.id}`}>
                {"\u3000".repeat(p.depth - 1)}
                {p.name}（{t(`level.${p.level}`)}）
              </option>
            ))}
          </optgroup>
          <optgroup label={t("users.scopeGrids")}>
            {choices.grids.map((g) => (
              <option key={g.id} value={`g:${g.id}`}>
                {g.name}
              </option>
            ))}
          </optgroup>
        </select>
      </Field>
      <Field label={t("users.department")} name="departmentId" error={errors.departmentId}>
        <select name="departmentId" defaultValue={values.departmentId ?? ""} aria-invalid={!!errors.departmentId}>
          <option value="">{t("users.noDepartment")}</option>
          {choices.departments.map((d) => (
            <option key={d.id} value={d.id}>
              {d.name}
            </option>
          ))}
        </select>
      </Field>
    </>
  );
}
