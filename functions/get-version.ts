import { apiReader, requireReader } from "../lib/auth/reader";
import type { App } from "./app";

/**
 * The GitLab release whose API we follow: the job, pipeline and metadata shapes here are
 * GitLab 18's (the job entity's `archived`, the metadata's kas.externalK8sProxyUrl).
 */
export const GITLAB_VERSION = "18.0.0";

/**
 * GET /api/v4/version: lib/api/metadata.rb's deprecated alias of /metadata. Any token (`read_user`
 * enough), 401 without one. No KAS here, and this is no Enterprise Edition.
 */
export function register(app: App) {
  app.get("/api/v4/version", async (c) => {
    requireReader(await apiReader(c, { jobToken: false, extraScopes: ["read_user"] }));
    return c.json({
      version: GITLAB_VERSION,
      revision: "artifact-edge",
      kas: { enabled: false, externalUrl: null, externalK8sProxyUrl: null, version: null },
      enterprise: false,
    });
  });
}
