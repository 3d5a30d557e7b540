import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { usageError } from "./errors";

/** What `login` keeps: the service's URL and a personal access token (or the admin token). */
export interface Saved {
  readonly url: string;
  readonly token: string;
}

/** Where `login` keeps it: $XDG_CONFIG_HOME/artifact-edge/config.json (~/.config by default), as glab does. */
export function configPath(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return join(base, "artifact-edge", "config.json");
}

export async function readSaved(env: NodeJS.ProcessEnv): Promise<Partial<Saved>> {
  const path = configPath(env);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<Saved>;
    return {
      ...(typeof parsed.url === "string" ? { url: parsed.url } : {}),
      ...(typeof parsed.token === "string" ? { token: parsed.token } : {}),
    };
  } catch {
    throw usageError(`${path} is not JSON: run \`artifact-edge login\` again, or delete it`);
  }
}

/**
 * Writes the file readable by its owner only (0600, in a 0700 folder), through a temporary file
 * created with that mode, so the token is never readable by others, not even for a moment.
 */
export async function writeSaved(env: NodeJS.ProcessEnv, saved: Saved): Promise<string> {
  const path = configPath(env);
  const folder = join(path, "..");
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(saved, null, 2)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
  return path;
}
