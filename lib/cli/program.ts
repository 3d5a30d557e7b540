import { readFileSync } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { Command, CommanderError, Option } from "commander";
import { addAdminCommands, jobIdFrom } from "./admin";
import { call, callJson, projectPath } from "./client";
import { configPath, writeSaved } from "./config";
import { type Globals, type Io, print, progressFor, resolve, withAnyToken, withJobToken, withToken } from "./context";
import { defaultOutput, download } from "./download";
import { CliError, EXIT, type ExitCode, usageError } from "./errors";
import { id } from "./parse";
import { formatBytes } from "./progress";
import { upload } from "./upload";

type Json = Record<string, unknown>;

const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

/**
 * Checks a token with a request every deployment answers: GET of a job's archive in a project
 * that cannot exist. GitLab authenticates first, so a bad, expired or revoked token is its 401
 * (exit 2), and a good one reaches the lookup: 404 Project Not Found.
 */
async function checkToken(url: string, token: string) {
  try {
    await call({ base: url, credential: { kind: "token", token } }, "GET", "/projects/0/jobs/0/artifacts");
  } catch (error) {
    if (error instanceof CliError && error.exitCode === EXIT.refused && /^404 /.test(error.message)) return;
    throw error;
  }
}

async function readStdin(io: Io): Promise<string> {
  let text = "";
  for await (const chunk of io.stdin) text += String(chunk);
  return text.trim();
}

function addSessionCommands(program: Command, io: Io) {
  program
    .command("login")
    .description(
      `check a token and save it with the URL in ${configPath(io.env).replace(io.env.HOME ?? "\0", "~")} (mode 0600)`,
    )
    .option("--token-stdin", "read the token from standard input (keeps it out of the shell history)")
    .action(async (options: { tokenStdin?: boolean }, command: Command) => {
      const globals = command.optsWithGlobals<Globals>();
      const { url, token: found } = await resolve(io, globals);
      const token = options.tokenStdin ? await readStdin(io) : found;
      if (!token) throw usageError("no token: pass --token, --token-stdin or ARTIFACT_EDGE_TOKEN");
      await checkToken(url, token);
      const path = await writeSaved(io.env, { url, token });
      print(io, globals, { url, config: path }, `logged in to ${url}; saved in ${path}`);
    });

  program
    .command("whoami")
    .description("the user the token belongs to: GET /user")
    .action(async (_options: Json, command: Command) => {
      const globals = command.optsWithGlobals<Globals>();
      const user = (await callJson<Json>(await withToken(io, globals), "GET", "/user")) ?? {};
      print(io, globals, user, `${user.username} (id ${user.id}${user.is_admin ? ", admin" : ""})`);
    });
}

/** --output as given; a folder gets the default name inside it; none is the default name here. */
async function outputPath(given: string | undefined, name: string): Promise<string> {
  if (given === undefined) return name;
  const folder = await stat(given).then(
    (info) => info.isDirectory(),
    () => false,
  );
  return folder ? join(given, name) : given;
}

function addTransferCommands(program: Command, io: Io) {
  program
    .command("upload <file>")
    .description("upload a job's archive (a zip) with its CI_JOB_TOKEN, as GitLab Runner does")
    .option("--job-id <id>", "the job (default: CI_JOB_ID)", id)
    .option("--job-token <token>", "its token (default: CI_JOB_TOKEN)")
    .option("--expire-in <duration>", "30 days (default), 1 week, 2h 20min, never")
    .addOption(new Option("--access <who>", "who may download").choices(["all", "developer", "none"]))
    .option("--direct", "straight to storage (authorize, PUT, finalize), whatever the size")
    .option("--no-direct", "through the service, whatever the size")
    .action(async (file: string, options: Json, command: Command) => {
      const globals = command.optsWithGlobals<Globals>();
      const jobId = (options.jobId as number | undefined) ?? jobIdFrom(io);
      const connection = await withJobToken(io, globals, options.jobToken as string | undefined);
      // A lone --no-direct would default to true: only an explicit flag forces a path.
      const direct = command.getOptionValueSource("direct") === "cli" ? (options.direct as boolean) : undefined;
      const done = await upload(
        connection,
        { file, jobId, expireIn: options.expireIn as string, access: options.access as string, direct },
        progressFor(io, globals, "upload"),
      );
      const how = done.direct ? "straight to storage" : "through the service";
      print(io, globals, done.job, `uploaded ${file} (${formatBytes(done.size)}) to job ${jobId}, ${how}`);
    });

  program
    .command("download")
    .description("download a job's archive, or one file of it (--path); resumes a cut download")
    .requiredOption("--project <project>", "id or full path (demo/app)")
    .option("--job-id <id>", "the job", id)
    .option("--ref <ref>", "with --job: that job in the ref's latest successful pipeline")
    .option("--job <name>", "the job's name, with --ref")
    .option("--path <path>", "one file out of the archive (dist/index.html)")
    .option(
      "--output <file>",
      "file or folder to write to; - for standard output (default: artifacts.zip, or the file's name)",
    )
    .option("--job-token <token>", "download as a CI job (default when no token: CI_JOB_TOKEN)")
    .action(async (options: Json, command: Command) => {
      const globals = command.optsWithGlobals<Globals>();
      const wanted = {
        project: options.project as string,
        jobId: options.jobId as number | undefined,
        ref: options.ref as string | undefined,
        job: options.job as string | undefined,
        path: options.path as string | undefined,
      };
      if (
        (wanted.jobId === undefined) === (wanted.ref === undefined) ||
        (wanted.ref === undefined) !== (wanted.job === undefined)
      ) {
        throw usageError("say which job: --job-id, or --ref and --job");
      }
      const output = await outputPath(options.output as string | undefined, defaultOutput(wanted));
      const connection = await withAnyToken(io, globals, options.jobToken as string | undefined);
      const done = await download(connection, wanted, output, progressFor(io, globals, "download"), io.stdout);
      if (output === "-") return;
      const resumed = done.resumedFrom > 0 ? `, resumed at ${formatBytes(done.resumedFrom)}` : "";
      print(
        io,
        globals,
        { output: done.output, size: done.size, resumed_from: done.resumedFrom },
        `saved ${done.output} (${formatBytes(done.size)}${resumed})`,
      );
    });
}

