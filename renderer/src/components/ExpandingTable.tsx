// A compact grid whose rows open in place: a click on a row shows its detail in a full-width row right
// below it, a second click closes it (Work's traces, Incidents' reports).
import { Fragment, type ReactNode } from 'react';

export interface Column {
  label: string;
  /** Hover text that explains the column. */
  title?: string;
}

export function ExpandingTable<T>({
  columns,
  rows,
  rowId,
  rowAttr,
  cells,
  openId,
  onOpen,
  detail,
}: {
  columns: readonly Column[];
  rows: readonly T[];
  rowId: (row: T) => string;
  /** The data attribute that names a row (for tests and tools), e.g. `data-trace-id`. */
  rowAttr: `data-${string}`;
  /** The row's cells, one `<td>` a column. */
  cells: (row: T) => ReactNode;
  /** The row whose detail shows, if any. */
  openId: string | null;
  /** A row was clicked: the id to open, or null when it was the open one. */
  onOpen: (id: string | null) => void;
  detail: (row: T) => ReactNode;
}) {
  return (
    <table className="grid compact">
      <thead>
        <tr>
          {columns.map((c) => (
            <th key={c.label} title={c.title}>
              {c.label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => {
          const id = rowId(row);
          const open = openId === id;
          return (
            <Fragment key={id}>
              <tr {...{ [rowAttr]: id }} onClick={() => onOpen(open ? null : id)} className={open ? 'selected' : ''}>
                {cells(row)}
              </tr>
              {open ? (
                <tr className="detail-row">
                  <td colSpan={columns.length}>{detail(row)}</td>
                </tr>
              ) : null}
            </Fragment>
          );
        })}
      </tbody>
    </table>
  );
}
