import type { Status } from "../../schema/pipelines";

export interface JobState {
  readonly status: Status;
  readonly allowFailure: boolean;
}

/**
 * A pipeline's status from its (non-retried) jobs, as GitLab's Gitlab::Ci::Status::Composite
 * computes it. A failed job that is allowed to fail counts as "success with warnings".
 */
export function compositeStatus(states: readonly JobState[]): Status {
  const set = new Set<string>(states.map((s) => (s.allowFailure && s.status === "failed" ? "warned" : s.status)));
  const onlyOf = (...allowed: string[]) => [...set].every((s) => allowed.includes(s));
  const anyOf = (...wanted: string[]) => wanted.some((s) => set.has(s));

  if (set.size === 0) return "created";
  if (onlyOf("skipped")) return "skipped";
  if (onlyOf("success", "skipped", "warned")) return "success";
  if (onlyOf("created", "warned")) return "created";
  if (onlyOf("canceled", "success", "skipped", "warned")) return "canceled";
  if (onlyOf("pending", "created", "skipped", "warned")) return "pending";
  if (anyOf("running", "pending")) return "running";
  if (anyOf("manual")) return "manual";
  if (anyOf("created")) return "running";
  if (anyOf("canceling")) return "canceling";
  return "failed";
}

export const COMPLETED: readonly Status[] = ["success", "failed", "canceled", "skipped"];
