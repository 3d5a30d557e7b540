import type { Credentials } from "../auth/credentials";
import type { Principal } from "../auth/principal";
import { ADMIN_ACCESS, jobTokenInScope, patFailure, userStateFailure } from "../auth/rules";
import { constantTimeEqual } from "../auth/tokens";
import { unauthorized } from "../errors";
import type { Download, JobTokenFound } from "./lookup";

/**
 * The principal of a download as its project sees it: who is asking (the same kinds as
 * lib/auth/principal.ts) and their role in the download's project.
 */
export interface DownloadPrincipal {
  readonly kind: Principal["kind"] | "job";
  readonly admin: boolean;
  /** Role in the project (0 none); for a job token outside the allowlist, member roles do not count. */
  readonly accessLevel: number;
  readonly jobProjectPath?: string;
}

const ANONYMOUS: DownloadPrincipal = { kind: "anonymous", admin: false, accessLevel: 0 };

function jobPrincipal(job: JobTokenFound, download: Download): DownloadPrincipal {
  // AuthFinders#find_user_from_job_token answers the job's user: with none there is no current
  // user, and find_project! treats the request as anonymous (404 on a private project, not the
  // job-token 403, which needs a user who came from a job token).
  if (job.userState === null) return ANONYMOUS;
  // api_guard#find_current_user! refuses the job's user as it would refuse them behind a PAT.
  const inactive = userStateFailure(job.userState);
  if (inactive) throw inactive;
  const project = download.project;
  // Ci::JobToken::Scope: outside its scope, a job token keeps public-level access only. A job
  // token never acts as an admin, as in GitLab with admin mode on: it is no admin_mode-scoped
  // token (api_guard.rb#bypass_session_for_admin_mode?).
  const inScope =
    project === null ||
    jobTokenInScope({
      sameProject: job.projectId === project.id,
      inboundEnabled: project.inboundScopeEnabled,
      linked: job.linked,
    });
  return { kind: "job", admin: false, accessLevel: inScope ? job.accessLevel : 0, jobProjectPath: job.projectPath };
}

/**
 * Resolves the credentials against what the statement found, GitLab's way: a Bearer value that
 * is an executing job's token wins; else the access token decides (401 when unknown, then
 * lib/auth/rules.ts's PAT failures); else a job token (401 unless its job is executing); else
 * anonymous.
 */
export function resolvePrincipal(
  download: Download,
  credentials: Credentials,
  method: string,
  adminToken: string,
): DownloadPrincipal {
  const { pat, job } = download.tokens;
  if (credentials.bearer && job) return jobPrincipal(job, download);
  if (credentials.access) {
    if (constantTimeEqual(credentials.access, adminToken)) {
      return { kind: "admin-token", admin: true, accessLevel: ADMIN_ACCESS };
    }
    if (!pat) throw unauthorized();
    const failure = patFailure(pat, method);
    if (failure) throw failure;
    return { kind: "user", admin: pat.admin, accessLevel: pat.admin ? ADMIN_ACCESS : pat.accessLevel };
  }
  if (credentials.job) {
    if (!job) throw unauthorized();
    return jobPrincipal(job, download);
  }
  return ANONYMOUS;
}
