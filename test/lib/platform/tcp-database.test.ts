import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../../lib/platform/db";
import { MAX_PREPARED_STATEMENTS, openTcpDatabase, PREPARE_AFTER } from "../../../lib/platform/tcp-database";
import { settings } from "../../helpers/harness";

// One connection (max 1), so pg_prepared_statements shows every statement the pool prepared.
let handle: DatabaseHandle | undefined;
const open = () => {
  handle = openTcpDatabase(settings().DATABASE_URL ?? "", { max: 1 });
  return handle.db;
};
afterEach(async () => {
  await handle?.close();
  handle = undefined;
});

const prepared = async (db: DatabaseHandle["db"]) => {
  const { rows } = await db.execute<{ statement: string }>(
    sql.raw("select statement from pg_prepared_statements where name like 'ae\\_%' order by prepare_time"),
  );
  return rows.map((row) => row.statement);
};

describe("the Node entry's pool: statements run often are prepared once per connection", () => {
  it("prepares a statement from its PREPARE_AFTER-th run, then runs it with each run's values", async () => {
    const db = open();
    const text = "select $1::int + 1 as next";
    const answers: number[] = [];
    for (let i = 1; i <= PREPARE_AFTER + 2; i++) {
      if (i === PREPARE_AFTER) expect(await prepared(db)).not.toContain(text);
      const { rows } = await db.execute<{ next: number }>(sql`select ${i}::int + 1 as next`);
      answers.push(rows[0]?.next ?? 0);
    }
    expect(answers).toEqual(Array.from({ length: PREPARE_AFTER + 2 }, (_, i) => i + 2));
    expect(await prepared(db)).toContain(text);
  });

  it("prepares at most MAX_PREPARED_STATEMENTS texts, however many are run often", async () => {
    const db = open();
    for (let i = 0; i < MAX_PREPARED_STATEMENTS + 6; i++) {
      for (let run = 0; run < PREPARE_AFTER; run++) await db.execute(sql.raw(`select ${i} as text_${i}`));
    }
    const texts = await prepared(db);
    expect(texts).toHaveLength(MAX_PREPARED_STATEMENTS);
    expect(texts[0]).toBe("select 0 as text_0");
  });
});
