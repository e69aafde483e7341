/**
 * A tagged-template helper over the Durable Object's SQLite: values become bound parameters,
 * never string-spliced, and rows come back fully read (`toArray()`), so no cursor is left
 * open across an `await`.
 */
export type SqlValue = string | number | null | ArrayBuffer;
export type Row = Record<string, SqlValue>;

export type Sql = {
  <T extends Row = Row>(strings: TemplateStringsArray, ...values: SqlValue[]): T[];
  /** The first row, or undefined. */
  one<T extends Row = Row>(strings: TemplateStringsArray, ...values: SqlValue[]): T | undefined;
  /** Runs a statement and returns how many rows it wrote. */
  run(strings: TemplateStringsArray, ...values: SqlValue[]): number;
  /**
   * A statement whose text is composed at run time (values still bound, never spliced), and
   * how many rows SQLite read to answer it.
   */
  composed<T extends Row = Row>(text: string, values: SqlValue[]): { rows: T[]; rowsRead: number };
  /**
   * Rows read by every statement run through this helper so far (`cursor.rowsRead`): what the
   * cost tests count, since rows read, not time, is what a query's cost grows with.
   */
  rowsReadSoFar(): number;
};

export function createSql(storage: SqlStorage): Sql {
  let rowsRead = 0;
  /** Runs a statement to the end, counting what it read. */
  const run = <T extends Row>(text: string, values: SqlValue[]): { rows: T[]; cursor: SqlStorageCursor<T> } => {
    const cursor = storage.exec<T>(text, ...values);
    const rows = cursor.toArray();
    rowsRead += cursor.rowsRead;
    return { rows, cursor };
  };
  const sql = (<T extends Row>(strings: TemplateStringsArray, ...values: SqlValue[]) =>
    run<T>(strings.join("?"), values).rows) as Sql;
  sql.one = <T extends Row>(strings: TemplateStringsArray, ...values: SqlValue[]) =>
    run<T>(strings.join("?"), values).rows[0] as T | undefined;
  sql.run = (strings, ...values) => run(strings.join("?"), values).cursor.rowsWritten;
  sql.composed = <T extends Row>(text: string, values: SqlValue[]) => {
    const { rows, cursor } = run<T>(text, values);
    return { rows, rowsRead: cursor.rowsRead };
  };
  sql.rowsReadSoFar = () => rowsRead;
  return sql;
}
