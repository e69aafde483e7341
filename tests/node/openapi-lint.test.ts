import { readFileSync } from "node:fs";
import { join } from "node:path";
import SwaggerParser from "@apidevtools/swagger-parser";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");

describe("openapi.json", () => {
  it("is a valid OpenAPI 3.1 document (@apidevtools/swagger-parser)", async () => {
    const document = JSON.parse(readFileSync(join(ROOT, "openapi.json"), "utf8"));
    expect(document.openapi).toBe("3.1.0");
    // Validates against the OpenAPI 3.1 schema and resolves every $ref; throws on any error.
    const api = await SwaggerParser.validate(structuredClone(document));
    expect(Object.keys(api.paths ?? {}).length).toBeGreaterThan(10);
  });

  it("describes an error response for every operation, in the contract's error shape", () => {
    const document = JSON.parse(readFileSync(join(ROOT, "openapi.json"), "utf8"));
    for (const [path, item] of Object.entries<Record<string, { responses: Record<string, unknown> }>>(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const statuses = Object.keys(operation.responses);
        expect(statuses, `${method} ${path}`).toContain("500");
        expect(statuses.some((s) => s.startsWith("2") || s === "101"), `${method} ${path}`).toBe(true);
      }
    }
  });
});
