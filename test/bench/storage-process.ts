/**
 * s3rver in a process of its own, serving the bench stack's storage directory. For the HTTP load:
 * in the bench's process it would share an event loop with the load generator, whose latencies
 * would then include s3rver's work (about 0.55 ms of CPU a ranged GET).
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { startLocalS3 } from "../../lib/local/stack";

const SELF = fileURLToPath(import.meta.url);

export async function startStorageProcess(directory: string): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ["--import", "tsx", SELF, directory], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = once(child, "exit");
  const [line] = (await Promise.race([
    once(createInterface({ input: child.stdout }), "line"),
    exited.then(() => {
      throw new Error("the storage process exited before it listened");
    }),
  ])) as [string];
  const { endpoint } = JSON.parse(line) as { endpoint: string };
  return {
    endpoint,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill();
      await exited;
    },
  };
}

if (process.argv[1] === SELF) {
  const directory = process.argv[2];
  if (!directory) throw new Error("usage: storage-process.ts <s3rver directory>");
  const storage = await startLocalS3(directory);
  console.log(JSON.stringify({ endpoint: storage.settings.endpoint }));
}
