import { Breadcrumbs, JobFacts, Page } from "./layout";
import type { JobSummary } from "./listing";
import { humanSize, jobArtifactsPath } from "./paths";

/** What a file page shows of the file: its text, the image itself, or only links. */
export type FileView =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "image" }
  | { readonly kind: "binary" }
  | { readonly kind: "too-large" };

/** One file of a job's archive: text inline (escaped), images inline, anything else a download link. */
export function FilePage(props: {
  projectPath: string;
  path: string;
  size: number;
  job: JobSummary;
  view: FileView;
  now: Date;
}) {
  const { projectPath, path, job, view } = props;
  const raw = jobArtifactsPath(projectPath, job.id, "raw", path);
  const name = path.slice(path.lastIndexOf("/") + 1);
  return (
    <Page title={`${path} · Job #${job.id} · ${projectPath}`}>
      <Breadcrumbs projectPath={projectPath} jobId={job.id} path={path} current={true} />
      <h1>{name}</h1>
      <JobFacts job={job} now={props.now} />
      <p class="actions">
        <a href={raw}>Download {name}</a>
        <span class="muted">{humanSize(props.size)}</span>
        <a href={jobArtifactsPath(projectPath, job.id, "download")}>Download the whole archive</a>
      </p>
      {view.kind === "text" ? (
        <pre>
          <code>{view.text}</code>
        </pre>
      ) : null}
      {view.kind === "image" ? <img class="artifact" src={raw} alt={name} /> : null}
      {view.kind === "binary" ? <p>This file is not text; use the download link above.</p> : null}
      {view.kind === "too-large" ? <p>This file is too large to show here; use the download link above.</p> : null}
    </Page>
  );
}
