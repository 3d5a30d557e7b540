import type { Job, JobArtifact, Pipeline, Project, User } from "../../schema";
import { isExecuting } from "../auth/rules";

/** GitLab's API timestamps: ISO 8601 in UTC with milliseconds. */
export const iso = (date: Date | null | undefined): string | null => (date ? date.toISOString() : null);

const seconds = (from: Date | null, to: Date | null) =>
  from && to ? Math.round(to.getTime() - from.getTime()) / 1000 : null;

export function userEntity(user: User, baseUrl: string) {
  // API::Entities::User; profile fields we do not keep are GitLab's empty values.
  return {
    id: user.id,
    username: user.username,
    name: user.name,
    state: user.state,
    locked: false,
    avatar_url: null,
    web_url: `${baseUrl}/${user.username}`,
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
