import { describe, expect, it } from "vitest";
import type { Credentials } from "../../../lib/auth/credentials";
import { authorizeDownload } from "../../../lib/downloads/authorize";
import { type DownloadRow, toDownload } from "../../../lib/downloads/lookup";
import { resolvePrincipal } from "../../../lib/downloads/principal";
import { ApiError } from "../../../lib/errors";

/**
 * GitLab's credential matrix for the four download endpoints, without a database: each row is
 * what the download statement would return for the cell, fed through the principal resolution, the
 * authorization and (where the endpoint checks it) availability. Expected answers come from
 * the oracle below, written from GitLab's rules (reference §0.2-0.4: api_guard.rb,
 * auth_job_finder.rb, project_policy.rb, ci/build_policy.rb, ci/job_token/scope.rb).
 */

const ADMIN_TOKEN = "the-admin-secret";
const NOW = new Date("2026-06-01T12:00:00Z");
const PROJECT = { id: 1, path: "app" };
const OTHER = { id: 2, path: "other" };

const ENDPOINTS = ["archive by job", "file by job", "archive by ref", "file by ref"] as const;
const VISIBILITIES = ["public", "internal", "private"] as const;
const ACCESSES = ["all", "developer", "none"] as const;
const WHO = [
  "anonymous",
  "guest",
  "reporter",
  "developer",
  "maintainer",
  "owner",
  "admin",
  "read_api PAT",
  "api PAT",
  "expired PAT",
  "revoked PAT",
  "blocked user",
  "running job in the project",
  "finished job",
  "job of another project, allowlisted",
  "job of another project, not allowlisted",
  "job of another project, scope off",
  "running job of a blocked user",
] as const;

type Endpoint = (typeof ENDPOINTS)[number];
type Who = (typeof WHO)[number];
type Visibility = (typeof VISIBILITIES)[number];
type Access = (typeof ACCESSES)[number];

type Outcome = { status: number; body: Record<string, unknown> } | { status: "served"; shared: boolean };

const ROLE = { guest: 10, reporter: 20, developer: 30, maintainer: 40, owner: 50 } as const;

// GitLab's answers, byte for byte (reference §0.2, §0.5).
const PROJECT_NOT_FOUND = { status: 404, body: { message: "404 Project Not Found" } };
const NOT_FOUND = { status: 404, body: { message: "404 Not Found" } };
const RECORD_NOT_FOUND = { status: 404, body: { message: "404 Not found" } };
const FORBIDDEN = { status: 403, body: { message: "403 Forbidden" } };
const UNAUTHORIZED = { status: 401, body: { message: "401 Unauthorized" } };
const EXPIRED = {
  status: 401,
  body: {
    error: "invalid_token",
    error_description: "Token is expired. You can either do re-authorization or token refresh.",
  },
};
const REVOKED = {
  status: 401,
  body: { error: "invalid_token", error_description: "Token was revoked. You have to re-authorize from the user." },
};
const BLOCKED = { status: 403, body: { message: "403 Forbidden - Your account has been blocked." } };
const JOB_TOKEN_REFUSED = {
  status: 403,
  body: { message: "403 Forbidden - Authentication by CI/CD job token not allowed from other to app." },
};
const served = (shared: boolean): Outcome => ({ status: "served", shared });

interface Cell {
  endpoint: Endpoint;
  who: Who;
  visibility: Visibility;
  publicPipelines: boolean;
  access: Access;
}

