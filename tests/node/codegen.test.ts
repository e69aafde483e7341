import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GENERATED_VALIDATOR_PATH, generateIngestBodyValidator } from "../../scripts/codegen/ingest-body-validator.ts";
import { generateOpenApiDocument, OPENAPI_PATH } from "../../scripts/codegen/openapi.ts";

const ROOT = join(import.meta.dirname, "..", "..");

describe("generated code", () => {
  it("the ingest body validator is generated from the current zod schema (npm run codegen)", () => {
    const path = join(ROOT, GENERATED_VALIDATOR_PATH);
    const fresh = generateIngestBodyValidator();
    // `npm run codegen` sets this to rewrite the file instead of comparing it.
    if (process.env.UPDATE_GENERATED === "1") writeFileSync(path, fresh);
    expect(readFileSync(path, "utf8"), `${GENERATED_VALIDATOR_PATH} is stale: run npm run codegen`).toBe(fresh);
  });

  it("openapi.json is generated from the current route list and zod schemas (npm run codegen)", () => {
    const path = join(ROOT, OPENAPI_PATH);
    const fresh = generateOpenApiDocument();
    if (process.env.UPDATE_GENERATED === "1") writeFileSync(path, fresh);
    expect(readFileSync(path, "utf8"), `${OPENAPI_PATH} is stale: run npm run codegen`).toBe(fresh);
  });
});
