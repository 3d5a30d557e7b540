import { z } from "zod";
import { apiReader, requireReader } from "../lib/auth/reader";
import { defineRoute, errorResponses, jsonResponse } from "../lib/http/route";
import type { App } from "./app";

/**
 * The GitLab release whose API we follow: the job, pipeline and metadata shapes here are
 * GitLab 18's (the job entity's `archived`, the metadata's kas.externalK8sProxyUrl).
 */
export const GITLAB_VERSION = "18.0.0";

const VersionSchema = z
  .strictObject({
    version: z.string(),
    revision: z.string(),
    kas: z.strictObject({
      enabled: z.boolean(),
      externalUrl: z.string().nullable(),
      externalK8sProxyUrl: z.string().nullable(),
      version: z.string().nullable(),
    }),
    enterprise: z.boolean(),
  })
  .meta({ id: "Metadata" });

export const route = defineRoute({
  method: "get",
  path: "/api/v4/version",
  operationId: "getVersion",
  summary: "GitLab's version (the deprecated alias of /metadata)",
  tags: ["Metadata"],
  responses: { 200: jsonResponse(VersionSchema, "The version"), ...errorResponses(401, 403) },
});

/**
 * GET /api/v4/version: lib/api/metadata.rb's deprecated alias of /metadata. Any token (`read_user`
 * enough), 401 without one. No KAS here, and this is no Enterprise Edition.
 */
export function register(app: App) {
  app.on(route.method, route.path, async (c) => {
    requireReader(await apiReader(c, { jobToken: false, extraScopes: ["read_user"] }));
    return c.json({
      version: GITLAB_VERSION,
      revision: "artifact-edge",
      kas: { enabled: false, externalUrl: null, externalK8sProxyUrl: null, version: null },
      enterprise: false,
    });
  });
}
