import type { Job, JobArtifact, Pipeline, Project, User } from "../../schema";
import { isExecuting } from "../auth/rules";

/** GitLab's API timestamps: ISO 8601 in UTC with milliseconds. */
export const iso = (date: Date | null | undefined): string | null => (date ? date.toISOString() : null);

const seconds = (from: Date | null, to: Date | null) =>
  from && to ? Math.round(to.getTime() - from.getTime()) / 1000 : null;

/** API::Entities::UserBasic: who triggered a pipeline. */
export function userBasicEntity(user: User, baseUrl: string) {
  return {
    id: user.id,
    username: user.username,
    name: user.name,
    state: user.state,
    locked: false,
    avatar_url: null,
    web_url: `${baseUrl}/${user.username}`,
  };
}

export function userEntity(user: User, baseUrl: string) {
  // API::Entities::User; profile fields we do not keep are GitLab's empty values.
  return {
    ...userBasicEntity(user, baseUrl),
    created_at: iso(user.created_at),
    bio: "",
    location: "",
    public_email: null,
    skype: "",
    linkedin: "",
    twitter: "",
    discord: "",
    website_url: "",
    organization: "",
    job_title: "",
    pronouns: null,
    bot: false,
    work_information: null,
    followers: 0,
    following: 0,
    local_time: null,
  };
}

/** The admin API's answer to user creation. */
export const createdUserEntity = (user: User) => ({
  id: user.id,
  username: user.username,
  name: user.name,
  state: user.state,
  admin: user.admin,
});

export function pipelineEntity(pipeline: Pipeline, project: Pick<Project, "full_path">, baseUrl: string) {
  return {
    id: pipeline.id,
    iid: pipeline.iid,
    project_id: pipeline.project_id,
    sha: pipeline.sha,
    ref: pipeline.ref,
    status: pipeline.status,
    source: pipeline.source,
    created_at: iso(pipeline.created_at),
    updated_at: iso(pipeline.updated_at),
    web_url: `${baseUrl}/${project.full_path}/-/pipelines/${pipeline.id}`,
  };
}

function commitEntity(pipeline: Pipeline, project: Pick<Project, "full_path">, baseUrl: string) {
  // We keep no commits: the pipeline's sha is all we know, the rest is GitLab's shape, empty.
  const date = iso(pipeline.created_at);
  return {
    id: pipeline.sha,
    short_id: pipeline.sha.slice(0, 8),
    created_at: date,
    parent_ids: [],
    title: "",
    message: "",
    author_name: "",
    author_email: "",
    authored_date: date,
    committer_name: "",
    committer_email: "",
    committed_date: date,
    trailers: {},
    extended_trailers: {},
    web_url: `${baseUrl}/${project.full_path}/-/commit/${pipeline.sha}`,
  };
}

export interface JobView {
  readonly job: Job;
  readonly pipeline: Pipeline;
  readonly project: Project;
  readonly user: User | null;
  readonly artifacts: readonly Pick<JobArtifact, "file_type" | "file_format" | "file_name" | "size">[];
}

/** API::Entities::Ci::Job, keys in GitLab's order (reference section 8). */
export function jobEntity(view: JobView, baseUrl: string, now: Date) {
  const { job, pipeline, project, user, artifacts } = view;
  const archive = artifacts.find((a) => a.file_type === "archive");
  const unexpired = !job.artifacts_expire_at || job.artifacts_expire_at > now;
  const running = isExecuting(job.status);
  return {
    id: job.id,
    status: job.status,
    stage: job.stage,
    name: job.name,
    ref: pipeline.ref,
    tag: pipeline.tag,
    coverage: job.coverage,
    allow_failure: job.allow_failure,
    created_at: iso(job.created_at),
    started_at: iso(job.started_at),
    finished_at: iso(job.finished_at),
    erased_at: iso(job.erased_at),
    duration: seconds(job.started_at, job.finished_at ?? (running ? now : null)),
    queued_duration: seconds(job.queued_at ?? job.created_at, job.started_at),
    user: user ? userEntity(user, baseUrl) : null,
    commit: commitEntity(pipeline, project, baseUrl),
    pipeline: pipelineEntity(pipeline, project, baseUrl),
    ...(job.status === "failed" ? { failure_reason: job.failure_reason ?? "unknown_failure" } : {}),
    web_url: `${baseUrl}/${project.full_path}/-/jobs/${job.id}`,
    project: { ci_job_token_scope_enabled: project.ci_outbound_job_token_scope_enabled },
    ...(archive && unexpired ? { artifacts_file: { filename: archive.file_name, size: archive.size } } : {}),
    artifacts: artifacts.map((a) => ({
      file_type: a.file_type,
      size: a.size,
      filename: a.file_name,
      file_format: a.file_format,
    })),
    runner: null,
    runner_manager: null,
    artifacts_expire_at: iso(job.artifacts_expire_at),
    archived: false,
    tag_list: [...job.tag_list].sort(),
  };
}

/**
 * GET /user: API::Entities::UserPublic (UserWithAdmin adds is_admin and note for an admin).
 * What we do not keep is GitLab's value for a user who never set it.
 */
export function currentUserEntity(user: User, baseUrl: string) {
  return {
    ...userEntity(user, baseUrl),
    last_sign_in_at: null,
    confirmed_at: iso(user.created_at),
    last_activity_on: null,
    email: user.email,
    theme_id: 1,
    color_scheme_id: 1,
    projects_limit: 100000,
    current_sign_in_at: null,
    identities: [],
    can_create_group: user.admin,
    can_create_project: user.admin,
    two_factor_enabled: false,
    external: false,
    private_profile: false,
    commit_email: user.email,
    ...(user.admin ? { is_admin: true, note: null } : {}),
  };
}

