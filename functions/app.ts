import { Hono } from "hono";
import { ApiError, internalError, routeNotFound, serviceUnavailable } from "../lib/errors";
import type { AppContext, AppEnv } from "../lib/http/app-env";
import { rejectNullBytes } from "../lib/http/null-bytes";
import type { RouteDefinition } from "../lib/http/route";
import { causeChain, logWith, stackFrames } from "../lib/platform/log";
import type { Services } from "../lib/platform/services";
import { isUnavailable } from "../lib/platform/unavailable";
import * as addJobTokenAllowlist from "./add-job-token-allowlist";
import * as addProjectMember from "./add-project-member";
import * as authorizeJobArtifacts from "./authorize-job-artifacts";
import * as blockUser from "./block-user";
import * as browseJobArtifacts from "./browse-job-artifacts";
import * as createJob from "./create-job";
import * as createPersonalAccessToken from "./create-personal-access-token";
import * as createPipeline from "./create-pipeline";
import * as createProject from "./create-project";
import * as createUser from "./create-user";
import * as deleteJobArtifacts from "./delete-job-artifacts";
import * as deleteProjectArtifacts from "./delete-project-artifacts";
import * as getApiDocs from "./get-api-docs";
import * as getCurrentUser from "./get-current-user";
import * as getJob from "./get-job";
import * as getJobArtifactFile from "./get-job-artifact-file";
import * as getJobArtifacts from "./get-job-artifacts";
import * as getLatestPipeline from "./get-latest-pipeline";
import * as getOpenApi from "./get-openapi";
import * as getPipeline from "./get-pipeline";
import * as getProject from "./get-project";
import * as getRefArtifactFile from "./get-ref-artifact-file";
import * as getRefArtifacts from "./get-ref-artifacts";
import * as getVersion from "./get-version";
import * as getWebJobArtifactPage from "./get-web-job-artifact-page";
import * as getWebJobArtifactRaw from "./get-web-job-artifact-raw";
import * as getWebJobArtifacts from "./get-web-job-artifacts";
import * as getWebRefArtifacts from "./get-web-ref-artifacts";
import * as keepJobArtifacts from "./keep-job-artifacts";
import * as listPipelineJobs from "./list-pipeline-jobs";
import * as listPipelines from "./list-pipelines";
import * as listProjectJobs from "./list-project-jobs";
import * as revokePersonalAccessToken from "./revoke-personal-access-token";
import * as runArtifactCleanup from "./run-artifact-cleanup";
import * as unblockUser from "./unblock-user";
import * as updateJob from "./update-job";
import * as updateJobTokenScope from "./update-job-token-scope";
import * as uploadJobArtifacts from "./upload-job-artifacts";

export type App = Hono<AppEnv>;

/**
 * Every route's definition, in the order createApp registers them: what /api/v4/openapi.json
 * documents (test/functions/get-openapi checks the two lists are the same).
 */
export const ROUTES: readonly RouteDefinition[] = [
  getJobArtifacts.route,
  getRefArtifacts.route,
  getJobArtifactFile.route,
  getRefArtifactFile.route,
  getWebJobArtifacts.route,
  getWebJobArtifactRaw.route,
  getWebJobArtifactPage.route,
  browseJobArtifacts.route,
  browseJobArtifacts.directoryRoute,
  getWebRefArtifacts.route,
  keepJobArtifacts.route,
  deleteJobArtifacts.route,
  deleteProjectArtifacts.route,
  runArtifactCleanup.route,
  createUser.route,
  createPersonalAccessToken.route,
  blockUser.route,
  unblockUser.route,
  revokePersonalAccessToken.route,
  createProject.route,
  addProjectMember.route,
  updateJobTokenScope.route,
  addJobTokenAllowlist.route,
  createPipeline.route,
  createJob.route,
  updateJob.route,
  authorizeJobArtifacts.route,
  uploadJobArtifacts.route,
  getCurrentUser.route,
  getVersion.route,
  getProject.route,
  listProjectJobs.route,
  getJob.route,
  listPipelines.route,
  getLatestPipeline.route,
  getPipeline.route,
  listPipelineJobs.route,
  getOpenApi.route,
  getApiDocs.route,
];

/** Builds the services for one request, and says how to let them go once it is answered. */
export type ServicesProvider = (c: AppContext) => Promise<{ services: Services; release?: () => void }>;

/** The answer for an error: Rails' JSON, or Workhorse's plain text when the body is a string. */
export function errorResponse(error: ApiError): Response {
  const headers = new Headers(error.headers);
  if (typeof error.body === "string") {
    headers.set("Content-Type", "text/plain; charset=utf-8");
    return new Response(error.body, { status: error.status, headers });
  }
  headers.set("Content-Type", "application/json");
  return new Response(JSON.stringify(error.body), { status: error.status, headers });
}

