// A select over a list of ids with a first, empty option ("any …", "choose …"): the response filters
// and the import's fixed place.
export type Choice = { id: number; label: string };

export function ChoiceSelect({
  name,
  value,
  empty,
  choices,
  label,
}: {
  name: string;
  value: number | string | null;
  empty: string;
  choices: Choice[];
  label?: string;
}) {
  return (
    <select name={name} aria-label={label} defaultValue={value ?? ""}>
      <option value="">{empty}</option>
      {choices.map((c) => (
        <option key={c.id} value={c.id}>
          {c.label}
        </option>
      ))}
    </select>
  );
}
