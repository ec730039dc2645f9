// A labelled count in a `.stats` row (households, responses, opens…).
export function StatCount({ label, n, testId }: { label: string; n: number; testId?: string }) {
  return (
    <div className="stat" data-testid={testId}>
      {label}
      <b>{n.toLocaleString()}</b>
    </div>
  );
}