/** The oracle: GitLab's answer for a cell, in GitLab's terms. */
function gitlab(cell: Cell): Outcome {
  // api_guard#find_current_user!: credential failures come before anything about the project.
  if (cell.who === "expired PAT") return EXPIRED;
  if (cell.who === "revoked PAT") return REVOKED;
  if (cell.who === "finished job") return UNAUTHORIZED; // AuthJobFinder: not executing
  if (cell.who === "blocked user" || cell.who === "running job of a blocked user") return BLOCKED;

  const anonymous = cell.who === "anonymous";
  const admin = cell.who === "admin";
  const fromJobToken = cell.who.startsWith("job of") || cell.who === "running job in the project";
  // Ci::JobToken::Scope#accessible?: own project, inbound scope off, or on the allowlist.
  const inScope = !fromJobToken || cell.who !== "job of another project, not allowlisted";
  const memberRole: number = (() => {
    switch (cell.who) {
      case "guest":
      case "reporter":
      case "developer":
      case "maintainer":
      case "owner":
        return ROLE[cell.who];
      case "read_api PAT":
        return ROLE.reporter;
      case "running job in the project":
      case "job of another project, allowlisted":
      case "job of another project, not allowlisted":
      case "job of another project, scope off":
        return ROLE.developer; // the job's user is a developer of the target project
      default:
        return 0;
    }
  })();
  // Outside the job-token scope, member abilities are prevented; public-level ones stay.
  const role = inScope ? memberRole : 0;

  // find_project!: read_project, else 404 (403 with the reason for job tokens).
  const readProject =
    admin || cell.visibility === "public" || (cell.visibility === "internal" && !anonymous) || role >= ROLE.guest;
  if (!readProject) return fromJobToken ? JOB_TOKEN_REFUSED : PROJECT_NOT_FOUND;
  // read_build: reporters and up, or anyone who reads the project when public pipelines are on.
  if (!(admin || role >= ROLE.reporter || cell.publicPipelines)) return FORBIDDEN;
  // read_job_artifacts: artifacts:access none is nobody's; developer needs Developer.
  if (cell.access === "none") return FORBIDDEN;
  if (cell.access === "developer" && !(admin || role >= ROLE.developer)) return FORBIDDEN;
  // The archive exists and has not expired, so available_artifacts? holds on "file by job".
  return served(anonymous);
}

/** The download statement's row for a state: a job with an unexpired, indexed archive in `app`. */
function row(overrides: Partial<DownloadRow> = {}): DownloadRow {
  return {
    pat_user_id: null,
    pat_revoked: null,
    pat_expired: null,
    pat_scopes: null,
    pat_user_state: null,
    pat_user_admin: null,
    pat_access: null,
    cred_job_id: null,
    job_user_state: null,
    job_project_id: null,
    job_project_path: null,
    job_access: null,
    job_linked: null,
    project_id: PROJECT.id,
    project_path: PROJECT.path,
    visibility: "private",
    public_builds: true,
    builds_enabled: true,
    inbound_enabled: true,
    build_id: 7,
    build_expire_at: new Date("2026-07-01T00:00:00Z"),
    pipeline_locked: "unlocked",
    archive_key: "artifacts/7.zip",
    archive_size: 100,
    archive_sha256: "ab".repeat(32),
    archive_accessibility: "public",
    archive_file_name: "artifacts.zip",
    entries_indexed: true,
    entry_method: 0,
    entry_flags: 0,
    entry_crc32: 1,
    entry_compressed_size: 5,
    entry_uncompressed_size: 5,
    entry_local_header_offset: 0,
    entry_end_offset: 40,
    entry_extra_length: 0,
    ...overrides,
  };
}

const NONE: Credentials = { bearer: undefined, access: undefined, job: undefined };
const pat = (token = "glpat-x"): Credentials => ({ ...NONE, access: token });
const jobToken: Credentials = { ...NONE, job: "glcbt-x" };

const patRow = (accessLevel: number | null, overrides: Partial<DownloadRow> = {}): Partial<DownloadRow> => ({
  pat_user_id: 3,
  pat_revoked: false,
  pat_expired: false,
  pat_scopes: ["api"],
  pat_user_state: "active",
  pat_user_admin: false,
  pat_access: accessLevel,
  ...overrides,
});

const jobRow = (from: { id: number; path: string }, overrides: Partial<DownloadRow> = {}): Partial<DownloadRow> => ({
  cred_job_id: 9,
  job_user_state: "active",
  job_project_id: from.id,
  job_project_path: from.path,
  job_access: ROLE.developer,
  job_linked: false,
  ...overrides,
});

