import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, startRelay, type LocalRelay } from "../support/relay";

/**
 * The Convex component as a user installs it: `npm pack` in `convex/`, then a fresh app in a
 * temporary folder outside the repository (`convex/package-test/app`, with its own
 * package.json) installs the tarball from the registry's point of view, runs Convex's offline
 * codegen and `tsc`, and runs its own convex-test test, which federates two instances of the
 * app through a real local relay. All of it with convex 1.48 (the oldest supported) and then
 * with the latest 1.x from the registry.
 */

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, "../..");
const packageDir = join(repo, "convex");

/** The environment for npm in the app: without what `npm test` set for this repository. */
function appEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const key of Object.keys(env)) {
    if (/^npm_(package_|lifecycle_|config_(local_)?prefix$|config_global_prefix$)/i.test(key) || key === "INIT_CWD") delete env[key];
  }
  return env;
}

async function sh(cwd: string, command: string, args: string[], env = appEnv()): Promise<string> {
  try {
    const { stdout, stderr } = await run(command, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
    void stderr;
    return stdout;
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(" ")} failed in ${cwd}:\n${stdout}\n${stderr}`);
  }
}

let work: string;
let app: string;
let tarball: string;
let relay: LocalRelay;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "convex-federation-package-"));
  expect(work.startsWith(repo)).toBe(false);
  // `prepack` builds too; building first keeps the build's output out of pack's JSON.
  await sh(packageDir, "npm", ["run", "build"]);
  const packed = JSON.parse(await sh(packageDir, "npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work]));
  tarball = join(work, packed[0].filename);

  app = join(work, "app");
  await cp(join(packageDir, "package-test/app"), app, { recursive: true });
  const root = JSON.parse(await readFile(join(repo, "package.json"), "utf8"));
  const dev = root.devDependencies as Record<string, string>;
  await writeFile(
    join(app, "package.json"),
    JSON.stringify(
      {
        name: "fresh-federation-app",
        private: true,
        type: "module",
        dependencies: {
          "@convex-edge-relay/federation": `file:${tarball}`,
          convex: "1.48.0",
          zod: root.dependencies.zod,
        },
        devDependencies: {
          "@types/node": dev["@types/node"],
          "convex-test": dev["convex-test"],
          typescript: dev.typescript,
          vitest: dev.vitest,
        },
      },
      null,
      2,
    ),
  );
  await sh(app, "npm", ["install", "--no-audit", "--no-fund"]);
  relay = await startRelay();
}, 600_000);

afterAll(async () => {
  await relay?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** codegen, tsc and the app's own relay test, with whatever convex the app has installed. */
async function codegenTypecheckAndFederate(): Promise<void> {
  await sh(app, "npx", ["--no-install", "convex", "codegen", "--system-udfs", "--typecheck", "disable"]);
  await sh(app, "npx", ["--no-install", "tsc", "-p", "convex"]);
  const report = join(work, `vitest-${Date.now()}.json`);
  await sh(app, "npx", ["--no-install", "vitest", "run", "--reporter=json", `--outputFile=${report}`], appEnv({ RELAY_URL: relay.url, RELAY_ADMIN_TOKEN: ADMIN_TOKEN }));
  const results = JSON.parse(await readFile(report, "utf8"));
  expect({ passed: results.numPassedTests, failed: results.numFailedTests }).toEqual({ passed: 1, failed: 0 });
}

describe("the packed component in a fresh app outside the repository", () => {
  it("ships only dist/, with convex and zod as peer dependencies and no import leaving the package", async () => {
    const listing = JSON.parse(await sh(packageDir, "npm", ["pack", "--dry-run", "--json", "--ignore-scripts"]))[0];
    const files: string[] = listing.files.map((f: { path: string }) => f.path);
    expect(files.every((f) => f.startsWith("dist/") || f === "package.json" || f === "README.md")).toBe(true);
    for (const required of ["dist/client/index.js", "dist/client/index.d.ts", "dist/component/_generated/component.d.ts", "dist/test.js"]) {
      expect(files).toContain(required);
    }
    // One built file per Convex module, at the same path: the component's function paths.
    const sources = (await readdir(join(packageDir, "component"), { recursive: true }))
      .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
      .map((f) => `dist/component/${f.replace(/\.ts$/, ".js")}`);
    const built = files.filter((f) => f.startsWith("dist/component/") && f.endsWith(".js"));
    expect(built.sort()).toEqual(sources.sort());
    const manifest = JSON.parse(await readFile(join(packageDir, "package.json"), "utf8"));
    expect(manifest.dependencies).toBeUndefined();
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual(["convex", "zod"]);
    // The installed package resolves nothing but itself, convex and zod.
    const installed = join(app, "node_modules/@convex-edge-relay/federation/dist");
    const specifiers = new Set<string>();
    const leaving: string[] = [];
    for (const file of (await readdir(installed, { recursive: true })).filter((f) => f.endsWith(".js"))) {
      const source = await readFile(join(installed, file), "utf8");
      for (const match of source.matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g)) {
        const specifier = match[1]!;
        if (!specifier.startsWith(".")) specifiers.add(specifier.split("/")[0]!);
        else if (!resolve(installed, file, "..", specifier).startsWith(installed)) leaving.push(`${file}: ${specifier}`);
      }
    }
    expect(leaving).toEqual([]);
    expect([...specifiers].sort()).toEqual(["convex", "zod"]);
  });

  it("with convex 1.48: codegen and tsc pass, and two instances federate through the relay", async () => {
    const { version } = JSON.parse(await readFile(join(app, "node_modules/convex/package.json"), "utf8"));
    expect(version).toBe("1.48.0");
    await codegenTypecheckAndFederate();
  });

  it("with the latest convex 1.x from the registry: the same", async () => {
    await sh(app, "npm", ["install", "--no-audit", "--no-fund", "convex@^1"]);
    const { version } = JSON.parse(await readFile(join(app, "node_modules/convex/package.json"), "utf8"));
    expect(version).toMatch(/^1\./);
    await codegenTypecheckAndFederate();
  });
});
