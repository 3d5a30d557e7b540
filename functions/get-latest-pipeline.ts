import { apiReader, canReadBuilds, readableProject } from "../lib/auth/reader";
import { latestPipelineView } from "../lib/ci/pipeline-list";
import { forbidden } from "../lib/errors";
import { pipelineDetailEntity } from "../lib/http/entities";
import { baseUrl, queryParam } from "../lib/http/request";
import type { App } from "./app";

/** The ref `latest` reads without `ref=`: GitLab takes the default branch; we keep none, so main. */
export const DEFAULT_BRANCH = "main";

/**
 * GET /api/v4/projects/:id/pipelines/latest?ref= (lib/api/ci/pipelines.rb): the ref's newest
 * pipeline. `authorize! :read_pipeline, latest_pipeline` is GitLab's only check after
 * find_project!, so a ref without pipelines is 403, as is a caller who may not read pipelines.
 */
export function register(app: App) {
  app.get("/api/v4/projects/:id/pipelines/latest", async (c) => {
    const reader = await apiReader(c, { jobToken: false });
    const ref = queryParam(c, "ref") || DEFAULT_BRANCH;
    const access = await readableProject(c, reader);
    const view = await latestPipelineView(c.var.services.db, access.project.id, ref);
    if (!view || !canReadBuilds(access)) throw forbidden();
    return c.json(pipelineDetailEntity(view, access.project, baseUrl(c)));
  });
}
