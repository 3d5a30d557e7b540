#!/usr/bin/env node
// `npx artifact-edge`: the command line (lib/cli/), TypeScript run through tsx's loader, as
// `npm start` runs the dev stack; package.json's "bin" points here.
import { register } from "tsx/esm/api";

// A reader that stops early (`| head`) is not a failure of ours: end quietly, as `cat` does.
process.stdout.on("error", (error) => {
  if (error.code !== "EPIPE") throw error;
  process.exit(process.exitCode ?? 0);
});
register();
const { run } = await import("../lib/cli/program.ts");
process.exitCode = await run(process.argv.slice(2), process);
