import { z } from "zod";
import type { Job, JobArtifact, Pipeline, Project, User } from "../../schema";
import { STATUSES } from "../../schema/pipelines";
import { isExecuting } from "../auth/rules";

/*
 * Each entity is a zod schema (what the OpenAPI document shows, and what the tests hold every
 * answer to) and a builder whose return type is that schema's: the two cannot drift apart.
 * Strict objects: a key the schema does not name fails the tests' check.
 */
const timestamp = z.string().meta({ format: "date-time" });
const nullableTimestamp = timestamp.nullable();
const status = z.enum(STATUSES);
const userState = z.enum(["active", "blocked", "deactivated"]);

/** GitLab's API timestamps: ISO 8601 in UTC with milliseconds. */
export const iso = (date: Date | null | undefined): string | null => (date ? date.toISOString() : null);

const seconds = (from: Date | null, to: Date | null) =>
  from && to ? Math.round(to.getTime() - from.getTime()) / 1000 : null;

export const UserBasicSchema = z
  .strictObject({
    id: z.number().int(),
    username: z.string(),
    name: z.string(),
    state: userState,
    locked: z.boolean(),
    avatar_url: z.string().nullable(),
    web_url: z.string(),
  })
  .meta({ id: "UserBasic", description: "API::Entities::UserBasic" });

