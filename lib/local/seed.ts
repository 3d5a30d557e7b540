import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { zipSync } from "fflate";

/** What the demo made, for the banner and for a second start. */
export interface Demo {
  readonly maintainerToken: string;
  readonly publicProject: { id: number; path: string };
  readonly privateProject: { id: number; path: string };
  readonly jobs: { build: number; test: number; docs: number; privateBuild: number };
}

const text = (value: string) => new TextEncoder().encode(value);

/** Demo archives, written by fflate as a CI job might write them. */
const ARCHIVES = {
  build: {
    "README.md": text("# demo/app\n\nBuilt by the demo pipeline.\n"),
    "dist/index.html": text("<!doctype html><title>demo</title><h1>Hello from artifact-edge</h1>\n"),
    "dist/app.js": text('console.log("hello");\n'),
  },
  test: { "reports/junit.xml": text('<?xml version="1.0"?><testsuite tests="1" failures="0"/>\n') },
  docs: { "docs/index.html": text("<!doctype html><title>docs</title><p>Docs from a child pipeline.</p>\n") },
  privateBuild: { "secret/config.json": text('{"internal": true}\n') },
};

/**
 * Seeds the demo through the service's own admin and runner API, so a first start also shows
 * that API working end to end: a public project demo/app and a private demo/private-app, a
 * maintainer with a PAT, pipelines on main (one with a child pipeline), finished jobs with zips.
 */
