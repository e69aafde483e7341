import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../tests/support/relay.ts";
import type { ReplicaEntity } from "../adapters/entity-mutation.ts";
import { closedPort } from "./support/closed-port.ts";
import { createTestWorkspace, startRelay, type LocalRelay, type TestWorkspace } from "./support/local-relay.ts";
import { entityState, generateWorkload } from "./support/workload.ts";

/**
 * The replicator as a customer gets it: `npm pack` (which builds dist/ with tsup), the tarball
 * installed into a new project in the system's temporary folder, outside this repository, and
 * run there with plain `node` — no loader, no flag — against a real local relay. The README's
 * examples are what runs: each block marked `<!-- example: name -->` is written to a file of
 * that name, so the README cannot drift from what works.
 *
 * npm is the one on PATH: run the suite through scripts/toolchain.sh, which puts npm 10 and
 * Node 22 first.
 */

const PACKAGE_DIR = resolve(import.meta.dirname, "..");
const PACKAGE_NAME = "@convex-edge-relay/replicator";
/**
 * The README's examples that this file runs, each in a test of its own. Every other marked
 * example must be TypeScript (`name.ts`): those are type-checked against the installed types.
 */
const RUN_EXAMPLES = ["replicate.mjs", "catch-up.mjs", "entities.sql", "send-change.mjs"] as const;

type Run = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };

/** The environment a customer's shell would have: no NODE_OPTIONS carrying a loader in. */
function plainEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.NODE_OPTIONS;
  return env;
}

function start(command: string, args: string[], options: { cwd: string; env?: Record<string, string> }) {
  const child = spawn(command, args, { cwd: options.cwd, env: plainEnv(options.env), stdio: ["ignore", "pipe", "pipe"] });
  const output = { stdout: "", stderr: "" };
  child.stdout!.on("data", (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exited = new Promise<Run>((done) =>
    child.on("close", (code, signal) => done({ code, signal, ...output })),
  );
  return { child, output, exited };
}

async function run(command: string, args: string[], options: { cwd: string; env?: Record<string, string> }) {
  const result = await start(command, args, options).exited;
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(" ")} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

/**
 * The README's marked examples, by file name. Throws on a code block that uses the package
 * without a mark: every such block must be run or type-checked here.
 */
function readmeExamples(readme: string): Map<string, string> {
  const examples = new Map<string, string>();
  for (const match of readme.matchAll(/<!-- example: ([\w.-]+) -->\n```\w+\n([\s\S]*?)\n```/g)) {
    examples.set(match[1]!, `${match[2]!}\n`);
  }
  const usesPackage = [...readme.matchAll(/^```\w*\n([\s\S]*?)^```$/gm)].filter((block) =>
    block[1]!.includes(`"${PACKAGE_NAME}`),
  );
  const unmarked = usesPackage.filter((block) => ![...examples.values()].includes(`${block[1]!.trimEnd()}\n`));
  if (unmarked.length > 0) {
    throw new Error(`README.md has code using the package without <!-- example: name -->:\n${unmarked[0]![0]}`);
  }
  return examples;
}

let relay: LocalRelay;
let readme: string;
let examples: Map<string, string>;
let tarball: string;
let project: string;
const temporary: string[] = [];

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  temporary.push(dir);
  return dir;
}

/** Builds and packs the package, and installs the tarball into a new project. */
async function installTarball(): Promise<void> {
  const npmVersion = (await run("npm", ["--version"], { cwd: PACKAGE_DIR })).stdout.trim();
  if (!npmVersion.startsWith("10.")) {
    throw new Error(`npm ${npmVersion} is on PATH; run the tests through scripts/toolchain.sh (npm 10)`);
  }
  const packDir = await tempDir("replicator-pack-");
  await run("npm", ["pack", "--pack-destination", packDir], { cwd: PACKAGE_DIR });
  const packed = (await readdir(packDir)).filter((name) => name.endsWith(".tgz"));
  expect(packed).toHaveLength(1);
  tarball = join(packDir, packed[0]!);

  project = await tempDir("replicator-customer-");
  await writeFile(join(project, "package.json"), JSON.stringify({ name: "customer-service", private: true, type: "module" }));
  // zod, the one dependency, comes from the npm cache that installed this repository.
  await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", tarball], {
    cwd: project,
  });
}

