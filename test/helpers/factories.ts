import { and, eq } from "drizzle-orm";
import { newToken, PAT_PREFIX, sha256Hex } from "../../lib/auth/tokens";
import { createJob } from "../../lib/ci/jobs";
import { createPipeline } from "../../lib/ci/pipelines";
import { archiveKey } from "../../lib/ingest/keys";
import { recordArchive } from "../../lib/ingest/record";
import { storeArchive } from "../../lib/ingest/store";
import type { Database } from "../../lib/platform/db";
import type { Logger } from "../../lib/platform/services";
import type { Storage } from "../../lib/platform/storage";
import type { Job, Pipeline, Project, User } from "../../schema";
import {
  artifactEntryGroups,
  jobArtifacts,
  personalAccessTokens,
  pipelines,
  projectMembers,
  projects,
  users,
} from "../../schema";
import type { Status } from "../../schema/pipelines";
import { unique } from "./unique";
import { smallZip } from "./zips";

const quietLog: Logger = { error: () => {}, info: () => {} };

/** Test data, made through the same lib code the API uses, each with names of its own. */
export function factories(db: Database, storage?: Storage) {
  async function user(options: { admin?: boolean; state?: User["state"] } = {}): Promise<User> {
    const username = unique("user");
    const [row] = await db
      .insert(users)
      .values({ username, name: username, admin: options.admin ?? false, state: options.state ?? "active" })
      .returning();
    if (!row) throw new Error("no user");
    return row;
  }

  async function pat(
    owner: User,
    options: { scopes?: string[]; expiresAt?: string; revoked?: boolean } = {},
  ): Promise<string> {
    const token = newToken(PAT_PREFIX);
    await db.insert(personalAccessTokens).values({
      user_id: owner.id,
      name: "test",
      token_digest: sha256Hex(token),
      scopes: options.scopes ?? ["api"],
      expires_at: options.expiresAt ?? null,
      revoked: options.revoked ?? false,
    });
    return token;
  }

  async function project(options: Partial<typeof projects.$inferInsert> = {}): Promise<Project> {
    const path = unique("proj");
    const namespace = options.namespace ?? unique("group");
    const [row] = await db
      .insert(projects)
      .values({ path, namespace, full_path: `${namespace}/${path}`, visibility: "private", ...options })
      .returning();
    if (!row) throw new Error("no project");
    return row;
  }

  async function member(target: Project, who: User, accessLevel: number) {
    await db.insert(projectMembers).values({ project_id: target.id, user_id: who.id, access_level: accessLevel });
  }

  /** A user with an `api` token and the given role in the project. */
  async function memberWithToken(target: Project, accessLevel: number, scopes = ["api"]) {
    const who = await user();
    await member(target, who, accessLevel);
    return { user: who, token: await pat(who, { scopes }) };
  }

  async function pipeline(
    target: Project,
    options: { ref?: string; source?: string; parent?: Pipeline; user?: User; locked?: boolean } = {},
  ): Promise<Pipeline> {
    const created = await createPipeline(db, target, {
      ref: options.ref ?? "main",
      sha: sha256Hex(unique("sha")).slice(0, 40),
      tag: false,
      source: options.parent ? "parent_pipeline" : (options.source ?? "push"),
      parentPipelineId: options.parent?.id ?? null,
      userId: options.user?.id ?? null,
    });
    if (options.locked === undefined) return created;
    // Without `locked` the pipeline keeps the project's default lock (keep latest artifacts).
    const [row] = await db
      .update(pipelines)
      .set({ locked: options.locked ? "artifacts_locked" : "unlocked" })
      .where(eq(pipelines.id, created.id))
      .returning();
    if (!row) throw new Error("no pipeline");
    return row;
  }

  async function job(
    inPipeline: Pipeline,
    options: { name?: string; status?: Status; allowFailure?: boolean; user?: User; startedAt?: Date } = {},
  ): Promise<{ job: Job; token: string }> {
    return createJob(
      db,
      inPipeline,
      {
        name: options.name ?? "build",
        stage: "test",
        status: options.status ?? "running",
        allowFailure: options.allowFailure ?? false,
        userId: options.user?.id ?? inPipeline.user_id,
      },
      options.startedAt ?? new Date(),
    );
  }

  /**
   * Stores `zip` as the job's archive, through the same code as an upload. `indexed: false` is an
   * archive recorded before entries were indexed; `reportsOnly` leaves the job a junit report and
   * no archive.
   */
  async function archive(
    owner: Job,
    zip: Uint8Array,
    options: {
      accessibility?: "public" | "private" | "none";
      expireAt?: Date | null;
      indexed?: boolean;
      reportsOnly?: boolean;
    } = {},
  ) {
    const store = needStorage();
    const key = archiveKey(owner);
    const services = { db, storage: store, log: quietLog, now: () => new Date() };
    const stored = await storeArchive(services, key, new Blob([zip]).stream());
    const { summary } = stored;
    await recordArchive(services, owner, {
      ...stored,
      accessibility: options.accessibility ?? "public",
      expireAt: options.expireAt === undefined ? null : options.expireAt,
    });
    const mine = and(eq(jobArtifacts.job_id, owner.id), eq(jobArtifacts.storage_key, key));
    if (options.indexed === false) {
      await db.update(jobArtifacts).set({ entries_indexed: false }).where(mine);
      await db.delete(artifactEntryGroups).where(eq(artifactEntryGroups.storage_key, key));
    }
    if (options.reportsOnly) await db.update(jobArtifacts).set({ file_type: "junit", file_format: "gzip" }).where(mine);
    return { key, sha256: summary.sha256, size: summary.size };
  }

  /** Replaces a stored archive's object with `bytes` (say, not a zip), as if storage held something else. */
  async function replaceObject(stored: { key: string }, bytes: Uint8Array) {
    await needStorage().upload(stored.key, new Blob([bytes]).stream(), "application/octet-stream");
    await db.update(jobArtifacts).set({ size: bytes.length }).where(eq(jobArtifacts.storage_key, stored.key));
  }

  function needStorage(): Storage {
    if (!storage) throw new Error("factories(db, storage) needed for archives");
    return storage;
  }

  /** Marks a job's pipeline finished with `status` (the job keeps its own status). */
  async function finishPipeline(target: Pipeline, status: Status = "success") {
    await db.update(pipelines).set({ status }).where(eq(pipelines.id, target.id));
  }

  /** A project, a pipeline, a running job and its archive of `zip`: the state most download tests start from. */
  async function jobWithArchive(
    zip: Uint8Array = smallZip(),
    options: {
      project?: Parameters<typeof project>[0];
      pipeline?: Parameters<typeof pipeline>[1];
      job?: Parameters<typeof job>[1];
      archive?: Parameters<typeof archive>[2];
    } = {},
  ) {
    const inProject = await project(options.project);
    const inPipeline = await pipeline(inProject, options.pipeline);
    const made = await job(inPipeline, options.job);
    const stored = await archive(made.job, zip, options.archive);
    return { project: inProject, pipeline: inPipeline, job: made.job, token: made.token, zip, stored };
  }

  return {
    user,
    pat,
    project,
    member,
    memberWithToken,
    pipeline,
    job,
    archive,
    jobWithArchive,
    replaceObject,
    finishPipeline,
  };
}