/** API::Entities::UserBasic: who triggered a pipeline. */
export function userBasicEntity(user: User, baseUrl: string): z.infer<typeof UserBasicSchema> {
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

export const UserSchema = UserBasicSchema.extend({
  created_at: nullableTimestamp,
  bio: z.string(),
  location: z.string(),
  public_email: z.string().nullable(),
  skype: z.string(),
  linkedin: z.string(),
  twitter: z.string(),
  discord: z.string(),
  website_url: z.string(),
  organization: z.string(),
  job_title: z.string(),
  pronouns: z.string().nullable(),
  bot: z.boolean(),
  work_information: z.string().nullable(),
  followers: z.number().int(),
  following: z.number().int(),
  local_time: z.string().nullable(),
}).meta({ id: "User", description: "API::Entities::User" });

export function userEntity(user: User, baseUrl: string): z.infer<typeof UserSchema> {
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

export const CreatedUserSchema = z
  .strictObject({ id: z.number().int(), username: z.string(), name: z.string(), state: userState, admin: z.boolean() })
  .meta({ id: "CreatedUser", description: "The admin API's answer to user creation" });

/** The admin API's answer to user creation. */
export const createdUserEntity = (user: User): z.infer<typeof CreatedUserSchema> => ({
  id: user.id,
  username: user.username,
  name: user.name,
  state: user.state,
  admin: user.admin,
});

export const PipelineSchema = z
  .strictObject({
    id: z.number().int(),
    iid: z.number().int(),
    project_id: z.number().int(),
    sha: z.string(),
    ref: z.string(),
    status,
    source: z.string().meta({ description: "GitLab's pipeline source: push, api, parent_pipeline, …" }),
    created_at: nullableTimestamp,
    updated_at: nullableTimestamp,
    web_url: z.string(),
  })
  .meta({ id: "PipelineBasic", description: "API::Entities::Ci::PipelineBasic" });

export function pipelineEntity(
  pipeline: Pipeline,
  project: Pick<Project, "full_path">,
  baseUrl: string,
): z.infer<typeof PipelineSchema> {
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

const CommitSchema = z
  .strictObject({
    id: z.string(),
    short_id: z.string(),
    created_at: nullableTimestamp,
    parent_ids: z.array(z.string()),
    title: z.string(),
    message: z.string(),
    author_name: z.string(),
    author_email: z.string(),
    authored_date: nullableTimestamp,
    committer_name: z.string(),
    committer_email: z.string(),
    committed_date: nullableTimestamp,
    trailers: z.record(z.string(), z.string()),
    extended_trailers: z.record(z.string(), z.array(z.string())),
    web_url: z.string(),
  })
  .meta({ id: "Commit", description: "API::Entities::Commit (only the sha is known here)" });

function commitEntity(
  pipeline: Pipeline,
  project: Pick<Project, "full_path">,
  baseUrl: string,
): z.infer<typeof CommitSchema> {
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

const ArtifactFileSchema = z.strictObject({
  file_type: z.string(),
  size: z.number().int(),
  filename: z.string(),
  file_format: z.string().nullable(),
});

export const JobSchema = z
  .strictObject({
    id: z.number().int(),
    status,
    stage: z.string(),
    name: z.string(),
    ref: z.string(),
    tag: z.boolean(),
    coverage: z.number().nullable(),
    allow_failure: z.boolean(),
    created_at: nullableTimestamp,
    started_at: nullableTimestamp,
    finished_at: nullableTimestamp,
    erased_at: nullableTimestamp,
    duration: z.number().nullable(),
    queued_duration: z.number().nullable(),
    user: UserSchema.nullable(),
    commit: CommitSchema,
    pipeline: PipelineSchema,
    failure_reason: z.string().optional().meta({ description: "Only on a failed job" }),
    web_url: z.string(),
    project: z.strictObject({ ci_job_token_scope_enabled: z.boolean() }),
    artifacts_file: z
      .strictObject({ filename: z.string(), size: z.number().int() })
      .optional()
      .meta({ description: "The archive, while it has not expired" }),
    artifacts: z.array(ArtifactFileSchema),
    runner: z.null(),
    runner_manager: z.null(),
    artifacts_expire_at: nullableTimestamp,
    archived: z.boolean(),
    tag_list: z.array(z.string()),
  })
  .meta({ id: "Job", description: "API::Entities::Ci::Job" });

/** API::Entities::Ci::Job, keys in GitLab's order (reference section 8). */
export function jobEntity(view: JobView, baseUrl: string, now: Date): z.infer<typeof JobSchema> {
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

export const CurrentUserSchema = UserSchema.extend({
  last_sign_in_at: nullableTimestamp,
  confirmed_at: nullableTimestamp,
  last_activity_on: z.string().nullable(),
  email: z.string().nullable(),
  theme_id: z.number().int(),
  color_scheme_id: z.number().int(),
  projects_limit: z.number().int(),
  current_sign_in_at: nullableTimestamp,
  identities: z.array(z.unknown()),
  can_create_group: z.boolean(),
  can_create_project: z.boolean(),
  two_factor_enabled: z.boolean(),
  external: z.boolean(),
  private_profile: z.boolean(),
  commit_email: z.string().nullable(),
  is_admin: z.boolean().optional().meta({ description: "Only for an admin" }),
  note: z.string().nullable().optional().meta({ description: "Only for an admin" }),
}).meta({ id: "UserPublic", description: "API::Entities::UserPublic (UserWithAdmin for an admin)" });

/**
 * GET /user: API::Entities::UserPublic (UserWithAdmin adds is_admin and note for an admin).
 * What we do not keep is GitLab's value for a user who never set it.
 */
export function currentUserEntity(user: User, baseUrl: string): z.infer<typeof CurrentUserSchema> {
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

export const PipelineListSchema = PipelineSchema.extend({ name: z.string().nullable() }).meta({
  id: "PipelineBasicWithMetadata",
  description: "API::Entities::Ci::PipelineBasicWithMetadata",
});

/** A pipeline as the list shows it: API::Entities::Ci::PipelineBasicWithMetadata (we keep no name). */
export const pipelineListEntity = (
  pipeline: Pipeline,
  project: Pick<Project, "full_path">,
  baseUrl: string,
): z.infer<typeof PipelineListSchema> => ({
  ...pipelineEntity(pipeline, project, baseUrl),
  name: null,
});

export const PipelineDetailSchema = PipelineSchema.extend({
  before_sha: z.string(),
  tag: z.boolean(),
  yaml_errors: z.string().nullable(),
  user: UserBasicSchema.nullable(),
  started_at: nullableTimestamp,
  finished_at: nullableTimestamp,
  committed_at: nullableTimestamp,
  duration: z.number().int().nullable(),
  queued_duration: z.number().int().nullable(),
  coverage: z.string().nullable(),
  detailed_status: z.strictObject({
    icon: z.string(),
    text: z.string(),
    label: z.string(),
    group: z.string(),
    tooltip: z.string(),
    has_details: z.boolean(),
    details_path: z.string(),
    illustration: z.null(),
    favicon: z.string(),
  }),
  name: z.string().nullable(),
}).meta({ id: "PipelineWithMetadata", description: "API::Entities::Ci::PipelineWithMetadata" });

/**
 * One pipeline: API::Entities::Ci::PipelineWithMetadata, keys in GitLab's order. We keep no
 * commits, YAML or coverage: before_sha is the null sha, committed_at and coverage null.
 */
export function pipelineDetailEntity(
  view: { pipeline: Pipeline; user: User | null },
  project: Pick<Project, "full_path">,
  baseUrl: string,
): z.infer<typeof PipelineDetailSchema> {
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

const NamespaceSchema = z
  .strictObject({
    id: z.null(),
    name: z.string(),
    path: z.string(),
    kind: z.enum(["user", "group"]),
    full_path: z.string(),
    parent_id: z.null(),
    avatar_url: z.null(),
    web_url: z.string(),
  })
  .meta({ id: "NamespaceBasic", description: "API::Entities::NamespaceBasic (its path only)" });

/** A project's namespace as API::Entities::NamespaceBasic shows it (we keep its path only). */
function namespaceEntity(project: Project, baseUrl: string): z.infer<typeof NamespaceSchema> {
  const path = project.namespace || "root";
  const segments = path.split("/");
  // split always gives one segment at least.
  const last = segments.at(-1) ?? path;
  return {
    id: null,
    name: last,
    path: last,
    kind: segments.length === 1 && path === "root" ? "user" : "group",
    full_path: path,
    parent_id: null,
    avatar_url: null,
    web_url: `${baseUrl}/${path}`,
  };
}

export const ProjectSchema = z
  .strictObject({
    id: z.number().int(),
    description: z.string().nullable(),
    name: z.string(),
    name_with_namespace: z.string(),
    path: z.string(),
    path_with_namespace: z.string(),
    created_at: nullableTimestamp,
    default_branch: z.string().nullable(),
    tag_list: z.array(z.string()),
    topics: z.array(z.string()),
    ssh_url_to_repo: z.string().nullable(),
    http_url_to_repo: z.string(),
    web_url: z.string(),
    readme_url: z.string().nullable(),
    forks_count: z.number().int(),
    avatar_url: z.string().nullable(),
    star_count: z.number().int(),
    last_activity_at: nullableTimestamp,
    namespace: NamespaceSchema,
    _links: z.strictObject({
      self: z.string(),
      repo_branches: z.string(),
      labels: z.string(),
      events: z.string(),
      members: z.string(),
      cluster_agents: z.string(),
    }),
    empty_repo: z.boolean(),
    archived: z.boolean(),
    visibility: z.enum(["private", "internal", "public"]),
    jobs_enabled: z.boolean(),
    builds_access_level: z.enum(["enabled", "disabled"]),
    public_jobs: z.boolean(),
    ci_job_token_scope_enabled: z.boolean(),
    keep_latest_artifact: z.boolean(),
    permissions: z
      .strictObject({
        project_access: z
          .strictObject({ access_level: z.number().int(), notification_level: z.number().int() })
          .nullable(),
        group_access: z.null(),
      })
      .optional()
      .meta({ description: "Not for anonymous callers" }),
  })
  .meta({ id: "Project", description: "API::Entities::ProjectDetails (ProjectWithAccess when authenticated)" });

/**
 * GET /projects/:id: API::Entities::ProjectDetails for anonymous callers, ProjectWithAccess
 * (with `permissions`) for the others; the fields this service keeps, with GitLab's names,
 * order and the CI/CD settings it serves by.
 */
export function projectEntity(
  project: Project,
  baseUrl: string,
  accessLevel: number | null,
): z.infer<typeof ProjectSchema> {
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
