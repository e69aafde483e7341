/** @jsxImportSource hono/jsx */
import type { WorkspaceStats } from "../../contract/stats";
import { formatTime } from "./parts";

/** The three series the throughput chart draws, with colours that keep 3:1 contrast on white. */
const SERIES = [
  { key: "ingested", label: "Ingested", color: "#1d4ed8" },
  { key: "delivered", label: "Delivered", color: "#047857" },
  { key: "failedAttempts", label: "Failed attempts", color: "#b91c1c" },
] as const;

const WIDTH = 720;
const HEIGHT = 200;
const PAD = { left: 44, right: 12, top: 12, bottom: 28 };

/** Throughput over the stats window as inline SVG: no script, no library, readable without colour through its summary. */
export function ThroughputChart({ stats }: { stats: WorkspaceStats }) {
  const buckets = stats.buckets;
  const totals = SERIES.map((s) => ({ ...s, total: buckets.reduce((sum, b) => sum + b[s.key], 0) }));
  const max = Math.max(1, ...buckets.flatMap((b) => SERIES.map((s) => b[s.key])));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (buckets.length <= 1 ? plotW / 2 : (i / (buckets.length - 1)) * plotW);
  const y = (v: number) => PAD.top + plotH - (v / max) * plotH;
  const summary = totals.map((t) => `${t.label}: ${t.total}`).join(", ");
  const first = buckets[0];
  const last = buckets[buckets.length - 1];
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby="chart-title chart-desc" preserveAspectRatio="none">
        <title id="chart-title">Throughput over the last {stats.window}</title>
        <desc id="chart-desc">{`${summary}, in buckets of ${stats.bucketSeconds / 60} minutes.`}</desc>
        {[0, 0.5, 1].map((f) => (
          <g>
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(max * f)} y2={y(max * f)} class="grid" />
            <text x={PAD.left - 6} y={y(max * f) + 4} text-anchor="end" class="axis">
              {String(Math.round(max * f))}
            </text>
          </g>
        ))}
        {SERIES.map((s) => (
          <polyline fill="none" stroke={s.color} stroke-width="2" points={buckets.map((b, i) => `${x(i).toFixed(1)},${y(b[s.key]).toFixed(1)}`).join(" ")} />
        ))}
        {first ? (
          <text x={PAD.left} y={HEIGHT - 8} class="axis">
            {formatTime(first.at).slice(11, 16)}
          </text>
        ) : null}
        {last ? (
          <text x={WIDTH - PAD.right} y={HEIGHT - 8} text-anchor="end" class="axis">
            {`${formatTime(last.at).slice(11, 16)} UTC`}
          </text>
        ) : null}
      </svg>
      <figcaption>
        <ul class="legend">
          {totals.map((t) => (
            <li>
              <span class="swatch" style={`background:${t.color}`} aria-hidden="true"></span>
              {t.label}: <strong>{t.total.toLocaleString("en-US")}</strong>
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
