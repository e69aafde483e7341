import type { FunctionReference } from "convex/server";
import { describe, expect, expectTypeOf, test } from "vitest";
import type { api } from "./_generated/api";
import type { ComponentApi } from "./_generated/component";
import type { env } from "./_generated/server";
import type component from "./convex.config";
import type { ComponentEnvVar } from "./lib/env";

/**
 * The type assertions here fail `tsc -p convex/tsconfig.json` (part of `npm run typecheck`)
 * when `_generated` drifts from the code; the runtime test covers what types cannot see.
 */

/**
 * What an app sees of the component: each public function, as an internal reference under
 * the component's name. This is what `npx convex dev` would write into `component.ts`.
 */
type Exposed<Api, Name extends string> = {
  [K in keyof Api]: Api[K] extends FunctionReference<infer Type, "public", infer Args, infer Returns>
    ? FunctionReference<Type, "internal", Args, Returns, Name>
    : Exposed<Api[K], Name>;
};

describe("the hand-written _generated", () => {
  test("component.ts declares exactly the component's public functions, with their types", () => {
    expectTypeOf<ComponentApi<"federation">>().toEqualTypeOf<Exposed<typeof api, "federation">>();
  });

  test("server.ts's env is the platform's vars and those convex.config.ts declares", () => {
    type Declared = keyof (typeof component)["__env"];
    expectTypeOf<Exclude<keyof typeof env, "CONVEX_CLOUD_URL" | "CONVEX_SITE_URL">>().toEqualTypeOf<Declared>();
    expectTypeOf<Declared>().toEqualTypeOf<ComponentEnvVar>();
  });

  test("api.ts imports every module of the component", async () => {
    const modules = import.meta.glob(["./**/*.ts", "!./**/*.test.ts", "!./_generated/**", "!./schema.ts", "!./convex.config.ts"]);
    const apiSource = (await import("./_generated/api.ts?raw")).default;
    const listed = [...apiSource.matchAll(/from "\.\.\/(.+)\.js";/g)].map((match) => match[1]).sort();
    const actual = Object.keys(modules)
      .map((path) => path.replace(/^\.\//, "").replace(/\.ts$/, ""))
      .sort();
    expect(listed).toEqual(actual);
  });
});
