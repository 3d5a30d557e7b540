import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

/**
 * Debian's packages a test drives (GitLab's client libraries, chromium), installed on first use
 * when missing: nothing is downloaded from outside Debian's archive. Test files run in parallel,
 * so apt runs under one lock; a second caller waits, then finds the packages there.
 * `probe` is a file the packages install (a command's path): when it exists nothing is run.
 */
export function ensureDebianPackages(packages: readonly string[], probe: string): void {
  if (existsSync(probe)) return;
  const script = [
    `test -e '${probe}' && exit 0`,
    "apt-get update -qq",
    `DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${packages.join(" ")}`,
  ].join("\n");
  try {
    execFileSync("flock", ["/tmp/artifact-edge-apt.lock", "sh", "-ec", script], {
      stdio: ["ignore", "ignore", "pipe"],
      timeout: 600_000,
    });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`could not install Debian's ${packages.join(", ")} (needs root and apt): ${stderr || error}`);
  }
  if (!existsSync(probe)) throw new Error(`Debian's ${packages.join(", ")} installed no ${probe}`);
}