beforeAll(async () => {
  readme = await readFile(join(PACKAGE_DIR, "README.md"), "utf8");
  examples = readmeExamples(readme);
  [relay] = await Promise.all([startRelay(), installTarball()]);
});

afterAll(async () => {
  await relay?.stop();
  for (const dir of temporary) await rm(dir, { recursive: true, force: true });
});

/** Writes a README example into its own folder of the customer project, to run from there. */
async function exampleFolder(name: (typeof RUN_EXAMPLES)[number]): Promise<string> {
  const dir = join(project, name.replace(/\.\w+$/, ""));
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, name), examples.get(name)!);
  return dir;
}

function relayEnv(ws: TestWorkspace): Record<string, string> {
  return { RELAY_URL: relay.url, RELAY_WORKSPACE: ws.workspaceId, RELAY_READ_KEY: ws.readKey };
}

/** The live entities of a replica file, read with the README's own query. */
function replicaEntities(path: string): ReplicaEntity[] {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const rows = db.prepare(examples.get("entities.sql")!).all() as {
      entity_kind: string;
      entity_id: string;
      version: number;
      data: string;
    }[];
    return rows.map((row) => ({
      entityKind: row.entity_kind,
      entityId: row.entity_id,
      version: row.version,
      data: JSON.parse(row.data) as unknown,
    }));
  } finally {
    db.close();
  }
}

async function workspaceWithEvents(seed: number): Promise<TestWorkspace> {
  const ws = await createTestWorkspace(relay);
  await ws.ingest(generateWorkload({ seed, count: 300, entities: 30, prefix: `pkg${seed}` }));
  return ws;
}

