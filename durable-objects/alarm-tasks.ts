import type { Migration } from "./schema";
import type { Sql } from "./sql";

/**
 * A Durable Object has one alarm; features (retention, the delivery watchdog, feed
 * heartbeats, …) each need their own wake-ups. Each feature keeps a named due time here, and
 * the alarm is always set to the earliest one. Due times live in SQLite, so they survive
 * eviction and restarts.
 */
export const alarmTaskMigrations: Migration[] = [
  {
    name: "alarms/0001-tasks",
    up: (sql) => {
      sql`CREATE TABLE alarm_tasks (name TEXT PRIMARY KEY, due_at INTEGER NOT NULL) WITHOUT ROWID`;
    },
  },
];

export class AlarmTasks {
  /**
   * The due times as stored. This object is the table's only writer, so the copy stays exact
   * and spares the delivery path a write, a read and an alarm check whenever the task it asks
   * for is already due early enough (the usual case: leases only move later). The table stays
   * the authority for what is due and for the alarm itself.
   */
  private dueTimes: Map<string, number> | undefined;

  constructor(
    private readonly sql: Sql,
    private readonly storage: DurableObjectStorage,
  ) {}

  private due(): Map<string, number> {
    this.dueTimes ??= new Map(
      this.sql<{ name: string; due_at: number }>`SELECT name, due_at FROM alarm_tasks`.map((r) => [r.name, r.due_at]),
    );
    return this.dueTimes;
  }

  /** Schedules `name` at `dueAt`, keeping an earlier due time if one is already set. */
  async scheduleNoLaterThan(name: string, dueAt: number): Promise<void> {
    const current = this.due().get(name);
    if (current !== undefined && current <= dueAt) return;
    this.sql`INSERT INTO alarm_tasks (name, due_at) VALUES (${name}, ${dueAt})
             ON CONFLICT (name) DO UPDATE SET due_at = min(due_at, excluded.due_at)`;
    this.due().set(name, dueAt);
    await this.arm();
  }

  /** Schedules `name` at exactly `dueAt`. */
  async schedule(name: string, dueAt: number): Promise<void> {
    this.sql`INSERT INTO alarm_tasks (name, due_at) VALUES (${name}, ${dueAt})
             ON CONFLICT (name) DO UPDATE SET due_at = excluded.due_at`;
    this.due().set(name, dueAt);
    await this.arm();
  }

  async cancel(name: string): Promise<void> {
    this.sql`DELETE FROM alarm_tasks WHERE name = ${name}`;
    this.due().delete(name);
    await this.arm();
  }

  /** Removes and returns the tasks due at `now`. */
  takeDue(now: number): string[] {
    const due = this.sql<{ name: string }>`SELECT name FROM alarm_tasks WHERE due_at <= ${now}`.map((r) => r.name);
    for (const name of due) {
      this.sql`DELETE FROM alarm_tasks WHERE name = ${name}`;
      this.due().delete(name);
    }
    return due;
  }

  /** Forgets the in-memory copy (after the workspace's storage is erased). */
  forget(): void {
    this.dueTimes = undefined;
  }

  /** Sets the alarm to the earliest due task, or clears it when none is left. */
  async arm(): Promise<void> {
    const current = await this.storage.getAlarm();
    // Read the earliest task after the await, so that concurrent calls all end on the
    // latest state instead of racing with what each saw before awaiting.
    const next = this.sql.one<{ at: number | null }>`SELECT min(due_at) AS at FROM alarm_tasks`?.at ?? null;
    if (next === null) {
      if (current !== null) await this.storage.deleteAlarm();
    } else if (current !== next) {
      await this.storage.setAlarm(next);
    }
  }
}
