// A labelled count in a `.stats` row (households, responses, opens…).
export function StatCount({ label, n }: { label: string; n: number }) {
  return (
    <div className="stat">
      {label}
      <b>{n.toLocaleString()}</b>
    </div>
  );
}
