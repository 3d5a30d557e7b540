import type { Command } from "commander";
import { callJson, projectPath } from "./client";
import { type Globals, type Io, print, withJobToken, withToken } from "./context";
import { usageError } from "./errors";
import { accessLevel, id, list } from "./parse";

type Json = Record<string, unknown>;

/** POSTs `body` with the caller's token, and prints the API's JSON (`--json`) or `human(answer)`. */
async function create(io: Io, command: Command, path: string, body: Json, human: (answer: Json) => string) {
  const globals = command.optsWithGlobals<Globals>();
  const answer = (await callJson<Json>(await withToken(io, globals), "POST", path, { json: body })) ?? {};
  print(io, globals, answer, human(answer));
}

/** Only the options the user gave, so the API applies its own defaults to the rest. */
const given = (options: Json) => Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));

/** user, token, project, member, allowlist, pipeline, job: the admin API of docs/api.md. */
export function addAdminCommands(program: Command, io: Io) {
  const user = program.command("user").description("users (admin)");
  user
    .command("create <username>")
    .description("create a user: POST /users")
    .option("--name <name>", "display name (default: the username)")
    .option("--email <email>", "e-mail address")
    .option("--admin", "an instance admin")
    .action((username: string, options: Json, command: Command) =>
      create(io, command, "/users", { username, ...given(options) }, (u) => `user ${u.username} (id ${u.id})`),
    );

  const token = program.command("token").description("personal access tokens (admin)");
  token
    .command("create")
    .description("create a personal access token: POST /users/:user_id/personal_access_tokens; prints it")
    .requiredOption("--user <id>", "the user's id", id)
    .requiredOption("--name <name>", "what the token is for")
    .option("--scopes <scopes>", "comma-separated: api, read_api", list, ["api"])
    .option("--expires-at <date>", "YYYY-MM-DD (default: never)")
    .action((options: { user: number; name: string; scopes: string[]; expiresAt?: string }, command: Command) =>
      create(
        io,
        command,
        `/users/${options.user}/personal_access_tokens`,
        given({ name: options.name, scopes: options.scopes, expires_at: options.expiresAt }),
        (t) => String(t.token),
      ),
    );

  const project = program.command("project").description("projects (admin)");
  project
    .command("create <path>")
    .description("create a project: POST /projects")
    .option("--namespace <namespace>", "its group (default: root)")
    .option("--visibility <visibility>", "private (default), internal or public")
    .option("--public-builds", "anyone who can see the project can download its artifacts")
    .option("--no-public-builds", "only members can download its artifacts")
    .option("--no-keep-latest-artifact", "let the artifacts of the latest successful pipeline expire")
    .action((path: string, options: Json, command: Command) =>
      create(
        io,
        command,
        "/projects",
        given({
          path,
          namespace: options.namespace,
          visibility: options.visibility,
          public_builds: options.publicBuilds,
          // commander makes a lone --no- option default to true: send it only when given.
          keep_latest_artifact: options.keepLatestArtifact === false ? false : undefined,
        }),
        (p) => `project ${p.path_with_namespace} (id ${p.id})`,
      ),
    );

  const member = program.command("member").description("project members");
  member
    .command("add")
    .description("add a member to a project: POST /projects/:id/members")
    .requiredOption("--project <project>", "id or full path (demo/app)")
    .requiredOption("--user <id>", "the user's id", id)
    .requiredOption(
      "--access-level <level>",
      "guest, reporter, developer, maintainer, owner (or 10 to 50)",
      accessLevel,
    )
    .action((options: { project: string; user: number; accessLevel: number }, command: Command) =>
      create(
        io,
        command,
        `/projects/${projectPath(options.project)}/members`,
        { user_id: options.user, access_level: options.accessLevel },
        (m) => `${m.username} (id ${m.id}) added to ${options.project} at access level ${m.access_level}`,
      ),
    );

  const allowlist = program.command("allowlist").description("the CI/CD job token allowlist");
  allowlist
    .command("add")
    .description(
      "let another project's CI jobs use their CI_JOB_TOKEN here: POST /projects/:id/job_token_scope/allowlist",
    )
    .requiredOption("--project <project>", "the project to open (id or full path)")
    .requiredOption("--target <id>", "the id of the project whose jobs may come in", id)
    .action((options: { project: string; target: number }, command: Command) =>
      create(
        io,
        command,
        `/projects/${projectPath(options.project)}/job_token_scope/allowlist`,
        { target_project_id: options.target },
        (l) => `project ${l.target_project_id}'s jobs may now use their CI_JOB_TOKEN on project ${l.source_project_id}`,
      ),
    );

  const pipeline = program.command("pipeline").description("pipelines");
  pipeline
    .command("create")
    .description("create a pipeline: POST /projects/:id/pipelines")
    .requiredOption("--project <project>", "id or full path")
    .requiredOption("--ref <ref>", "branch or tag")
    .option("--sha <sha>", "commit")
    .action((options: { project: string; ref: string; sha?: string }, command: Command) =>
      create(
        io,
        command,
        `/projects/${projectPath(options.project)}/pipelines`,
        given({ ref: options.ref, sha: options.sha }),
        (p) => `pipeline ${p.id} on ${p.ref}`,
      ),
    );

  const job = program.command("job").description("jobs");
  job
    .command("create")
    .description(
      "create a running job: POST /projects/:id/pipelines/:pipeline_id/jobs; prints CI_JOB_ID and CI_JOB_TOKEN",
    )
    .requiredOption("--project <project>", "id or full path")
    .requiredOption("--pipeline <id>", "the pipeline's id", id)
    .requiredOption("--name <name>", "the job's name (build, test, ...)")
    .option("--stage <stage>", "its stage (default: test)")
    .action((options: { project: string; pipeline: number; name: string; stage?: string }, command: Command) =>
      create(
        io,
        command,
        `/projects/${projectPath(options.project)}/pipelines/${options.pipeline}/jobs`,
        given({ name: options.name, stage: options.stage }),
        // Lines for `export $(artifact-edge job create ...)`, which `upload` then reads.
        (j) => `CI_JOB_ID=${j.id}\nCI_JOB_TOKEN=${j.token}`,
      ),
    );

  job
    .command("update")
    .description("finish a job, as its runner does: PUT /jobs/:job_id with the job's token")
    .option("--job-id <id>", "the job (default: CI_JOB_ID)", id)
    .option("--job-token <token>", "its token (default: CI_JOB_TOKEN)")
    .requiredOption("--state <state>", "running, success, failed or canceled")
    .action(async (options: { jobId?: number; jobToken?: string; state: string }, command: Command) => {
      const globals = command.optsWithGlobals<Globals>();
      const jobId = options.jobId ?? jobIdFrom(io);
      const connection = await withJobToken(io, globals, options.jobToken);
      const answer = await callJson<Json>(connection, "PUT", `/jobs/${jobId}`, { json: { state: options.state } });
      print(io, globals, answer, `job ${jobId} is ${answer?.status}`);
    });
}

/** CI_JOB_ID, as the runner sets it, when --job-id is not given. */
export function jobIdFrom(io: Io): number {
  const value = io.env.CI_JOB_ID;
  if (!value || !/^\d+$/.test(value)) throw usageError("say which job: --job-id or CI_JOB_ID");
  return Number(value);
}
