// The office's list tables: a scrolling wrapper, one header row, a row per item, and (where the
// page has one) what shows instead of the table when there is nothing to list.
import type { ReactNode } from "react";

/** A header: its text, or `{ num }` for a right-aligned number column. */
export type Column = string | { num: string };

export function DataTable<Row>({
  columns,
  rows,
  row,
  empty,
  className,
  testId,
}: {
  columns: Column[];
  rows: Row[];
  /** One `<tr>` (with its key) per item. */
  row: (item: Row) => ReactNode;
  /** Shown instead of the table when there are no rows; without it an empty table shows. */
  empty?: ReactNode;
  className?: string;
  testId?: string;
}) {
  if (rows.length === 0 && empty !== undefined) return <>{empty}</>;
  return (
    <div className="table-wrap">
      <table className={className} data-testid={testId}>
        <thead>
          <tr>
            {columns.map((c, i) =>
              typeof c === "string" ? (
                <th key={i}>{c}</th>
              ) : (
                <th key={i} className="num">
                  {c.num}
                </th>
              ),
            )}
          </tr>
        </thead>
        <tbody>{rows.map((item) => row(item))}</tbody>
      </table>
    </div>
  );
}