/** What a caller presents, and what the statement finds for it. */
function presented(who: Who): { credentials: Credentials; found: Partial<DownloadRow> } {
  switch (who) {
    case "anonymous":
      return { credentials: NONE, found: {} };
    case "guest":
    case "reporter":
    case "developer":
    case "maintainer":
    case "owner":
      return { credentials: pat(), found: patRow(ROLE[who]) };
    case "admin":
      return { credentials: pat(), found: patRow(null, { pat_user_admin: true }) };
    case "read_api PAT":
      return { credentials: pat(), found: patRow(ROLE.reporter, { pat_scopes: ["read_api"] }) };
    case "api PAT":
      return { credentials: pat(), found: patRow(null) };
    case "expired PAT":
      return { credentials: pat(), found: patRow(ROLE.reporter, { pat_expired: true }) };
    case "revoked PAT":
      return { credentials: pat(), found: patRow(ROLE.reporter, { pat_revoked: true }) };
    case "blocked user":
      return { credentials: pat(), found: patRow(ROLE.developer, { pat_user_state: "blocked" }) };
    case "running job in the project":
      return { credentials: jobToken, found: jobRow(PROJECT) };
    case "finished job":
      // The statement only finds jobs in an executing status.
      return { credentials: jobToken, found: {} };
    case "job of another project, allowlisted":
      return { credentials: jobToken, found: jobRow(OTHER, { job_linked: true }) };
    case "job of another project, not allowlisted":
      return { credentials: jobToken, found: jobRow(OTHER) };
    case "job of another project, scope off":
      return { credentials: jobToken, found: jobRow(OTHER, { inbound_enabled: false }) };
    case "running job of a blocked user":
      return { credentials: jobToken, found: jobRow(PROJECT, { job_user_state: "blocked" }) };
  }
}

const ACCESSIBILITY = { all: "public", developer: "private", none: "none" } as const;

/** Our answer: the statement's row through principal, authorization and the handler's availability check. */
function outcome(endpoint: Endpoint, found: DownloadRow, credentials: Credentials, method = "GET"): Outcome {
  try {
    const download = toDownload(found);
    const principal = resolvePrincipal(download, credentials, method, ADMIN_TOKEN);
    authorizeDownload(download, principal);
    if (endpoint === "file by job" && !download.job.availableArtifacts(NOW)) return NOT_FOUND;
    return served(principal.kind === "anonymous");
  } catch (error) {
    if (!(error instanceof ApiError) || typeof error.body === "string") throw error;
    return { status: error.status, body: error.body };
  }
}

const cells: Cell[] = ENDPOINTS.flatMap((endpoint) =>
  WHO.flatMap((who) =>
    VISIBILITIES.flatMap((visibility) =>
      [true, false].flatMap((publicPipelines) =>
        ACCESSES.map((access) => ({ endpoint, who, visibility, publicPipelines, access })),
      ),
    ),
  ),
);

describe("GitLab's credential matrix for downloads", () => {
  it("covers every cell", () => {
    expect(cells).toHaveLength(4 * 18 * 3 * 2 * 3);
  });

  it.each(cells)(
    "$endpoint | $who | $visibility | public pipelines $publicPipelines | access $access",
    ({ endpoint, who, visibility, publicPipelines, access }) => {
      const { credentials, found } = presented(who);
      const state = row({
        visibility,
        public_builds: publicPipelines,
        archive_accessibility: ACCESSIBILITY[access],
        ...found,
      });
      expect(outcome(endpoint, state, credentials)).toEqual(
        gitlab({ endpoint, who, visibility, publicPipelines, access }),
      );
    },
  );
});

