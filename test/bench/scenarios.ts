import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { zipSync } from "fflate";
import { random } from "../helpers/bytes";
import { manyEntriesZip } from "../helpers/zips";

/** One archive of the side-by-side and the entry every contender reads out of it. */
export interface Scenario {
  readonly label: string;
  readonly zip: Uint8Array;
  /** The entry read, and its bytes (what every contender's output must equal). */
  readonly entry: string;
  readonly data: Uint8Array;
}

/**
 * Real text, not one line repeated: the TypeScript compiler's own source (9 MB of JavaScript, a
 * devDependency pinned in package.json, so every run reads the same bytes), repeated to `size`.
 * It deflates about 4 to 1 at level 6, as CI logs and reports do; a 32 KiB deflate window never
 * sees one copy from the next.
 */
export function realText(size: number): Uint8Array {
  const source = readFileSync(createRequire(import.meta.url).resolve("typescript/lib/typescript.js"));
  const out = new Uint8Array(size);
  for (let at = 0; at < size; at += source.length) out.set(source.subarray(0, Math.min(source.length, size - at)), at);
  return out;
}

/** Stored entries of 150 bytes under node_modules-like names (ZIP64 end records past 65,535). */
function manyEntries(n: number): Scenario {
  const content = realText(150);
  const entry = `node_modules/some-package/lib/file-${Math.floor(n / 2)
    .toString(36)
    .padStart(4, "0")}`;
  const zip = manyEntriesZip(n, { prefix: "node_modules/some-package/lib/file-", content });
  return { label: `${n.toLocaleString("en")} entries`, zip, entry, data: content };
}

/**
 * The archives: 100 entries and a 2 MiB text; 10,000 entries; 70,000 entries; one large
 * deflated text entry; one large stored entry (`largeMiB`, 50 in the full run).
 */
export function scenarios(largeMiB: number): Scenario[] {
  const text = realText(2 * 2 ** 20 + 100 * 4096);
  const big = text.subarray(0, 2 * 2 ** 20);
  const small: Record<string, [Uint8Array, { level: 6 }]> = {};
  for (let i = 0; i < 100; i++) {
    const from = big.length + i * 4096;
    small[`src/module-${i}.js`] = [text.subarray(from, from + 4096), { level: 6 }];
  }
  const deflated = realText(largeMiB * 2 ** 20);
  const stored = random(largeMiB * 2 ** 20);
  return [
    {
      label: "100 entries + 2 MiB text",
      zip: zipSync({ ...small, "reports/big.txt": [big, { level: 6 }] }),
      entry: "reports/big.txt",
      data: big,
    },
    manyEntries(10_000),
    manyEntries(70_000),
    {
      label: `${largeMiB} MiB deflated`,
      zip: zipSync({ "logs/job.log": [deflated, { level: 6 }] }),
      entry: "logs/job.log",
      data: deflated,
    },
    {
      label: `${largeMiB} MiB stored`,
      zip: zipSync({ "blob.bin": [stored, { level: 0 }] }),
      entry: "blob.bin",
      data: stored,
    },
  ];
}