/**
 * The answer for what a handler threw. A 500 whose cause is PostgreSQL or storage being
 * unavailable (refused, reset, timed out, 5xx) becomes the one 503 with Retry-After, whichever
 * surface (Rails' or Workhorse's) it was first mapped to; its log fields stay.
 */
function answerFor(error: unknown): ApiError {
  const answer = error instanceof ApiError ? error : internalError({ cause: error });
  if (answer.status !== 500 || !isUnavailable(answer.cause)) return answer;
  return serviceUnavailable({ cause: answer.cause, fields: answer.logFields });
}

/** Every 5xx is one log line with its cause chain (never a message that could carry SQL parameters). */
function render(c: AppContext, error: unknown): Response {
  const answer = answerFor(error);
  if (answer.status >= 500) {
    c.var.services?.log.error("server error", {
      method: c.req.method,
      path: c.req.path,
      status: answer.status,
      ...answer.logFields,
      cause: causeChain(answer.cause),
      stack: stackFrames(answer.cause),
    });
  }
  return errorResponse(answer);
}

/**
 * The request's id: Cloudflare's cf-ray when the request came through Cloudflare (the edge sets
 * the header and `request.cf`; a client cannot choose either), kept only as Hono's requestId()
 * keeps one (up to 255 of [\w\-=]); otherwise a fresh one. On the Node entry a client-sent cf-ray
 * is ignored, as Workhorse ignores an untrusted X-Request-Id.
 */
function requestIdOf(request: Request): string {
  const incoming = (request as { cf?: unknown }).cf ? request.headers.get("cf-ray") : null;
  return incoming && incoming.length <= 255 && !/[^\w\-=]/.test(incoming) ? incoming : crypto.randomUUID();
}

export function createApp(provide: ServicesProvider): App {
  const app = new Hono<AppEnv>();

  app.use(async (c, next) => {
    const requestId = requestIdOf(c.req.raw);
    c.set("requestId", requestId);
    const { services, release } = await provide(c);
    // Every line lib/ logs for this request carries its id (Unkey's middleware/init.ts).
    c.set("services", { ...services, log: logWith(services.log, { requestId }) });
    try {
      await next();
    } finally {
      release?.();
    }
    // Every API answer carries these (GitLab's lib/api/api.rb before hook).
    c.res.headers.set("X-Frame-Options", "SAMEORIGIN");
    c.res.headers.set("X-Content-Type-Options", "nosniff");
    c.res.headers.set("X-Request-Id", c.var.requestId);
  });

  app.use(rejectNullBytes);

  // The read API: GitLab's four download endpoints (GET and HEAD).
  getJobArtifacts.register(app);
  getRefArtifacts.register(app);
  getJobArtifactFile.register(app);
  getRefArtifactFile.register(app);

  // GitLab's web URLs of artifacts (pasted into READMEs and badges) and the artifact browser.
  getWebJobArtifacts.register(app);
  getWebJobArtifactRaw.register(app);
  getWebJobArtifactPage.register(app);
  browseJobArtifacts.register(app);
  getWebRefArtifacts.register(app);

  // Keep, delete and expire (retention).
  keepJobArtifacts.register(app);
  deleteJobArtifacts.register(app);
  deleteProjectArtifacts.register(app);
  runArtifactCleanup.register(app);

  // Admin and runner API (feeds the data); one file per operation.
  createUser.register(app);
  createPersonalAccessToken.register(app);
  blockUser.register(app);
  unblockUser.register(app);
  revokePersonalAccessToken.register(app);
  createProject.register(app);
  addProjectMember.register(app);
  updateJobTokenScope.register(app);
  addJobTokenAllowlist.register(app);
  createPipeline.register(app);
  createJob.register(app);
  updateJob.register(app);
  authorizeJobArtifacts.register(app);
  uploadJobArtifacts.register(app);

  // The API around artifacts: the token's user, version, project, jobs and pipelines (issue 10).
  getCurrentUser.register(app);
  getVersion.register(app);
  getProject.register(app);
  listProjectJobs.register(app);
  getJob.register(app);
  listPipelines.register(app);
  getLatestPipeline.register(app);
  getPipeline.register(app);
  listPipelineJobs.register(app);

  // The contract: OpenAPI 3.1 of every route above, and a page that reads it.
  getOpenApi.register(app, ROUTES);
  getApiDocs.register(app, ROUTES);

  app.notFound((c) => render(c, routeNotFound()));
  app.onError((error, c) => render(c, error));
  return app;
}
