export { concat } from "../../lib/zip/bytes";

/** UTF-8 bytes of `value`. */
export const text = (value: string): Uint8Array => new TextEncoder().encode(value);

/** `n` bytes that do not compress (getRandomValues fills at most 64 KiB per call). */
export function random(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65_536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65_536)));
  return out;
}
