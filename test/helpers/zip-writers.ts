import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { PassThrough } from "node:stream";
import archiver from "archiver";
import { zipSync } from "fflate";
import yazl from "yazl";

/** One file to put in a test archive. */
export interface Entry {
  readonly name: string;
  readonly data: Uint8Array;
  readonly store?: boolean;
}

async function collect(stream: NodeJS.ReadableStream): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return new Uint8Array(Buffer.concat(chunks));
}

function inTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "zipw-"));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The writers real CI jobs use, each run for real (Go's are fixtures made by Go: test/fixtures/go). */
export const WRITERS: Record<string, (entries: readonly Entry[]) => Promise<Uint8Array>> = {
  fflate: async (entries) =>
    zipSync(Object.fromEntries(entries.map((e) => [e.name, [e.data, { level: e.store ? 0 : 6 }]]))),

  // yazl: buffers with known sizes, and a stream, which it writes with a data descriptor.
  yazl: async (entries) => {
    const zip = new yazl.ZipFile();
    entries.forEach((e, i) => {
      if (i % 2 === 1) {
        const stream = new PassThrough();
        stream.end(Buffer.from(e.data));
        zip.addReadStream(stream, e.name, { compress: !e.store });
      } else {
        zip.addBuffer(Buffer.from(e.data), e.name, { compress: !e.store });
      }
    });
    zip.end();
    return collect(zip.outputStream);
  },

  // archiver (zip-stream): streaming, data descriptors on every entry.
  archiver: async (entries) => {
    const zip = archiver("zip", { zlib: { level: 6 } });
    const done = collect(zip);
    for (const e of entries) zip.append(Buffer.from(e.data), { name: e.name, store: e.store });
    await zip.finalize();
    return done;
  },

  // Python's zipfile, the stdlib writer.
  python: async (entries) =>
    inTempDir((dir) => {
      const spec = join(dir, "spec.json");
      const out = join(dir, "out.zip");
      writeFileSync(
        spec,
        JSON.stringify(entries.map((e) => [e.name, Buffer.from(e.data).toString("base64"), !!e.store])),
      );
      execFileSync("python3", [
        "-c",
        `import base64, json, sys, zipfile
with zipfile.ZipFile(sys.argv[2], "w") as z:
    for name, data, store in json.load(open(sys.argv[1])):
        z.writestr(name, base64.b64decode(data), zipfile.ZIP_STORED if store else zipfile.ZIP_DEFLATED)`,
        spec,
        out,
      ]);
      return new Uint8Array(readFileSync(out));
    }),

  // Info-ZIP zip (Debian's package), from files on disk.
  infozip: async (entries) =>
    inTempDir((dir) => {
      const root = join(dir, "root");
      for (const e of entries) {
        mkdirSync(dirname(join(root, e.name)), { recursive: true });
        writeFileSync(join(root, e.name), e.data);
      }
      const out = join(dir, "out.zip");
      const stored = entries.filter((e) => e.store).map((e) => e.name);
      const deflated = entries.filter((e) => !e.store).map((e) => e.name);
      if (deflated.length) execFileSync("zip", ["-q", "-X", "-D", out, ...deflated], { cwd: root });
      if (stored.length) execFileSync("zip", ["-q", "-X", "-D", "-0", out, ...stored], { cwd: root });
      return new Uint8Array(readFileSync(out));
    }),
};

/** Runs Python's zipfile with a script of our own; `out` is where it must write. */
export function pythonZip(script: string): Uint8Array {
  return inTempDir((dir) => {
    const out = join(dir, "out.zip");
    execFileSync("python3", ["-c", `import sys, zipfile\nout = sys.argv[1]\n${script}`, out]);
    return new Uint8Array(readFileSync(out));
  });
}

/** Runs Info-ZIP's zip on files we write first; returns the archive. */
export function infoZip(files: Record<string, string>, args: string[], input?: string): Uint8Array {
  return inTempDir((dir) => {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    execFileSync("zip", ["-q", "-X", ...args, "out.zip", ...Object.keys(files)], { cwd: dir, input });
    return new Uint8Array(readFileSync(join(dir, "out.zip")));
  });
}
