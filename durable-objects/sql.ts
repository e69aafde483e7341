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
};

export function createSql(storage: SqlStorage): Sql {
  const exec = (strings: TemplateStringsArray, values: SqlValue[]) =>
    storage.exec(strings.join("?"), ...values);
  const sql = (<T extends Row>(strings: TemplateStringsArray, ...values: SqlValue[]) =>
    exec(strings, values).toArray() as T[]) as Sql;
  sql.one = <T extends Row>(strings: TemplateStringsArray, ...values: SqlValue[]) =>
    exec(strings, values).toArray()[0] as T | undefined;
  sql.run = (strings, ...values) => {
    const cursor = exec(strings, values);
    cursor.toArray();
    return cursor.rowsWritten;
  };
  sql.composed = <T extends Row>(text: string, values: SqlValue[]) => {
    const cursor = storage.exec(text, ...values);
    const rows = cursor.toArray() as T[];
    return { rows, rowsRead: cursor.rowsRead };
  };
  return sql;
}
