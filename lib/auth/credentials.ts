import type { AppContext } from "../http/app-env";
import { queryParam } from "../http/request";

export interface Credentials {
  readonly bearer: string | undefined;
  /** The access token: private_token, PRIVATE-TOKEN, else the Bearer value. */
  readonly access: string | undefined;
  /** The job token: job_token, token, JOB-TOKEN. */
  readonly job: string | undefined;
}

/**
 * The credentials a request presents, in GitLab's order (lib/gitlab/auth/auth_finders.rb):
 * parameters before headers, an empty one falls through (`.presence`). The Bearer value comes
 * from the Authorization header, else the `access_token` or `bearer_token` parameter
 * (Doorkeeper's access_token_methods).
 */
export function presentedCredentials(c: AppContext): Credentials {
  const bearer =
    /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "")?.[1] ||
    queryParam(c, "access_token") ||
    queryParam(c, "bearer_token") ||
    undefined;
  return {
    bearer,
    access: queryParam(c, "private_token") || c.req.header("private-token") || bearer,
    job: queryParam(c, "job_token") || queryParam(c, "token") || c.req.header("job-token"),
  };
}

/**
 * The runner API's job token (lib/api/helpers/runner.rb#job_token): the `token` parameter (the
 * body's `bodyToken` of PUT /jobs/:id, else the query's), else JOB-TOKEN.
 */
export function runnerJobToken(c: AppContext, bodyToken?: string): string | undefined {
  return bodyToken ?? queryParam(c, "token") ?? c.req.header("job-token");
}
