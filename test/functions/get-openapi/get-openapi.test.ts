import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { ROUTES } from "../../../functions/app";
import { openApiPath } from "../../../lib/http/route";
import { checkContract, routeFor } from "../../helpers/contract";
import { harness } from "../../helpers/harness";

const h = harness();

type Document = { openapi: string; paths: Record<string, Record<string, { operationId: string }>> };

async function fetchDocument(): Promise<Document> {
  const res = await h.fetch("/api/v4/openapi.json");
  expect(res.status).toBe(200);
  return h.json<Document>(res);
}

/** "GET /api/v4/projects/{id}" for each operation of the document. */
const documented = (document: Document) =>
  Object.entries(document.paths).flatMap(([path, item]) =>
    Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
  );

describe("GET /api/v4/openapi.json", () => {
  it("is a valid OpenAPI 3.1 document, public and cacheable", async () => {
    const res = await h.fetch("/api/v4/openapi.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    const document = await h.json<Document>(res);
    expect(document.openapi).toBe("3.1.0");
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("documents every route the app registers, and nothing else", async () => {
    const registered = h.app.routes
      // The middlewares (every method, every path) are no operations.
      .filter((route) => route.method !== "ALL")
      .map((route) => `${route.method} ${openApiPath(route.path).path}`);
    const operations = documented(await fetchDocument());
    expect(new Set(operations).size).toBe(operations.length);
    expect([...operations].sort()).toEqual([...new Set(registered)].sort());
    expect(operations).toHaveLength(ROUTES.length);
  });

  it("names each operation once, and maps Hono's regex and wildcard params to templates", async () => {
    const document = await fetchDocument();
    const ids = Object.values(document.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
    expect(new Set(ids).size).toBe(ids.length);
    expect(document.paths["/api/v4/projects/{id}/jobs/artifacts/{ref_name}/raw/{artifact_path}"]?.get).toBeDefined();
    expect(document.paths["/{id}/-/jobs/{job_id}/artifacts/browse/{path}"]?.get).toBeDefined();
    expect(Object.keys(document.paths).filter((path) => /[:*]/.test(path))).toEqual([]);
  });
});

describe("the tests' contract check", () => {
  it("finds the route that answers a path, as the app's router does", () => {
    expect(routeFor("GET", "/api/v4/projects/1/jobs/2/artifacts/keep")?.operationId).toBe("getJobArtifactFile");
    expect(routeFor("POST", "/api/v4/projects/1/jobs/2/artifacts/keep")?.operationId).toBe("keepJobArtifacts");
    expect(routeFor("HEAD", "/group/sub/project/-/jobs/3/artifacts/browse/a/b")?.operationId).toBe(
      "browseJobArtifactsDirectory",
    );
  });

  it("refuses a JSON answer whose body its schema does not allow, or whose status is not documented", async () => {
    const answer = (body: unknown, status: number) => Response.json(body, { status });
    await expect(checkContract("GET", "/api/v4/version", answer({ version: "18.0.0" }, 200))).rejects.toThrow(
      /body its schema refuses/,
    );
    const extra = { version: "1", revision: "r", kas: {}, enterprise: false, extra: 1 };
    await expect(checkContract("GET", "/api/v4/version", answer(extra, 200))).rejects.toThrow();
    await expect(checkContract("GET", "/api/v4/version", answer({ message: "x" }, 418))).rejects.toThrow(
      /a status its route definition does not document/,
    );
    await expect(
      checkContract("GET", "/api/v4/version", answer({ message: "503 Service Unavailable" }, 503)),
    ).resolves.toBeUndefined();
  });
});

describe("GET /api/v4/docs", () => {
  it("renders every operation with its parameters and answers, with no script or external asset", async () => {
    const res = await h.fetch("/api/v4/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    const html = await res.text();
    for (const operation of documented(await fetchDocument())) {
      const [method, path] = operation.split(" ");
      expect(html).toContain(`${method} ${path}`);
    }
    for (const route of ROUTES) expect(html).toContain(`id="${route.operationId}"`);
    expect(html).toContain("<code>job_id</code>");
    expect(html).toContain("ci_job_token_scope_enabled");
    expect(html).not.toMatch(/<script|<link|src="http|href="http/i);
  });
});
