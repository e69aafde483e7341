/**
 * How the CLI prints: aligned plain-text columns for people (greppable, like kubectl's
 * tables), and the API's JSON as is with `--json` for scripts. Everything goes to stdout;
 * errors go to stderr (see `main.ts`).
 */

export type Cell = string | number | boolean | null | undefined;
export type Column<T> = [header: string, value: (row: T) => Cell];

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLine(text = ""): void {
  process.stdout.write(`${text}\n`);
}

function cellText(value: Cell): string {
  if (value === null || value === undefined || value === "") return "-";
  return String(value).replace(/\s+/g, " ");
}

/** A table with a header row; `empty` says what to do when there are no rows. */
export function printTable<T>(rows: readonly T[], columns: Column<T>[], empty: string): void {
  if (rows.length === 0) {
    printLine(empty);
    return;
  }
  const cells = rows.map((row) => columns.map(([, value]) => cellText(value(row))));
  const headers = columns.map(([header]) => header);
  const widths = headers.map((header, i) => Math.max(header.length, ...cells.map((line) => line[i]!.length)));
  const render = (line: string[]) => line.map((text, i) => (i === line.length - 1 ? text : text.padEnd(widths[i]!))).join("  ");
  printLine(render(headers));
  for (const line of cells) printLine(render(line));
}

/** One record as `name: value` lines, names aligned. */
export function printFields(fields: [name: string, value: Cell][]): void {
  const width = Math.max(...fields.map(([name]) => name.length));
  for (const [name, value] of fields) printLine(`${`${name}:`.padEnd(width + 1)} ${cellText(value)}`);
}

/** A time in ms as UTC `YYYY-MM-DD HH:MM:SS`. */
export function time(ms: number | null | undefined): string | null {
  if (ms === null || ms === undefined) return null;
  return new Date(ms).toISOString().replace("T", " ").slice(0, 19);
}

/** Shortens long text (error messages, response bodies) for a table cell. */
export function excerpt(text: string | null | undefined, max = 60): string | null {
  if (!text) return null;
  const flat = text.replace(/\s+/g, " ");
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** The warning printed beside the one showing of a secret. */
export function printSecret(label: string, secret: string): void {
  printLine(`${label}: ${secret}`);
  printLine("Store it now: the relay never shows it again.");
}
