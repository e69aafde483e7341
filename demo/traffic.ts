/**
 * Realistic traffic for the demo: a small task app whose users sign up and rename themselves,
 * and whose tasks are created, assigned, moved through their states and deleted. Each change
 * is the event the app's Convex mutation would emit to the relay (contract §2).
 */

const ORIGIN = "demo-tasks-app";
const NAMES = ["Ada", "Grace", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Radia", "Edsger", "Frances"];
const TITLES = ["Write the launch post", "Fix flaky login test", "Review pricing page", "Migrate billing webhooks", "Plan Q3 roadmap", "Rotate API keys", "Update onboarding email", "Triage support inbox"];
const STATES = ["todo", "doing", "done"] as const;

type Task = { id: string; title: string; assignee: string; status: (typeof STATES)[number] };

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

export class TaskAppTraffic {
  readonly users = new Map<string, string>();
  readonly tasks = new Map<string, Task>();
  #serial = 0;
  readonly #run = Date.now().toString(36);

  #event(entityKind: "user" | "task", entityId: string, eventType: "create" | "update" | "delete", payload: unknown, mutation: string, actorId: string | null) {
    return {
      id: `evt_${this.#run}_${++this.#serial}`,
      entityKind,
      entityId,
      eventType,
      payload,
      source: { origin: ORIGIN, mutation, actorId },
      emittedAt: Date.now(),
      schemaVersion: 1,
    };
  }

  /** The next change the app makes, as an event. */
  next() {
    const userIds = [...this.users.keys()];
    const roll = Math.random();
    if (userIds.length < 3 || roll < 0.1) {
      const id = `user_${this.#serial + 1}`;
      const name = `${pick(NAMES)} ${String.fromCharCode(65 + (this.#serial % 26))}.`;
      this.users.set(id, name);
      return this.#event("user", id, "create", { name, email: `${id}@example.com` }, "users:signUp", id);
    }
    if (roll < 0.18) {
      const id = pick(userIds);
      const name = `${pick(NAMES)} ${pick(NAMES)}`;
      this.users.set(id, name);
      return this.#event("user", id, "update", { name }, "users:rename", id);
    }
    const done = [...this.tasks.values()].filter((t) => t.status === "done");
    if (done.length > 0 && roll < 0.3) {
      const task = pick(done);
      this.tasks.delete(task.id);
      return this.#event("task", task.id, "delete", { id: task.id }, "tasks:remove", task.assignee);
    }
    if (this.tasks.size < 4 || roll < 0.55) {
      const task: Task = { id: `task_${this.#serial + 1}`, title: pick(TITLES), assignee: pick(userIds), status: "todo" };
      this.tasks.set(task.id, task);
      return this.#event("task", task.id, "create", task, "tasks:create", task.assignee);
    }
    const task = pick([...this.tasks.values()]);
    if (task.status !== "done" && roll < 0.85) task.status = STATES[STATES.indexOf(task.status) + 1]!;
    else task.assignee = pick(userIds);
    return this.#event("task", task.id, "update", { status: task.status, assignee: task.assignee }, "tasks:update", task.assignee);
  }

  /** A batch of 1..3 changes, as one ingest request carries them. */
  batch() {
    return Array.from({ length: 1 + Math.floor(Math.random() * 3) }, () => this.next());
  }
}
