import { beforeAll, describe, expect, it } from "vitest";
import type { Project, User } from "../../../schema";
import { ACCESS_LEVELS } from "../../../schema";
import { ADMIN_TOKEN, body, harness } from "../../helpers/harness";
import { smallZip } from "../../helpers/zips";

const h = harness();
const { fetch, make } = h;

/**
 * The four read endpoints, each with the status a permitted request gets: `bearer` with
 * Authorization, which PROXY_DOWNLOAD=auto answers with the archive itself rather than a 302.
 */
const ENDPOINTS = [
  {
    name: "archive by job id",
    ok: 302,
    bearer: 200,
    url: (p: number, j: number) => `/api/v4/projects/${p}/jobs/${j}/artifacts`,
  },
  {
    name: "archive by ref",
    ok: 302,
    bearer: 200,
    url: (p: number) => `/api/v4/projects/${p}/jobs/artifacts/main/download?job=build`,
  },
  {
    name: "file by job id",
    ok: 200,
    bearer: 200,
    url: (p: number, j: number) => `/api/v4/projects/${p}/jobs/${j}/artifacts/hello.txt`,
  },
  {
    name: "file by ref",
    ok: 200,
    bearer: 200,
    url: (p: number) => `/api/v4/projects/${p}/jobs/artifacts/main/raw/hello.txt?job=build`,
  },
] as const;

let target: Project;
let jobId: number;
let reader: User;
let readerToken: string;

/** A running job in `project`, run by `user`, and its CI_JOB_TOKEN. */
async function runningJobToken(project: Project, user: User, status: "running" | "canceling" | "success" = "running") {
  // Its own ref: a finished job must not make its pipeline main's latest successful one.
  const pipeline = await make.pipeline(project, { ref: "token-source", user });
  const { token } = await make.job(pipeline, { name: "fetch", user, status });
  return token;
}

beforeAll(async () => {
  target = await make.project({ visibility: "private" });
  const pipeline = await make.pipeline(target, { ref: "main" });
  const { job } = await make.job(pipeline, { name: "build", status: "success" });
  await make.archive(job, smallZip({ "hello.txt": "hello\n" }));
  await make.finishPipeline(pipeline, "success");
  jobId = job.id;
  reader = await make.user();
  await make.member(target, reader, ACCESS_LEVELS.reporter);
  readerToken = await make.pat(reader, { scopes: ["read_api"] });
});

