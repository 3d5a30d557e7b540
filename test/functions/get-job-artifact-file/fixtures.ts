import { zipSync } from "fflate";
import { text } from "../../helpers/bytes";
import type { Harness } from "../../helpers/harness";

export const FILES = {
  "index.html": text("<!doctype html><h1>hi</h1>\n"),
  "app.js": text("console.log(1)\n"),
  "data.json": text('{"a":1}\n'),
  "notes.txt": text("plain notes\n"),
  "logo.svg": text('<svg xmlns="http://www.w3.org/2000/svg"/>'),
  blob: Uint8Array.from({ length: 300 }, (_, i) => i % 256),
  "dir/with space/a #1.txt": text("spaced"),
  'q"uote\\d.txt': text("quoted"),
  "Case.txt": text("upper"),
  "big/stored.bin": Uint8Array.from({ length: 200_000 }, (_, i) => (i * 7) % 251),
  "big/deflated.txt": text("line of text that compresses well\n".repeat(5000)),
};

/** A public project's job whose archive holds FILES (big/stored.bin stored, not deflated) and an empty directory. */
export function jobFiles(h: Harness) {
  return {
    async fixture(options: { expireAt?: Date | null; locked?: boolean; indexed?: boolean } = {}) {
      const zip = zipSync({
        ...Object.fromEntries(Object.entries(FILES).filter(([name]) => name !== "big/stored.bin")),
        "big/stored.bin": [FILES["big/stored.bin"], { level: 0 }],
        "emptydir/": new Uint8Array(0),
      });
      const { project, job, stored } = await h.make.jobWithArchive(zip, {
        project: { visibility: "public" },
        pipeline: { locked: options.locked ?? false },
        archive: { expireAt: options.expireAt, indexed: options.indexed },
      });
      const url = (path: string) => h.url.jobArtifactFile(project, job, path);
      return { project, job, url, stored };
    },
  };
}