export async function seedDemo(baseUrl: string, adminToken: string): Promise<Demo> {
  async function call<T>(path: string, init: { method?: string; token?: string; job?: string; body?: unknown }) {
    const headers: Record<string, string> = {};
    if (init.token) headers["PRIVATE-TOKEN"] = init.token;
    if (init.job) headers["JOB-TOKEN"] = init.job;
    let body: BodyInit | undefined;
    if (init.body instanceof FormData) body = init.body;
    else if (init.body !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(init.body);
    }
    const res = await fetch(new URL(path, baseUrl), { method: init.method ?? "POST", headers, body });
    if (!res.ok)
      throw new Error(`demo seed: ${init.method ?? "POST"} ${path} answered ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  const user = await call<{ id: number }>("/api/v4/users", {
    token: adminToken,
    body: { username: "demo-maintainer", name: "Demo Maintainer", email: "maintainer@demo.test" },
  });
  const { token } = await call<{ token: string }>(`/api/v4/users/${user.id}/personal_access_tokens`, {
    token: adminToken,
    body: { name: "demo", scopes: ["api"] },
  });
  const project = (path: string, visibility: string) =>
    call<{ id: number; path_with_namespace: string }>("/api/v4/projects", {
      token: adminToken,
      body: { path, namespace: "demo", visibility },
    });
  const app = await project("app", "public");
  const secret = await project("private-app", "private");
  for (const p of [app, secret]) {
    await call(`/api/v4/projects/${p.id}/members`, { token: adminToken, body: { user_id: user.id, access_level: 40 } });
  }

  const pipeline = (projectId: number, body: Record<string, unknown>) =>
    call<{ id: number }>(`/api/v4/projects/${projectId}/pipelines`, { token, body });
  async function jobWithArtifacts(
    projectId: number,
    pipelineId: number,
    name: string,
    files: Record<string, Uint8Array>,
    access = "all",
  ) {
    const job = await call<{ id: number; token: string }>(
      `/api/v4/projects/${projectId}/pipelines/${pipelineId}/jobs`,
      {
        token,
        body: { name, stage: name === "test" ? "test" : "build" },
      },
    );
    const form = new FormData();
    form.append("file", new Blob([zipSync(files)], { type: "application/zip" }), "artifacts.zip");
    await call(
      `/api/v4/jobs/${job.id}/artifacts?artifact_type=archive&artifact_format=zip&expire_in=never&access=${access}`,
      {
        job: job.token,
        body: form,
      },
    );
    return job;
  }
  const finish = (job: { id: number; token: string }) =>
    call(`/api/v4/jobs/${job.id}`, { method: "PUT", job: job.token, body: { state: "success" } });

  const main = await pipeline(app.id, { ref: "main", source: "push" });
  const build = await jobWithArtifacts(app.id, main.id, "build", ARCHIVES.build);
  const test = await jobWithArtifacts(app.id, main.id, "test", ARCHIVES.test);
  const child = await pipeline(app.id, { ref: "main", parent_pipeline_id: main.id });
  const docs = await jobWithArtifacts(app.id, child.id, "docs", ARCHIVES.docs);
  for (const job of [docs, build, test]) await finish(job);

  const privateMain = await pipeline(secret.id, { ref: "main", source: "push" });
  const privateBuild = await jobWithArtifacts(secret.id, privateMain.id, "build", ARCHIVES.privateBuild, "developer");
  await finish(privateBuild);

  return {
    maintainerToken: token,
    publicProject: { id: app.id, path: app.path_with_namespace },
    privateProject: { id: secret.id, path: secret.path_with_namespace },
    jobs: { build: build.id, test: test.id, docs: docs.id, privateBuild: privateBuild.id },
  };
}

/**
 * The demo of an earlier start (kept in `demoFile`), else a new one. A seed that fails is
 * reported in one line and `npm start` keeps serving without a demo: the service itself is fine,
 * only the demo is missing. Nothing is kept, so the next start tries again.
 */
export async function loadOrSeedDemo(
  demoFile: string,
  baseUrl: string,
  adminToken: string,
  report: (line: string) => void = console.error,
): Promise<Demo | null> {
  if (existsSync(demoFile)) return JSON.parse(readFileSync(demoFile, "utf8")) as Demo;
  try {
    const demo = await seedDemo(baseUrl, adminToken);
    writeFileSync(demoFile, `${JSON.stringify(demo, null, 2)}\n`, { mode: 0o600 });
    return demo;
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split("\n")[0]?.slice(0, 300);
    report(`artifact-edge: the demo seed failed (${reason}); serving without a demo; the next start tries again`);
    return null;
  }
}

/** The banner's demo part: the demo's projects, its token and commands to try, or why there are none. */
export function demoBanner(baseUrl: string, demo: Demo | null): string {
  if (!demo) return "Demo: none (its seed failed, see above); the API is served all the same.";
  return `Demo: public project ${demo.publicProject.path} (id ${demo.publicProject.id}), private ${demo.privateProject.path} (id ${demo.privateProject.id})
  maintainer token (api scope): ${demo.maintainerToken}

Try:
${demoCommands(baseUrl, demo)
  .map((line) => `  ${line}`)
  .join("\n")}
  In a browser (the artifact browser): ${baseUrl}/${demo.publicProject.path}/-/jobs/artifacts/main/browse?job=build`;
}

/** Ready-to-paste commands for the four download endpoints, and the web URL a README badge uses. */
export function demoCommands(baseUrl: string, demo: Demo): string[] {
  const pub = encodeURIComponent(demo.publicProject.path);
  const priv = encodeURIComponent(demo.privateProject.path);
  const auth = `--header "PRIVATE-TOKEN: ${demo.maintainerToken}"`;
  return [
    `curl --location --output artifacts.zip "${baseUrl}/api/v4/projects/${pub}/jobs/${demo.jobs.build}/artifacts"`,
    `curl --location --output artifacts.zip "${baseUrl}/api/v4/projects/${pub}/jobs/artifacts/main/download?job=build"`,
    `curl --location "${baseUrl}/api/v4/projects/${pub}/jobs/${demo.jobs.build}/artifacts/dist/index.html"`,
    `curl --location "${baseUrl}/api/v4/projects/${pub}/jobs/artifacts/main/raw/docs/index.html?job=docs"`,
    `curl --location ${auth} "${baseUrl}/api/v4/projects/${priv}/jobs/artifacts/main/raw/secret/config.json?job=build"`,
    `curl --location "${baseUrl}/${demo.publicProject.path}/-/jobs/artifacts/main/raw/dist/index.html?job=build"`,
  ];
}