describe.each(ENDPOINTS)("credentials on $name", (endpoint) => {
  const get = (headers: Record<string, string> = {}, query = "") => {
    const url = endpoint.url(target.id, jobId);
    return fetch(query ? `${url}${url.includes("?") ? "&" : "?"}${query}` : url, { headers });
  };

  it("accepts a PAT as PRIVATE-TOKEN, private_token and Bearer, and the admin secret", async () => {
    expect((await get({ "PRIVATE-TOKEN": readerToken })).status).toBe(endpoint.ok);
    expect((await get({}, `private_token=${readerToken}`)).status).toBe(endpoint.ok);
    expect((await get({ Authorization: `Bearer ${readerToken}` })).status).toBe(endpoint.bearer);
    expect((await get({ "PRIVATE-TOKEN": ADMIN_TOKEN })).status).toBe(endpoint.ok);
  });

  it("accepts a running job's token as JOB-TOKEN, job_token, token and Bearer, acting as the job's user", async () => {
    const token = await runningJobToken(target, reader);
    expect((await get({ "JOB-TOKEN": token })).status).toBe(endpoint.ok);
    expect((await get({}, `job_token=${token}`)).status).toBe(endpoint.ok);
    expect((await get({}, `token=${token}`)).status).toBe(endpoint.ok);
    expect((await get({ Authorization: `Bearer ${token}` })).status).toBe(endpoint.bearer);
  });

  it("accepts the token of a canceling job, refuses a finished job's with 401", async () => {
    expect((await get({ "JOB-TOKEN": await runningJobToken(target, reader, "canceling") })).status).toBe(endpoint.ok);
    const finished = await get({ "JOB-TOKEN": await runningJobToken(target, reader, "success") });
    expect(finished.status).toBe(401);
    expect(await body(finished)).toEqual({ message: "401 Unauthorized" });
  });

  it.each(["blocked", "deactivated"] as const)(
    "refuses a running job's token whose user is %s with GitLab's 403 and reason, as JOB-TOKEN and Bearer",
    async (state) => {
      const inactive = await make.user({ state });
      await make.member(target, inactive, ACCESS_LEVELS.developer);
      const token = await runningJobToken(target, inactive);
      const sent: Record<string, string>[] = [{ "JOB-TOKEN": token }, { Authorization: `Bearer ${token}` }];
      for (const headers of sent) {
        const res = await get(headers);
        expect(res.status).toBe(403);
        expect(await body(res)).toEqual({ message: `403 Forbidden - Your account has been ${state}.` });
      }
    },
  );

  it("does not take HTTP Basic gitlab-ci-token: the caller stays anonymous", async () => {
    const token = await runningJobToken(target, reader);
    const res = await get({ Authorization: `Basic ${btoa(`gitlab-ci-token:${token}`)}` });
    expect(res.status).toBe(404);
    expect(await body(res)).toEqual({ message: "404 Project Not Found" });
  });

  it("is 401 for an unknown token, even beside a valid job token", async () => {
    expect((await get({ "PRIVATE-TOKEN": "glpat-unknown" })).status).toBe(401);
    const token = await runningJobToken(target, reader);
    const res = await get({ "PRIVATE-TOKEN": "glpat-unknown", "JOB-TOKEN": token });
    expect(res.status).toBe(401);
    expect(await body(res)).toEqual({ message: "401 Unauthorized" });
    expect((await get({ "PRIVATE-TOKEN": readerToken, "JOB-TOKEN": "glcbt-unknown" })).status).toBe(endpoint.ok);
  });

  it("is 401 with rack-oauth2's body for expired and revoked tokens", async () => {
    const expired = await get({ "PRIVATE-TOKEN": await make.pat(reader, { expiresAt: "2021-06-01" }) });
    expect(expired.status).toBe(401);
    expect((await body(expired)).error).toBe("invalid_token");
    const revoked = await get({ "PRIVATE-TOKEN": await make.pat(reader, { revoked: true }) });
    expect(revoked.status).toBe(401);
    expect((await body(revoked)).error_description).toBe("Token was revoked. You have to re-authorize from the user.");
  });

  it("refuses a token without api or read_api scope with insufficient_scope", async () => {
    const res = await get({ "PRIVATE-TOKEN": await make.pat(reader, { scopes: ["read_repository"] }) });
    expect(res.status).toBe(403);
    expect(await body(res)).toEqual({
      error: "insufficient_scope",
      error_description: "The request requires higher privileges than provided by the access token.",
      scope: "api read_api",
    });
  });

  it("answers a job token from a project outside the allowlist with GitLab's 403, and lets it in once allowlisted", async () => {
    const source = await make.project({ visibility: "private" });
    const runner = await make.user();
    await make.member(source, runner, ACCESS_LEVELS.developer);
    await make.member(target, runner, ACCESS_LEVELS.developer);
    const token = await runningJobToken(source, runner);
    const res = await get({ "JOB-TOKEN": token });
    expect(res.status).toBe(403);
    expect(await body(res)).toEqual({
      message: `403 Forbidden - Authentication by CI/CD job token not allowed from ${source.path} to ${target.path}.`,
    });
    const link = await fetch(`/api/v4/projects/${target.id}/job_token_scope/allowlist`, {
      method: "POST",
      headers: { "PRIVATE-TOKEN": ADMIN_TOKEN, "content-type": "application/json" },
      body: JSON.stringify({ target_project_id: source.id }),
    });
    expect(link.status).toBe(201);
    expect((await get({ "JOB-TOKEN": token })).status).toBe(endpoint.ok);
  });
});

describe("the inbound job-token scope", () => {
  it("lets any project's job token in when the target turned its scope off", async () => {
    const open = await make.project({ visibility: "private", ci_inbound_job_token_scope_enabled: false });
    const pipeline = await make.pipeline(open, { ref: "main" });
    const { job } = await make.job(pipeline, { name: "build", status: "success" });
    await make.archive(job, smallZip({ "hello.txt": "hi" }));
    const runner = await make.user();
    await make.member(open, runner, ACCESS_LEVELS.reporter);
    const token = await runningJobToken(await make.project(), runner);
    const res = await fetch(`/api/v4/projects/${open.id}/jobs/${job.id}/artifacts`, {
      headers: { "JOB-TOKEN": token },
    });
    expect(res.status).toBe(302);
    const scoped = await fetch(h.url.jobTokenScope(open), h.send("PATCH", { enabled: true }, h.admin));
    expect(scoped.status).toBe(204);
    const closed = await fetch(`/api/v4/projects/${open.id}/jobs/${job.id}/artifacts`, {
      headers: { "JOB-TOKEN": token },
    });
    expect(closed.status).toBe(403);
  });

  it("keeps public-level access for a job token outside the allowlist of a public project", async () => {
    const pub = await make.project({ visibility: "public" });
    const { job } = await make.job(await make.pipeline(pub));
    await make.archive(job, smallZip());
    const token = await runningJobToken(await make.project(), await make.user());
    const res = await fetch(`/api/v4/projects/${pub.id}/jobs/${job.id}/artifacts`, { headers: { "JOB-TOKEN": token } });
    expect(res.status).toBe(302);
  });
});
