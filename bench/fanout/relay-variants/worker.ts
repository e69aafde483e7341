/**
 * The relay, with switches that only the drain benchmark uses: a workspace whose id ends as
 * `names.ts` says runs without its attempt log, or without rate limiting; every other
 * workspace (the relay's own, and the A/A control's) runs the relay unchanged. The same Worker,
 * entrypoints and Durable Object class, started with the relay's own wrangler.toml and this
 * module as its entry point.
 *
 * One process and one isolate for all of them puts whatever a process draws for itself (how
 * its JIT compiled the hot paths, where its memory lies) on every side of a comparison alike.
 * With a process per variant, two runs of the same code disagreed by 15 % (BENCHMARKS.md).
 *
 * Subclass hooks, not a runtime flag in the relay, so production code has no off switch.
 */
import { WorkspaceDurableObject as Relay } from "../../../durable-objects/workspace-do";
import { UNLIMITED, type Pacing } from "../../../durable-objects/delivery/pacer";
import type { AttemptRecord } from "../../../durable-objects/attempts/attempt-log";
import { variantOf } from "./names";

export { default, DeliveryWorker, WorkspaceDirectory } from "../../../src/index";

const unpaced: Pacing = { allowance: () => UNLIMITED, record: () => undefined };

export class WorkspaceDurableObject extends Relay {
  /** The object's name is its workspace id (the Worker routes by `idFromName`). */
  private get variant() {
    // Without its name every workspace would run the relay, and the benchmark would compare
    // the relay with itself: refuse instead.
    if (this.ctx.id.name === undefined) throw new Error("relay variants: this runtime does not tell an object its name");
    return variantOf(this.ctx.id.name);
  }

  // Called while the relay's constructor runs: `this.ctx` is set by then, fields are not.
  protected override deliveryPacing(): Pacing {
    return this.variant === "relay-without-rate-limit" ? unpaced : super.deliveryPacing();
  }

  protected override recordAttempt(record: AttemptRecord, now: number): void {
    if (this.variant !== "relay-without-attempt-log") super.recordAttempt(record, now);
  }
}
