import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { zipSync } from "fflate";
import { type Browser, chromium, type Page } from "playwright-core";
import { text } from "./bytes";
import { unique } from "./unique";

const CHROMIUM = "/usr/bin/chromium";

/**
 * Debian's chromium, headless, driven by playwright-core (which downloads no browser); installed
 * from Debian on first use (test/helpers/debian.ts).
 */
export async function launchChromium(): Promise<Browser> {
  const { ensureDebianPackages } = await import("./debian");
  ensureDebianPackages(["chromium"], CHROMIUM);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // As root in a container there is no user namespace for chromium's sandbox.
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
}

/** axe-core's WCAG 2.1 A/AA rules run in the page: the violations, by rule and the nodes' HTML. */
export async function accessibilityViolations(page: Page): Promise<{ id: string; nodes: string[] }[]> {
  const source = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
  // evaluate() runs through DevTools, not as a page script, so the pages' CSP does not stop it.
  await page.evaluate(source);
  return page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(o: unknown): Promise<AxeResult> } }).axe;
    type AxeResult = { violations: { id: string; nodes: { html: string }[] }[] };
    const result = await axe.run({ runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return result.violations.map((v) => ({ id: v.id, nodes: v.nodes.map((n) => n.html) }));
  });
}

/** Does the page scroll sideways (wider content than its viewport)? */
export const scrollsSideways = (page: Page): Promise<boolean> =>
  page.evaluate(() => {
    type Root = { scrollWidth: number; clientWidth: number };
    const root = (globalThis as unknown as { document: { documentElement: Root } }).document.documentElement;
    return root.scrollWidth > root.clientWidth;
  });

/** A coverage badge as CI jobs write them (shields.io's flat style). */
export const BADGE_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="114" height="20" role="img" aria-label="coverage: 92.4%">
<rect width="61" height="20" fill="#555"/><rect x="61" width="53" height="20" fill="#4c1"/>
<g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">
<text x="30.5" y="14">coverage</text><text x="86.5" y="14">92.4%</text></g></svg>
`;

/** What a CI job of a small web project leaves behind, a hostile name among it. */
export const SHOWCASE_FILES: Record<string, Uint8Array> = {
  "README.md": text("# site\n\nBuilt by the `build` job.\n"),
  "coverage/badge.svg": text(BADGE_SVG),
  "coverage/index.html": text("<!doctype html><title>Coverage</title><script>alert('coverage')</script>\n"),
  "coverage/lcov.info": text("TN:\nSF:src/app.ts\nDA:1,1\nDA:2,1\nLF:2\nLH:2\nend_of_record\n"),
  "dist/index.html": text("<!doctype html><title>site</title><h1>Hello</h1>\n"),
  "dist/assets/app.3f9c2b.js": text('console.log("hello");\n'.repeat(40)),
  "dist/assets/style.css": text("body { font-family: system-ui; }\n"),
  "dist/assets/vendor/averyverylongfilenamewithnobreakopportunitythatmustwraponaphone0123456789.min.js":
    text("void 0;\n"),
  "<img src=x onerror=alert(1)>.txt": text("<script>alert(2)</script> & friends\n"),
  "logs/build.log": text(
    Array.from({ length: 30 }, (_, i) => `2026-11-26T03:${String(i).padStart(2, "0")}:00Z step ${i} ok`).join("\n"),
  ),
  "reports/junit.xml": text('<?xml version="1.0"?><testsuite tests="12" failures="0"/>\n'),
  "bin/tool": Uint8Array.from({ length: 4096 }, (_, i) => (i * 31) % 256),
};

export interface Showcase {
  readonly projectPath: string;
  readonly jobId: number;
  /** `/<project>/-/jobs/<id>/artifacts` */
  readonly base: string;
}

/**
 * A public project under a nested namespace, a successful pipeline on main and its job "build"
 * holding SHOWCASE_FILES, made through the service's own admin and runner API.
 */
export async function publishShowcase(origin: string, adminToken: string, path = unique("site")): Promise<Showcase> {
  async function call<T>(route: string, init: { token: string; job?: boolean; body: unknown; method?: string }) {
    const form = init.body instanceof FormData;
    const res = await fetch(new URL(route, origin), {
      method: init.method ?? "POST",
      headers: {
        [init.job ? "JOB-TOKEN" : "PRIVATE-TOKEN"]: init.token,
        ...(form ? {} : { "content-type": "application/json" }),
      },
      body: form ? (init.body as FormData) : JSON.stringify(init.body),
    });
    if (!res.ok) throw new Error(`${route}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }
  const project = await call<{ id: number; path_with_namespace: string }>("/api/v4/projects", {
    token: adminToken,
    body: { path, namespace: "acme/web", visibility: "public" },
  });
  const pipeline = await call<{ id: number }>(`/api/v4/projects/${project.id}/pipelines`, {
    token: adminToken,
    body: { ref: "main", source: "push" },
  });
  const job = await call<{ id: number; token: string }>(
    `/api/v4/projects/${project.id}/pipelines/${pipeline.id}/jobs`,
    { token: adminToken, body: { name: "build" } },
  );
  const form = new FormData();
  form.append("file", new Blob([zipSync(SHOWCASE_FILES)], { type: "application/zip" }), "artifacts.zip");
  await call(`/api/v4/jobs/${job.id}/artifacts?expire_in=30%20days`, { token: job.token, job: true, body: form });
  await call(`/api/v4/jobs/${job.id}`, { method: "PUT", token: job.token, job: true, body: { state: "success" } });
  const projectPath = project.path_with_namespace;
  return { projectPath, jobId: job.id, base: `/${projectPath}/-/jobs/${job.id}/artifacts` };
}