describe("spot rows, written by hand", () => {
  const cases: [string, Endpoint, Partial<DownloadRow>, Credentials, Outcome][] = [
    ["anonymous on a private project is 404, not 401", "archive by job", {}, NONE, PROJECT_NOT_FOUND],
    [
      "anonymous on a public project is served, to shared caches too",
      "file by ref",
      { visibility: "public" },
      NONE,
      served(true),
    ],
    [
      "a job token outside the allowlist of a private project gets GitLab's reason",
      "file by job",
      jobRow(OTHER),
      jobToken,
      JOB_TOKEN_REFUSED,
    ],
    [
      "a job token outside the allowlist of a public project keeps public access",
      "archive by ref",
      { visibility: "public", ...jobRow(OTHER) },
      jobToken,
      served(false),
    ],
    [
      "a job token outside the allowlist loses its developer role on private artifacts",
      "archive by job",
      { visibility: "public", archive_accessibility: "private", ...jobRow(OTHER) },
      jobToken,
      FORBIDDEN,
    ],
    [
      "a guest cannot see jobs when public pipelines are off",
      "archive by job",
      { public_builds: false, ...patRow(ROLE.guest) },
      pat(),
      FORBIDDEN,
    ],
    [
      "a reporter cannot read developer-only artifacts",
      "file by ref",
      { archive_accessibility: "private", ...patRow(ROLE.reporter) },
      pat(),
      FORBIDDEN,
    ],
    [
      "nobody, admins included, reads artifacts:access none",
      "archive by job",
      { archive_accessibility: "none", ...patRow(null, { pat_user_admin: true }) },
      pat(),
      FORBIDDEN,
    ],
    [
      "the ADMIN_TOKEN secret reads developer-only artifacts of a private project",
      "file by job",
      { archive_accessibility: "private" },
      pat(ADMIN_TOKEN),
      served(false),
    ],
    [
      "a blocked user's running job token is refused with the reason",
      "archive by job",
      { visibility: "public", ...jobRow(PROJECT, { job_user_state: "blocked" }) },
      jobToken,
      BLOCKED,
    ],
    [
      "a deactivated user's job token sent as Bearer is refused with the reason",
      "file by job",
      jobRow(PROJECT, { job_user_state: "deactivated" }),
      { ...NONE, bearer: "glcbt-x", access: "glcbt-x" },
      { status: 403, body: { message: "403 Forbidden - Your account has been deactivated." } },
    ],
    [
      // GitLab has no current user then: the request is anonymous, so what it reads anyone may.
      "a job that runs as no user reads a public project as anonymous",
      "archive by job",
      { visibility: "public", ...jobRow(PROJECT, { job_user_state: null, job_access: null }) },
      jobToken,
      served(true),
    ],
    [
      "a job that runs as no user gets 404, not the job-token 403, on its own private project",
      "file by job",
      jobRow(PROJECT, { job_user_state: null, job_access: null }),
      jobToken,
      PROJECT_NOT_FOUND,
    ],
    [
      "an unknown access token is 401 even beside a job token",
      "archive by job",
      jobRow(PROJECT),
      { ...jobToken, access: "glpat-unknown" },
      UNAUTHORIZED,
    ],
    [
      "a read_repository token lacks the scope",
      "archive by job",
      patRow(ROLE.developer, { pat_scopes: ["read_repository"] }),
      pat(),
      {
        status: 403,
        body: {
          error: "insufficient_scope",
          error_description: "The request requires higher privileges than provided by the access token.",
          scope: "api read_api",
        },
      },
    ],
    [
      "no such project, with a valid token",
      "archive by job",
      { project_id: null, build_id: null, archive_key: null, ...patRow(null) },
      pat(),
      PROJECT_NOT_FOUND,
    ],
    [
      "no such project, anonymous",
      "file by ref",
      { project_id: null, build_id: null, archive_key: null },
      NONE,
      PROJECT_NOT_FOUND,
    ],
    [
      "builds disabled is 403 even for maintainers",
      "archive by ref",
      { builds_enabled: false, ...patRow(ROLE.maintainer) },
      pat(),
      FORBIDDEN,
    ],
    [
      "no such job (or no successful one for the ref)",
      "archive by ref",
      { visibility: "public", build_id: null, archive_key: null },
      NONE,
      RECORD_NOT_FOUND,
    ],
    [
      "expired artifacts of an unlocked pipeline are gone from files by job",
      "file by job",
      { visibility: "public", build_expire_at: new Date("2026-05-01T00:00:00Z") },
      NONE,
      NOT_FOUND,
    ],
    [
      "expired artifacts of a locked pipeline stay",
      "file by job",
      { visibility: "public", build_expire_at: new Date("2026-05-01T00:00:00Z"), pipeline_locked: "artifacts_locked" },
      NONE,
      served(true),
    ],
    [
      "expiry is not checked on archives by job",
      "archive by job",
      { visibility: "public", build_expire_at: new Date("2026-05-01T00:00:00Z") },
      NONE,
      served(true),
    ],
    [
      "a job without an archive is not available as files by job",
      "file by job",
      { visibility: "public", archive_key: null, archive_accessibility: null },
      NONE,
      NOT_FOUND,
    ],
  ];

  it.each(cases)("%s", (_, endpoint, state, credentials, expected) => {
    expect(outcome(endpoint, row(state), credentials)).toEqual(expected);
  });
});