function addRetentionCommands(program: Command, io: Io) {
  program
    .command("keep")
    .description("keep a job's artifacts from expiring: POST /projects/:id/jobs/:job_id/artifacts/keep")
    .requiredOption("--project <project>", "id or full path")
    .requiredOption("--job-id <id>", "the job", id)
    .action(async (options: { project: string; jobId: number }, command: Command) => {
      const globals = command.optsWithGlobals<Globals>();
      const path = `/projects/${projectPath(options.project)}/jobs/${options.jobId}/artifacts/keep`;
      const job = await callJson(await withToken(io, globals), "POST", path);
      print(io, globals, job, `job ${options.jobId}: artifacts kept (they no longer expire)`);
    });

  program
    .command("delete")
    .description("delete a job's artifacts now, or (--all) expire every unlocked artifact of a project")
    .requiredOption("--project <project>", "id or full path")
    .option("--job-id <id>", "the job", id)
    .option("--all", "DELETE /projects/:id/artifacts: expire all artifacts of unlocked pipelines")
    .action(async (options: { project: string; jobId?: number; all?: boolean }, command: Command) => {
      const globals = command.optsWithGlobals<Globals>();
      if ((options.jobId === undefined) === !options.all) throw usageError("say what to delete: --job-id or --all");
      const project = `/projects/${projectPath(options.project)}`;
      const connection = await withToken(io, globals);
      if (options.jobId !== undefined) {
        await call(connection, "DELETE", `${project}/jobs/${options.jobId}/artifacts`);
        print(io, globals, { deleted: true, job_id: options.jobId }, `job ${options.jobId}: artifacts deleted`);
        return;
      }
      const res = await call(connection, "DELETE", `${project}/artifacts`);
      const answer = (await res.text()) || null;
      print(io, globals, answer ? JSON.parse(answer) : { accepted: true }, `${options.project}: artifacts expire now`);
    });

  program
    .command("cleanup")
    .description("run one cleanup pass now (admin): POST /admin/artifacts/cleanup")
    .action(async (_options: Json, command: Command) => {
      const globals = command.optsWithGlobals<Globals>();
      const pass = (await callJson<Json>(await withToken(io, globals), "POST", "/admin/artifacts/cleanup")) ?? {};
      const bytes = formatBytes(Number(pass.bytes ?? 0));
      print(io, globals, pass, `removed ${pass.artifacts} artifacts (${bytes}), ${pass.objects} objects`);
    });
}

/** The whole command line; commander writes its own help and usage errors to `io`. */
export function buildProgram(io: Io): Command {
  const program = new Command("artifact-edge")
    .description("GitLab's Job Artifacts API (artifact-edge) from the command line")
    .version(version)
    .option("--url <url>", "the service (default: ARTIFACT_EDGE_URL, else login's, else http://localhost:8787)")
    .option("--token <token>", "personal access or admin token (default: ARTIFACT_EDGE_TOKEN, else login's)")
    .option("--json", "print the API's JSON on stdout")
    .option("--progress", "progress bars on stderr even when it is not a terminal")
    .option("--no-progress", "no progress bars")
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .exitOverride()
    .addHelpText(
      "after",
      "\nExit codes: 0 done, 1 usage error, 2 the API refused (4xx; its message on stderr), 3 server or network failure.",
    );
  addSessionCommands(program, io);
  addAdminCommands(program, io);
  addTransferCommands(program, io);
  addRetentionCommands(program, io);
  return program;
}

/** Runs one command line; errors become one `artifact-edge: ...` line on stderr and the exit code. */
export async function run(argv: readonly string[], io: Io): Promise<ExitCode> {
  try {
    await buildProgram(io).parseAsync([...argv], { from: "user" });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (error instanceof CliError) {
      io.stderr.write(`artifact-edge: ${error.message}\n`);
      return error.exitCode;
    }
    // A file that cannot be written (ENOENT, EISDIR, ENOSPC) is said in a line; anything else is a bug: its stack.
    const system = typeof (error as NodeJS.ErrnoException).code === "string";
    const said = error instanceof Error ? (system ? error.message : (error.stack ?? error.message)) : String(error);
    io.stderr.write(`artifact-edge: ${said}\n`);
    return EXIT.failed;
  }
}