describe("replicator package: installed from its tarball, on plain Node", () => {
  it("every README block that uses the package is an example this test runs or type-checks; the install line names the tarball", () => {
    const others = [...examples.keys()].filter((name) => !(RUN_EXAMPLES as readonly string[]).includes(name));
    expect([...examples.keys()]).toEqual(expect.arrayContaining([...RUN_EXAMPLES]));
    expect(others.filter((name) => !name.endsWith(".ts"))).toEqual([]);
    expect(readme).toContain(`npm install /path/to/${tarball.split("/").at(-1)}`);
  });

  it("the long-running example replicates over the feed into SQLite, follows live events, and stops on SIGTERM", async () => {
    const ws = await workspaceWithEvents(21);
    const dir = await exampleFolder("replicate.mjs");
    const replica = join(dir, "replica.sqlite");
    const example = start(process.execPath, ["replicate.mjs"], { cwd: dir, env: relayEnv(ws) });
    // Until the replica equals the workspace's entity state; an example that exits instead fails at once.
    const converged = async () => {
      const log = await ws.readAll();
      const died = example.exited.then((exit) => {
        throw new Error(`the example exited (${exit.code}):\n${exit.stdout}\n${exit.stderr}`);
      });
      const equal = eventually(
        () => JSON.stringify(replicaEntities(replica)) === JSON.stringify(entityState(log)),
        120_000,
      );
      died.catch(() => undefined); // handled by the race; later, after SIGTERM, it is expected
      await Promise.race([equal, died]);
    };
    try {
      await converged();
      await ws.ingest(generateWorkload({ seed: 22, count: 100, entities: 30, prefix: "pkg21live" }));
      await converged();
      expect(example.output.stdout).toContain("(websocket)");
    } finally {
      example.child.kill("SIGTERM");
    }
    const exit = await example.exited;
    expect({ code: exit.code, stdout: exit.stdout }).toMatchObject({
      code: 0,
      stdout: expect.stringContaining(`stopped: aborted at ${(await ws.readAll()).at(-1)!.version}\n`),
    });
    expect(replicaEntities(replica)).toEqual(entityState(await ws.readAll()));
  });

  it("the serverless example, whose waitFn sleeps, catches up and exits with reason caught_up", async () => {
    const ws = await workspaceWithEvents(23);
    const log = await ws.readAll();
    const dir = await exampleFolder("catch-up.mjs");
    const result = await run(process.execPath, ["catch-up.mjs"], { cwd: dir, env: relayEnv(ws) });
    expect(JSON.parse(result.stdout.trim().split("\n").at(-1)!)).toEqual({
      reason: "caught_up",
      offset: log.at(-1)!.version,
    });
    expect(replicaEntities(join(dir, "replica.sqlite"))).toEqual(entityState(log));
  });

  it("the inbound example: a reused dedupeKey answers duplicate: true, and the relay keeps the first payload", async () => {
    const ws = await createTestWorkspace(relay);
    const dir = await exampleFolder("send-change.mjs");
    const result = await run(process.execPath, ["send-change.mjs"], {
      cwd: dir,
      env: { ...relayEnv(ws), RELAY_INGRESS_SECRET: ws.ingressSecret },
    });
    const { first, again } = JSON.parse(result.stdout.trim().split("\n").at(-1)!) as Record<string, unknown>;
    expect(first).toEqual({ id: "crm-change-0001", version: expect.any(Number), duplicate: false });
    expect(again).toEqual({ ...(first as object), duplicate: true });
    const stored = (await ws.readAll()).filter((event) => event.id === "crm-change-0001");
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      payload: { name: "Renamed in the CRM" },
      source: { origin: "customer-replicator", mutation: "crm:rename", actorId: "alice" },
    });
  });

  it("the relay-replicator bin catches up with RELAY_ONCE and exits 0; the README's variables are the ones it reads", async () => {
    const ws = await workspaceWithEvents(24);
    const log = await ws.readAll();
    const dir = join(project, "bin");
    await mkdir(dir, { recursive: true });
    const result = await run(join(project, "node_modules/.bin/relay-replicator"), [], {
      cwd: dir,
      env: { ...relayEnv(ws), REPLICA_DB: "bin.sqlite", RELAY_EVENTS_PER_BATCH: "50", RELAY_ONCE: "true" },
    });
    expect(result.stdout).toContain(`stopped: caught_up at version ${log.at(-1)!.version}`);
    expect(result.stdout).toContain("applied 50 events");
    expect(result.stdout + result.stderr).not.toContain(ws.readKey);
    expect(replicaEntities(join(dir, "bin.sqlite"))).toEqual(entityState(log));

    const runner = await readFile(join(project, "node_modules", PACKAGE_NAME, "dist/runner.js"), "utf8");
    const documented = [...readme.matchAll(/^\| (`[A-Z_]+`(?:, `[A-Z_]+`)*) \|/gm)].flatMap((row) =>
      [...row[1]!.matchAll(/`([A-Z_]+)`/g)].map((name) => name[1]!),
    );
    expect(documented).toContain("RELAY_ONCE");
    for (const name of documented) expect(runner, name).toContain(`"${name}"`);
  });

  it("the relay-replicator bin says which relay it cannot reach while it retries, and stops on SIGTERM", async () => {
    const dir = join(project, "bin-unreachable");
    await mkdir(dir, { recursive: true });
    const nowhere = `http://127.0.0.1:${await closedPort()}/`;
    const runner = start(join(project, "node_modules/.bin/relay-replicator"), [], {
      cwd: dir,
      env: { RELAY_URL: nowhere, RELAY_WORKSPACE: "acme", RELAY_READ_KEY: "rk_acme.x" },
    });
    try {
      await eventually(() => runner.output.stdout.includes(`could not open the feed at ${nowhere}`), 60_000);
    } finally {
      runner.child.kill("SIGTERM");
    }
    const exit = await runner.exited;
    expect(exit.code).toBe(0);
    expect(exit.stdout).toMatch(/retrying in \d+\.\d s after 1 failure\(s\): could not open the feed at /);
    expect(exit.stdout).toContain("stopped: aborted at version 0");
  });

  it("the README's TypeScript examples type-check against the installed package's types", async () => {
    const typed = [...examples].filter(([name]) => name.endsWith(".ts"));
    expect(typed.length).toBeGreaterThan(0);
    const dir = join(project, "typed");
    await mkdir(dir, { recursive: true });
    for (const [name, code] of typed) await writeFile(join(dir, name), code);
    // The customer's own tsconfig; the types of Node and of any driver an example imports come
    // from this repository's node_modules, where the tests have them.
    const repositoryModules = resolve(PACKAGE_DIR, "../node_modules");
    await writeFile(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ["node"],
          typeRoots: [join(repositoryModules, "@types")],
          paths: { "*": [join(repositoryModules, "*")] },
        },
        include: ["*.ts"],
      }),
    );
    const tsc = join(repositoryModules, "typescript/bin/tsc");
    const result = await start(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: dir }).exited;
    expect({ code: result.code, output: result.stdout + result.stderr }).toEqual({ code: 0, output: "" });
  });

  it("each subpath export imports; the root entry loads no database driver, not even node:sqlite", async () => {
    const manifest = JSON.parse(
      await readFile(join(project, "node_modules", PACKAGE_NAME, "package.json"), "utf8"),
    ) as { exports: Record<string, unknown>; dependencies?: Record<string, string>; peerDependencies?: Record<string, string> };
    // The bundled contract code was built and tested against the repository's zod.
    const repository = JSON.parse(await readFile(join(PACKAGE_DIR, "../package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    expect(manifest.dependencies).toEqual({ zod: repository.dependencies.zod });
    const subpaths = Object.keys(manifest.exports).filter((subpath) => subpath !== "./package.json");
    expect(subpaths).toEqual(expect.arrayContaining([".", "./sqlite", "./postgres", "./prisma"]));
    // Drivers are optional peers: the customer project installs none, so a subpath that needs
    // one must fail on exactly that peer, and nothing else.
    const optionalPeers = Object.keys(manifest.peerDependencies ?? {});
    for (const subpath of subpaths) {
      const specifier = `${PACKAGE_NAME}${subpath.slice(1)}`;
      const imported = await start(
        process.execPath,
        ["--input-type=module", "-e", `console.log(Object.keys(await import(${JSON.stringify(specifier)})).length)`],
        { cwd: project },
      ).exited;
      if (imported.code === 0) {
        expect(Number(imported.stdout.trim()), specifier).toBeGreaterThan(0);
        continue;
      }
      const missing = imported.stderr.match(/Cannot find package '([^']+)'/)?.[1];
      expect(optionalPeers, `${specifier}: ${imported.stderr}`).toContain(missing);
    }

    // Only this package's and the relay's own sources are bundled: a dependency or driver
    // left out of package.json would be inlined by tsup instead of staying external.
    const dist = join(project, "node_modules", PACKAGE_NAME, "dist");
    for (const map of (await readdir(dist)).filter((name) => name.endsWith(".js.map"))) {
      const { sources } = JSON.parse(await readFile(join(dist, map), "utf8")) as { sources: string[] };
      expect(sources.filter((source) => source.includes("node_modules/")), map).toEqual([]);
    }

    // Every module the root entry resolves, recorded by a resolve hook in a separate process.
    const { stdout } = await run(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `import { registerHooks } from "node:module";
         const seen = [];
         registerHooks({ resolve(specifier, context, next) { seen.push(specifier); return next(specifier, context); } });
         await import(${JSON.stringify(PACKAGE_NAME)});
         console.log(JSON.stringify(seen));`,
      ],
      { cwd: project },
    );
    const external = (JSON.parse(stdout) as string[]).filter((s) => !s.startsWith(".") && s !== PACKAGE_NAME);
    const allowed = Object.keys(manifest.dependencies ?? {});
    expect(external.filter((s) => !s.startsWith("node:") && !allowed.includes(s))).toEqual([]);
    expect(external).not.toContain("node:sqlite");
    for (const driver of Object.keys(manifest.peerDependencies ?? {})) expect(external).not.toContain(driver);
  });
});
