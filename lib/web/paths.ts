/** URLs of the artifact pages, as GitLab's routes (config/routes/project.rb) shape them. */

/** Each segment of a `/`-separated path, percent-encoded (`?`, `#`, `%` and spaces stay in the path). */
export const encodePath = (path: string): string => path.split("/").map(encodeURIComponent).join("/");

export type JobAction = "download" | "browse" | "file" | "raw";

/** `/<namespace>/<project>/-/jobs/<id>/artifacts/<action>[/<path>]`. */
export function jobArtifactsPath(projectPath: string, jobId: number, action: JobAction, path?: string): string {
  const base = `/${encodePath(projectPath)}/-/jobs/${jobId}/artifacts/${action}`;
  return path ? `${base}/${encodePath(path)}` : base;
}

/** The directories above `path` (`a/b/c` → `a`, `a/b`), each with its own name. */
export function ancestors(path: string): { name: string; path: string }[] {
  const parts = path.split("/").filter((part) => part !== "");
  return parts.map((name, i) => ({ name, path: parts.slice(0, i + 1).join("/") }));
}

/** Byte counts as people read them (GitLab's number_to_human_size: 1024-based, one decimal). */
export function humanSize(bytes: number): string {
  const units = ["KiB", "MiB", "GiB", "TiB"];
  if (bytes < 1024) return `${bytes} B`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * The ref route's `ref_name_and_path` split into a ref and what follows it. GitLab's
 * ExtractsRef takes the longest branch or tag name the path starts with; with no repository here,
 * every split before an action segment is a candidate, the longest first, and the caller takes the
 * first whose ref has the job. At most MAX_REF_CANDIDATES are tried.
 */
export const MAX_REF_CANDIDATES = 4;

export interface RefCandidate {
  readonly ref: string;
  readonly action: JobAction;
  /** The raw (still percent-encoded) path after the action, if any. */
  readonly path: string;
}

export function refCandidates(rawRefAndPath: string): RefCandidate[] {
  const segments = rawRefAndPath.split("/");
  const candidates: RefCandidate[] = [];
  for (let i = segments.length - 1; i >= 1 && candidates.length < MAX_REF_CANDIDATES; i--) {
    const action = segments[i];
    const path = segments.slice(i + 1).join("/");
    const ok =
      (action === "download" && path === "") ||
      action === "browse" ||
      ((action === "file" || action === "raw") && path !== "");
    if (!ok) continue;
    let ref = segments.slice(0, i).join("/");
    try {
      ref = decodeURIComponent(ref);
    } catch {
      // Not valid percent-encoding: no pipeline has such a ref, so it finds nothing.
    }
    candidates.push({ ref, action, path });
  }
  return candidates;
}
