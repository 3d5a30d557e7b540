/**
 * RFC 9110 §14.1-14.2 as a reference model, written from the grammar:
 *   Range = ranges-specifier; ranges-specifier = range-unit "=" range-set
 *   range-set = 1#range-spec (a list: OWS around commas, empty elements allowed)
 *   range-spec = int-range / suffix-range / other-range
 *   int-range = first-pos "-" [ last-pos ]; suffix-range = "-" suffix-length
 * Range units compare case-insensitively. An int-range whose last-pos is below its first-pos is
 * invalid, and so is the whole header; a range is satisfiable when it has a byte inside the
 * representation (a suffix-range when its length and the representation's are both non-zero).
 */
export type ModelRange =
  | { kind: "invalid" }
  | { kind: "other-unit" }
  | { kind: "unsatisfiable"; specs: number }
  | { kind: "satisfiable"; specs: number; ranges: { start: number; end: number }[] };

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export function rangeModel(value: string, size: number): ModelRange {
  // Field values have no leading or trailing OWS (RFC 9110 §5.5).
  const field = value.replace(/^[ \t]+|[ \t]+$/g, "");
  const eq = field.indexOf("=");
  if (eq <= 0 || !TOKEN.test(field.slice(0, eq))) return { kind: "invalid" };
  if (field.slice(0, eq).toLowerCase() !== "bytes") return { kind: "other-unit" };
  const specs = field
    .slice(eq + 1)
    .split(",")
    .map((s) => s.replace(/^[ \t]+|[ \t]+$/g, ""))
    .filter((s) => s !== "");
  if (specs.length === 0) return { kind: "invalid" };
  const ranges: { start: number; end: number }[] = [];
  const bigSize = BigInt(size);
  for (const spec of specs) {
    const int = /^([0-9]+)-([0-9]*)$/.exec(spec);
    const suffix = /^-([0-9]+)$/.exec(spec);
    if (int) {
      const first = BigInt(int[1] ?? "");
      const last = int[2] === "" ? undefined : BigInt(int[2] ?? "");
      if (last !== undefined && last < first) return { kind: "invalid" };
      if (first < bigSize) {
        const end = last === undefined || last >= bigSize ? bigSize - 1n : last;
        ranges.push({ start: Number(first), end: Number(end) });
      }
    } else if (suffix) {
      const length = BigInt(suffix[1] ?? "");
      if (length > 0n && size > 0)
        ranges.push({ start: Number(length >= bigSize ? 0n : bigSize - length), end: size - 1 });
    } else {
      return { kind: "invalid" };
    }
  }
  return ranges.length === 0
    ? { kind: "unsatisfiable", specs: specs.length }
    : { kind: "satisfiable", specs: specs.length, ranges };
}
