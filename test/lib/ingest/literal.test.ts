import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { literal } from "../../../lib/ingest/record";
import { harness } from "../../helpers/harness";

const h = harness();

const HOSTILE = [
  "",
  "plain",
  "it's",
  "''",
  "back\\slash",
  "\\'; drop table jobs; --",
  "E'\\x41'",
  "$$dollar$$",
  '{"a\\"b":[1]}',
  "ünï ✓ \u{1F600}",
  "\\",
  "'\\",
];

describe("literal", () => {
  it.each(["on", "off"])("reads back every string exactly with standard_conforming_strings %s", async (setting) => {
    const read = await h.db.transaction(async (tx) => {
      await tx.execute(sql.raw(`set local standard_conforming_strings = ${setting}`));
      const result = await tx.execute<{ v: string }>(
        sql.raw(
          `select v from (values ${HOSTILE.map((s, i) => `(${i}, ${literal(s)})`).join(", ")}) t(i, v) order by i`,
        ),
      );
      return result.rows.map((row) => row.v);
    });
    expect(read).toEqual(HOSTILE);
  });
});
