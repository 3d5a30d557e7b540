import { randomBytes } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { authenticate, requireScope } from "../lib/auth";
import { pipelineEntity } from "../lib/entities";
import { badRequest, notFound } from "../lib/errors";
import { baseUrl, credentials, readParams } from "../lib/http";
import { boolish, idParam, parseParams } from "../lib/params";
import { createPipeline } from "../lib/pipelines";
import { requireProjectRole } from "../lib/projects";
import { actingUserId } from "../lib/users";
import { ACCESS_LEVELS, pipelines } from "../schema";
import type { App } from "./app";

/** GitLab's pipeline sources (app/models/enums/ci/pipeline.rb). */
const SOURCES = [
  "push",
  "web",
  "trigger",
  "schedule",
  "api",
  "external",
  "pipeline",
  "chat",
  "webide",
  "merge_request_event",
  "external_pull_request_event",
  "parent_pipeline",
  "ondemand_dast_scan",
  "ondemand_dast_validation",
  "security_orchestration_policy",
  "container_registry_push",
  "duo_workflow",
  "pipeline_execution_policy_schedule",
] as const;

const Params = z.object({
  ref: z.string().min(1).max(1024),
  sha: z
    .string()
    .regex(/^[0-9a-f]{40}$|^[0-9a-f]{64}$/)
    .optional(),
  tag: boolish.optional(),
  source: z.enum(SOURCES).optional(),
  parent_pipeline_id: idParam.optional(),
  user_id: idParam.optional(),
});

/**
 * POST /api/v4/projects/:id/pipelines: ours (GitLab builds pipelines from .gitlab-ci.yml).
 * Admins and the project's Developers create them; a pipeline with a parent is a child
 * pipeline (source parent_pipeline) of the same project.
 */
export function register(app: App) {
  app.post("/api/v4/projects/:id/pipelines", async (c) => {
    const { db, config } = c.var.services;
    const params = parseParams(Params, await readParams(c));
    const principal = await authenticate(db, credentials(c), { adminToken: config.ADMIN_TOKEN, jobTokens: false });
    requireScope(principal, c.req.method);
    const { project } = await requireProjectRole(db, c.req.param("id"), principal, ACCESS_LEVELS.developer);

    if (params.parent_pipeline_id !== undefined) {
      const [parent] = await db
        .select({ id: pipelines.id })
        .from(pipelines)
        .where(and(eq(pipelines.id, params.parent_pipeline_id), eq(pipelines.project_id, project.id)))
        .limit(1);
      if (!parent) throw notFound("Parent pipeline");
    } else if (params.source === "parent_pipeline") {
      throw badRequest("a parent_pipeline source needs parent_pipeline_id");
    }
    const userId = await actingUserId(
      db,
      principal,
      params.user_id,
      principal.kind === "user" ? principal.user.id : null,
    );
    const pipeline = await createPipeline(db, project, {
      ref: params.ref,
      sha: params.sha ?? randomBytes(20).toString("hex"),
      tag: params.tag ?? false,
      source: params.parent_pipeline_id !== undefined ? "parent_pipeline" : (params.source ?? "api"),
      parentPipelineId: params.parent_pipeline_id ?? null,
      userId,
    });
    return c.json(pipelineEntity(pipeline, project, baseUrl(c)), 201);
  });
}
