export interface CredentialSource {
  header(name: string): string | undefined;
  query(name: string): string | undefined;
}

export interface Credentials {
  readonly bearer: string | undefined;
  /** The access token: PRIVATE-TOKEN, private_token, else the Bearer value. */
  readonly access: string | undefined;
  /** The job token: JOB-TOKEN, job_token, token. */
  readonly job: string | undefined;
}

/** The credentials a request presents, in GitLab's order. */
export function credentialsOf(source: CredentialSource): Credentials {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(source.header("authorization") ?? "")?.[1];
  return {
    bearer,
    access: source.header("private-token") || source.query("private_token") || bearer,
    job: source.header("job-token") || source.query("job_token") || source.query("token"),
  };
}
