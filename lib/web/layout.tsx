import type { Child as JsxChild } from "hono/jsx";
import type { JobSummary } from "./listing";
import { ancestors, jobArtifactsPath } from "./paths";

/**
 * One stylesheet, inline: no external asset, no script. System fonts, light and dark from
 * prefers-color-scheme, readable on a phone (the table scrolls inside its own box, long names
 * wrap), visible focus, contrast above WCAG AA in both schemes.
 */
const CSS = `
:root { color-scheme: light dark; --fg: #1f1e24; --muted: #535158; --bg: #fff; --line: #dcdcde;
  --link: #1f5fbf; --code: #f6f6f8; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #ececef; --muted: #bfbfc3; --bg: #18171d; --line: #434248; --link: #8fb8f5; --code: #232128; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 64rem; margin: 0 auto; padding: 1rem; }
a { color: var(--link); }
a:focus-visible { outline: 3px solid var(--link); outline-offset: 2px; }
h1 { font-size: 1.4rem; margin: .5rem 0; overflow-wrap: anywhere; }
nav ol { list-style: none; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: .25rem; }
nav li { overflow-wrap: anywhere; }
nav li + li::before { content: "/"; padding-right: .25rem; color: var(--muted); }
dl.job { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 1rem 0; }
dl.job dt { color: var(--muted); }
dl.job dd { margin: 0; overflow-wrap: anywhere; }
.actions { display: flex; flex-wrap: wrap; gap: .5rem 1rem; margin: 1rem 0; }
.table { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; color: var(--muted); padding: .25rem 0; }
th, td { text-align: left; padding: .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
td:first-child { overflow-wrap: anywhere; word-break: break-word; }
th.size, td.size { text-align: right; white-space: nowrap; }
pre { background: var(--code); padding: 1rem; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; font-size: .875rem; }
img.artifact { max-width: 100%; height: auto; background: repeating-conic-gradient(#ccc 0 25%, #fff 0 50%) 0 0 / 16px 16px; }
.muted { color: var(--muted); }
`;

export function Page(props: { title: string; children: JsxChild }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{props.title}</title>
        {/* A constant, set raw: JSX would escape its quotes into entities CSS does not read. */}
        <style dangerouslySetInnerHTML={{ __html: CSS }} />
      </head>
      <body>
        <main>{props.children}</main>
      </body>
    </html>
  );
}

/** Where the page is: project, job, artifacts, then each directory down to `path`. */
export function Breadcrumbs(props: { projectPath: string; jobId: number; path: string; current: boolean }) {
  const { projectPath, jobId, path } = props;
  const dirs = ancestors(path);
  return (
    <nav aria-label="Breadcrumb">
      <ol>
        <li>{projectPath}</li>
        <li>Job #{jobId}</li>
        <li>
          <a
            href={jobArtifactsPath(projectPath, jobId, "browse")}
            aria-current={dirs.length === 0 ? "page" : undefined}
          >
            Artifacts
          </a>
        </li>
        {dirs.map((dir, i) => {
          const last = i === dirs.length - 1;
          if (last && props.current) return <li aria-current="page">{dir.name}</li>;
          return (
            <li>
              <a href={jobArtifactsPath(projectPath, jobId, "browse", dir.path)}>{dir.name}</a>
            </li>
          );
        })}
      </ol>
    </nav>
  );
}

/** The job behind the artifacts: name, ref, pipeline, status and when the artifacts expire. */
export function JobFacts(props: { job: JobSummary; now: Date }) {
  const { job, now } = props;
  const expiry = job.expireAt;
  return (
    <dl class="job">
      <dt>Job</dt>
      <dd>
        #{job.id} {job.name} ({job.status})
      </dd>
      <dt>Ref</dt>
      <dd>
        <code>{job.ref}</code>
      </dd>
      <dt>Pipeline</dt>
      <dd>#{job.pipelineId}</dd>
      <dt>Expires</dt>
      <dd>
        {expiry ? (
          <time datetime={expiry.toISOString()}>
            {expiry <= now ? "expired " : ""}
            {expiry
              .toISOString()
              .replace("T", " ")
              .replace(/\.\d+Z$/, " UTC")}
          </time>
        ) : (
          "never"
        )}
      </dd>
    </dl>
  );
}

/** GitLab's web 404 (public/404.html's words): the same page for "not there" and "not yours". */
export function NotFoundPage(props: { status: number; title: string; message: string }) {
  return (
    <Page title={`${props.title} (${props.status})`}>
      <h1>
        {props.status}: {props.title}
      </h1>
      <p>{props.message}</p>
    </Page>
  );
}
