import { describe, expect, it, vi } from "vitest";
import { recordDeliveryOutcome, type DeliveryOutcomeRecord } from "../../durable-objects/delivery/delivery-log";

const record: DeliveryOutcomeRecord = {
  workspaceId: "ws1",
  subscriber: { id: "audit", channel: "events" },
  ref: { workspaceId: "ws1", subscriberId: "audit", deliveryId: "msg_abc", fromVersion: 41, toVersion: 42, attempt: 3 },
  trigger: "queue",
  outcome: {
    kind: "failure",
    status: 500,
    retryAfterSeconds: null,
    message: "receiver answered 500",
    startedAt: 1_000,
    at: 1_012,
    responseBody: `token=whsec_supersecret payload {"name":"Ada"}`,
  },
  eventCount: 2,
  stale: false,
};

describe("delivery outcome records", () => {
  it("log one JSON line with who, what and how long, and never the answer, a URL or a secret", () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, "log").mockImplementation((line: string) => void lines.push(line));
    recordDeliveryOutcome(record);
    spy.mockRestore();
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({
      message: "delivery",
      workspaceId: "ws1",
      subscriberId: "audit",
      webhookId: "msg_abc",
      fromVersion: 41,
      toVersion: 42,
      eventCount: 2,
      attempt: 3,
      trigger: "queue",
      outcome: "failure",
      status: 500,
      durationMs: 12,
      stale: false,
    });
    expect(lines[0]).not.toMatch(/whsec_|Ada|https?:/);
  });

  it("write one Analytics Engine data point per outcome when the optional binding is there", () => {
    const points: AnalyticsEngineDataPoint[] = [];
    const spy = vi.spyOn(console, "log").mockImplementation(() => {});
    recordDeliveryOutcome(record, { writeDataPoint: (p) => void points.push(p!) });
    recordDeliveryOutcome({ ...record, subscriber: { id: "alert:ops", channel: "alerts" } }, { writeDataPoint: (p) => void points.push(p!) });
    spy.mockRestore();
    expect(points).toEqual([
      { indexes: ["ws1"], blobs: ["delivery", "audit", "failure", "queue"], doubles: [500, 12, 2, 3, 41, 42] },
      { indexes: ["ws1"], blobs: ["alert.delivery", "alert:ops", "failure", "queue"], doubles: [500, 12, 2, 3, 41, 42] },
    ]);
  });
});
