import type { Check, Table } from "./benchmark.ts";

/** Formats a number for a table: integers with thousands separators, small values with decimals. */
export function fmt(value: number, decimals = 1): string {
  if (!Number.isFinite(value)) return "n/a";
  return value.toLocaleString("en-US", { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

export function renderTable(table: Table): string {
  const cells = [table.columns, ...table.rows].map((row) => row.map(String));
  const widths = table.columns.map((_, i) => Math.max(...cells.map((row) => row[i]?.length ?? 0)));
  // The first column names the row; the others hold figures, aligned right.
  const line = (row: string[]) => row.map((cell, i) => (i > 0 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join("  ");
  const [header, ...body] = cells;
  return [table.title, line(header!), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

export function renderChecks(checks: readonly Check[]): string {
  return checks.map((c) => `${c.pass ? "PASS" : "MISS"}  ${c.name}: ${c.actual} (target ${c.target})`).join("\n");
}
