import type { AppContext } from "../http/app-env";

export interface Credentials {
  readonly bearer: string | undefined;
  /** The access token: PRIVATE-TOKEN, private_token, else the Bearer value. */
  readonly access: string | undefined;
  /** The job token: JOB-TOKEN, job_token, token. */
  readonly job: string | undefined;
}

/** The credentials a request presents, in GitLab's order (an empty header falls through). */
export function presentedCredentials(c: AppContext): Credentials {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "")?.[1];
  return {
    bearer,
    access: c.req.header("private-token") || c.req.query("private_token") || bearer,
    job: c.req.header("job-token") || c.req.query("job_token") || c.req.query("token"),
  };
}

/**
 * The runner API's job token (lib/api/helpers/runner.rb#job_token): JOB-TOKEN, else the `token`
 * parameter, which PUT /jobs/:id may also carry in its body (`bodyToken`).
 */
export function runnerJobToken(c: AppContext, bodyToken?: string): string | undefined {
  return c.req.header("job-token") ?? bodyToken ?? c.req.query("token");
}
