import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, inject } from "vitest";
import { createApp } from "../../functions/app";
import type { createdUserEntity, jobEntity, pipelineEntity } from "../../lib/http/entities";
import { nodeWebSocket } from "../../lib/local/node-websocket";
import { jsonLogger, type LogRecord } from "../../lib/platform/log";
import { createStorage, servicesFrom } from "../../lib/platform/services";
import type { Storage } from "../../lib/platform/storage";
import { contractFetch } from "./contract";
import { countingStorage, type StorageRead, wrapStorage } from "./counting-storage";
import { factories } from "./factories";

export const ADMIN_TOKEN = "test-admin-token-0123456789";
export const PUBLIC_URL = "https://artifacts.example.test";

/** Response bodies, typed from the entities the handlers render. */
export type JobEntity = ReturnType<typeof jobEntity>;
export type CreatedJobEntity = JobEntity & { token: string };
export type PipelineEntity = ReturnType<typeof pipelineEntity>;
export type CreatedUserEntity = ReturnType<typeof createdUserEntity>;
/** The direct-upload grant, which functions/authorize-job-artifacts.ts renders inline. */
export type UploadGrant = { upload_url: string; upload_key: string; expires_at: string };

/** Settings of the run's stack, as the Worker would get them. */
export function settings(): Record<string, string> {
  return { ...inject("settings"), ADMIN_TOKEN, PUBLIC_URL };
}

/** A project, job, user or pipeline as a URL names it: the row, its id, or (projects) an encoded path. */
type Id = number | string | { readonly id: number };
const idOf = (x: Id) => (typeof x === "object" ? x.id : x);

/** The API's routes, so tests do not retype them. */
export const url = {
  jobArtifacts: (project: Id, job: Id) => `/api/v4/projects/${idOf(project)}/jobs/${idOf(job)}/artifacts`,
  jobArtifactFile: (project: Id, job: Id, path: string) => `${url.jobArtifacts(project, job)}/${path}`,
  keepJobArtifacts: (project: Id, job: Id) => `${url.jobArtifacts(project, job)}/keep`,
  refArtifacts: (project: Id, ref: string, job: string) =>
    `/api/v4/projects/${idOf(project)}/jobs/artifacts/${ref}/download?job=${encodeURIComponent(job)}`,
  refArtifactFile: (project: Id, ref: string, path: string, job: string) =>
    `/api/v4/projects/${idOf(project)}/jobs/artifacts/${ref}/raw/${path}?job=${encodeURIComponent(job)}`,
  projectArtifacts: (project: Id) => `/api/v4/projects/${idOf(project)}/artifacts`,
  cleanup: () => "/api/v4/admin/artifacts/cleanup",
  users: () => "/api/v4/users",
  personalAccessTokens: (user: Id) => `/api/v4/users/${idOf(user)}/personal_access_tokens`,
  projects: () => "/api/v4/projects",
  members: (project: Id) => `/api/v4/projects/${idOf(project)}/members`,
  jobTokenScope: (project: Id) => `/api/v4/projects/${idOf(project)}/job_token_scope`,
  jobTokenAllowlist: (project: Id) => `/api/v4/projects/${idOf(project)}/job_token_scope/allowlist`,
  pipelines: (project: Id) => `/api/v4/projects/${idOf(project)}/pipelines`,
  pipelineJobs: (project: Id, pipeline: Id) => `${url.pipelines(project)}/${idOf(pipeline)}/jobs`,
  job: (job: Id) => `/api/v4/jobs/${idOf(job)}`,
  uploadJobArtifacts: (job: Id) => `/api/v4/jobs/${idOf(job)}/artifacts`,
  authorizeJobArtifacts: (job: Id) => `/api/v4/jobs/${idOf(job)}/artifacts/authorize`,
  currentUser: () => "/api/v4/user",
  version: () => "/api/v4/version",
  project: (project: Id) => `/api/v4/projects/${idOf(project)}`,
  projectJobs: (project: Id) => `/api/v4/projects/${idOf(project)}/jobs`,
  projectJob: (project: Id, job: Id) => `/api/v4/projects/${idOf(project)}/jobs/${idOf(job)}`,
  pipeline: (project: Id, pipeline: Id) => `${url.pipelines(project)}/${idOf(pipeline)}`,
  latestPipeline: (project: Id) => `${url.pipelines(project)}/latest`,
};

/** The headers of a personal access token. */
export const as = (token: string): Record<string, string> => ({ "PRIVATE-TOKEN": token });

/**
 * The app in-process, wired to the run's real PostgreSQL and S3 server; closed after the file.
 * One storage, the one the app uses, with its reads counted for `cost()`.
 */
export function harness() {
  const built = servicesFrom(settings(), nodeWebSocket);
  // What each request costs: SQL statements and storage reads, recorded as they happen.
  const seen = { queries: [] as string[], reads: [] as StorageRead[] };
  const { services: real, close } = built.open(4, (query) => seen.queries.push(query));
  const storage = countingStorage(real.storage, (read) => seen.reads.push(read));
  // Quiet: what the app logs is kept in `logs` for assertions, not printed among the results.
  const logs: LogRecord[] = [];
  const services = { ...real, storage, log: jsonLogger((record) => logs.push(record)) };
  const app = createApp(async () => ({ services }));
  // A client of its own for existence checks, which the app never needs.
  const s3 = createStorage(built.config);
  afterAll(close);
  return {
    app,
    services,
    db: services.db,
    storage,
    logs,
    make: factories(services.db, storage),
    url,
    as,
    admin,
    /** A request to the app; a JSON answer must match its route's documented schema (./contract.ts). */
    fetch: contractFetch(app),
    /** A JSON request: `h.fetch(url, h.send("PATCH", body, headers))`; POST by default. */
    send: (method: string, payload: unknown, headers: Record<string, string> = {}): RequestInit => ({
      ...json(payload, headers),
      method,
    }),
    /** A response's JSON body, typed by the entity the test expects. */
    json: body,
    /** Runs `fn` and returns the SQL statements and storage reads it caused. */
    async cost<T>(fn: () => Promise<T>) {
      seen.queries.length = 0;
      seen.reads.length = 0;
      const result = await fn();
      return { result, queries: [...seen.queries], reads: [...seen.reads] };
    },
    /** The harness's storage with some methods replaced, for fault tests. */
    wrapStorage: (overrides: Partial<Storage>) => wrapStorage(storage, overrides),
    /** Whether storage holds `key` (a HEAD request outside the app's storage interface). */
    async exists(key: string): Promise<boolean> {
      try {
        await s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }));
        return true;
      } catch (error) {
        if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
        throw error;
      }
    },
  };
}

export type Harness = ReturnType<typeof harness>;

export const admin: Record<string, string> = { "PRIVATE-TOKEN": ADMIN_TOKEN };

export function json(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}

export { unique } from "./unique";

/** A response's JSON body, typed by the test that reads it. */
export async function body<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}