/** DetailedStatusEntity's text, label, icon and group for each status (Gitlab::Ci::Status::*). */
const DETAILED_STATUS: Record<Pipeline["status"], { text: string; label: string; group: string; icon: string }> = {
  created: { text: "Created", label: "created", group: "created", icon: "status_created" },
  pending: { text: "Pending", label: "pending", group: "pending", icon: "status_pending" },
  running: { text: "Running", label: "running", group: "running", icon: "status_running" },
  success: { text: "Passed", label: "passed", group: "success", icon: "status_success" },
  failed: { text: "Failed", label: "failed", group: "failed", icon: "status_failed" },
  canceled: { text: "Canceled", label: "canceled", group: "canceled", icon: "status_canceled" },
  canceling: { text: "Canceling", label: "canceling", group: "canceling", icon: "status_canceled" },
  skipped: { text: "Skipped", label: "skipped", group: "skipped", icon: "status_skipped" },
  manual: { text: "Blocked", label: "waiting for manual action", group: "manual", icon: "status_manual" },
};

/** A pipeline as the list shows it: API::Entities::Ci::PipelineBasicWithMetadata (we keep no name). */
export const pipelineListEntity = (pipeline: Pipeline, project: Pick<Project, "full_path">, baseUrl: string) => ({
  ...pipelineEntity(pipeline, project, baseUrl),
  name: null,
});

/**
 * One pipeline: API::Entities::Ci::PipelineWithMetadata, keys in GitLab's order. We keep no
 * commits, YAML or coverage: before_sha is the null sha, committed_at and coverage null.
 */
export function pipelineDetailEntity(
  view: { pipeline: Pipeline; user: User | null },
  project: Pick<Project, "full_path">,
  baseUrl: string,
) {
  const { pipeline, user } = view;
  const status = DETAILED_STATUS[pipeline.status];
  const duration = seconds(pipeline.started_at, pipeline.finished_at);
  const queued = seconds(pipeline.created_at, pipeline.started_at);
  const webUrl = `${baseUrl}/${project.full_path}/-/pipelines/${pipeline.id}`;
  return {
    ...pipelineEntity(pipeline, project, baseUrl),
    before_sha: "0000000000000000000000000000000000000000",
    tag: pipeline.tag,
    yaml_errors: null,
    user: user ? userBasicEntity(user, baseUrl) : null,
    started_at: iso(pipeline.started_at),
    finished_at: iso(pipeline.finished_at),
    committed_at: null,
    // Ci::Pipeline#duration and queued_duration are whole seconds.
    duration: duration === null ? null : Math.round(duration),
    queued_duration: queued === null ? null : Math.round(queued),
    coverage: null,
    detailed_status: {
      icon: status.icon,
      text: status.text,
      label: status.label,
      group: status.group,
      tooltip: status.label,
      has_details: true,
      details_path: new URL(webUrl).pathname,
      illustration: null,
      favicon: `/assets/ci_favicons/favicon_${status.icon}.png`,
    },
    name: null,
  };
}

/** A project's namespace as API::Entities::NamespaceBasic shows it (we keep its path only). */
function namespaceEntity(project: Project, baseUrl: string) {
  const path = project.namespace || "root";
  const segments = path.split("/");
  return {
    id: null,
    name: segments.at(-1),
    path: segments.at(-1),
    kind: segments.length === 1 && path === "root" ? "user" : "group",
    full_path: path,
    parent_id: null,
    avatar_url: null,
    web_url: `${baseUrl}/${path}`,
  };
}

/**
 * GET /projects/:id: API::Entities::ProjectDetails for anonymous callers, ProjectWithAccess
 * (with `permissions`) for the others; the fields this service keeps, with GitLab's names,
 * order and the CI/CD settings it serves by.
 */
export function projectEntity(project: Project, baseUrl: string, accessLevel: number | null) {
  const webUrl = `${baseUrl}/${project.full_path}`;
  const apiUrl = `${baseUrl}/api/v4/projects/${project.id}`;
  const namespace = namespaceEntity(project, baseUrl);
  const builds = project.builds_enabled ? "enabled" : "disabled";
  return {
    id: project.id,
    description: null,
    name: project.path,
    name_with_namespace: [...namespace.full_path.split("/"), project.path].join(" / "),
    path: project.path,
    path_with_namespace: project.full_path,
    created_at: iso(project.created_at),
    default_branch: null,
    tag_list: [],
    topics: [],
    ssh_url_to_repo: null,
    http_url_to_repo: `${webUrl}.git`,
    web_url: webUrl,
    readme_url: null,
    forks_count: 0,
    avatar_url: null,
    star_count: 0,
    last_activity_at: iso(project.created_at),
    namespace,
    _links: {
      self: apiUrl,
      repo_branches: `${apiUrl}/repository/branches`,
      labels: `${apiUrl}/labels`,
      events: `${apiUrl}/events`,
      members: `${apiUrl}/members`,
      cluster_agents: `${apiUrl}/cluster_agents`,
    },
    empty_repo: true,
    archived: false,
    visibility: project.visibility,
    jobs_enabled: project.builds_enabled,
    builds_access_level: builds,
    public_jobs: project.public_builds,
    ci_job_token_scope_enabled: project.ci_outbound_job_token_scope_enabled,
    keep_latest_artifact: project.keep_latest_artifact,
    ...(accessLevel === null
      ? {}
      : {
          permissions: {
            project_access: accessLevel > 0 ? { access_level: accessLevel, notification_level: 3 } : null,
            group_access: null,
          },
        }),
  };
}
