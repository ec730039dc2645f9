// A page's title with its main action (a "new …" button) on the same line.
import type { ReactNode } from "react";

export function PageTitle({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="actions" style={{ justifyContent: "space-between" }}>
      <h1>{title}</h1>
      {children}
    </div>
  );
}
