import { ACCESS_LEVELS } from "../../schema";
import { forbidden, notFound, recordNotFound } from "../errors";
import type { Download, DownloadJob, DownloadProject } from "./lookup";
import type { DownloadPrincipal } from "./principal";

/** A download that passed: its project and job exist. */
export type AuthorizedDownload = Download & { readonly project: DownloadProject; readonly job: DownloadJob };

/**
 * GitLab's checks in lib/api/ci/job_artifacts.rb order: find_project! (404, or 403 for a job
 * token; read_project), read_build (403), the job (404 Not found), read_job_artifacts (403),
 * as app/policies/project_policy.rb and ci/build_policy.rb grant them.
 */
export function authorizeDownload(
  download: Download,
  principal: DownloadPrincipal,
): asserts download is AuthorizedDownload {
  const { project } = download;
  if (!project) throw notFound("Project");
  const readProject =
    principal.admin ||
    project.visibility === "public" ||
    (project.visibility === "internal" && principal.kind !== "anonymous") ||
    principal.accessLevel > 0;
  if (!readProject) {
    if (principal.kind === "job") {
      throw forbidden(
        `Authentication by CI/CD job token not allowed from ${principal.jobProjectPath} to ${project.path}.`,
      );
    }
    throw notFound("Project");
  }
  const readBuild =
    project.buildsEnabled &&
    (principal.admin || principal.accessLevel >= ACCESS_LEVELS.reporter || project.publicBuilds);
  if (!readBuild) throw forbidden();
  if (!download.job) throw recordNotFound();
  // A job without an archive row counts as public (GitLab's backward compatibility).
  const accessibility = download.archive?.accessibility ?? "public";
  if (accessibility === "none") throw forbidden();
  if (accessibility === "private" && !principal.admin && principal.accessLevel < ACCESS_LEVELS.developer)
    throw forbidden();
}
