import { Breadcrumbs, JobFacts, Page } from "./layout";
import type { Child, JobListing } from "./listing";
import { humanSize, jobArtifactsPath } from "./paths";

/** GitLab's order: the page's subdirectories, then its files, each in byte order. */
function* directoriesFirst(children: readonly Child[]): Generator<Child> {
  for (const child of children) if (child.directory) yield child;
  for (const child of children) if (!child.directory) yield child;
}

/** A directory of a job's archive: subdirectories, then files, each a link; the archive's download. */
export function BrowsePage(props: {
  projectPath: string;
  path: string;
  listing: JobListing & { job: NonNullable<JobListing["job"]> };
  archiveSize: number;
  after?: string;
  now: Date;
}) {
  const { projectPath, path, listing, now } = props;
  const job = listing.job;
  const link = (action: "browse" | "file", name: string) =>
    jobArtifactsPath(projectPath, job.id, action, path ? `${path}/${name}` : name);
  const parent = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
  const title = path ? `${path}/` : "Artifacts";
  const nextPage = listing.next
    ? `${jobArtifactsPath(projectPath, job.id, "browse", path)}?after=${encodeURIComponent(listing.next)}`
    : null;
  return (
    <Page title={`${title} · Job #${job.id} · ${projectPath}`}>
      <Breadcrumbs projectPath={projectPath} jobId={job.id} path={path} current={true} />
      <h1>{path ? `Artifacts: ${path}/` : `Artifacts of job #${job.id}`}</h1>
      <JobFacts job={job} now={now} />
      <p class="actions">
        <a href={jobArtifactsPath(projectPath, job.id, "download")}>
          Download the archive ({humanSize(props.archiveSize)})
        </a>
      </p>
      <div class="table">
        <table>
          <caption>
            {listing.children.length === 1 ? "1 item" : `${listing.children.length} items`}
            {props.after ? " (continued)" : ""}
          </caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col" class="size">
                Size
              </th>
            </tr>
          </thead>
          <tbody>
            {path ? (
              <tr>
                <td>
                  <a href={jobArtifactsPath(projectPath, job.id, "browse", parent)}>.. (parent directory)</a>
                </td>
                <td class="size" />
              </tr>
            ) : null}
            {[...directoriesFirst(listing.children)].map((child) => (
              <tr>
                <td>
                  {child.directory ? (
                    <a href={link("browse", child.name)}>{child.name}/</a>
                  ) : (
                    <a href={link("file", child.name)}>{child.name}</a>
                  )}
                </td>
                <td class="size">
                  {child.size === null ? (
                    <span class="muted">directory</span>
                  ) : (
                    <data value={String(child.size)}>{humanSize(child.size)}</data>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {nextPage ? (
        <p class="actions">
          <a href={nextPage} rel="next">
            Next page
          </a>
        </p>
      ) : null}
    </Page>
  );
}
