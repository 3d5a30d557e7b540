#!/usr/bin/env node
// `npx artifact-edge`: the command line (lib/cli/), TypeScript run through tsx's loader, as
// `npm start` runs the dev stack; package.json's "bin" points here.
import { register } from "tsx/esm/api";

register();
const { run } = await import("../lib/cli/program.ts");
process.exitCode = await run(process.argv.slice(2), process);
