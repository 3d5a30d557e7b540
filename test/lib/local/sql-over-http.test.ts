import { NeonDbError, neon, neonConfig } from "@neondatabase/serverless";
import { eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { nodeWebSocket } from "../../../lib/local/node-websocket";
import { configureNeonHttp, httpDatabase } from "../../../lib/platform/db";
import { projects } from "../../../schema";
import { settings } from "../../helpers/harness";
import { unique } from "../../helpers/unique";

// The driver's own `neon()`, against the stack's SQL-over-HTTP endpoint: what it sends and parses.
const run = settings();
const query = neon(run.DATABASE_URL ?? "");

beforeAll(() => {
  expect(run.DATABASE_HTTP_PROXY).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/sql$/);
  configureNeonHttp(run.DATABASE_HTTP_PROXY);
  expect(neonConfig.fetchEndpoint).toBe(run.DATABASE_HTTP_PROXY);
});

describe("the local SQL-over-HTTP endpoint, through the Neon driver's neon()", () => {
  it("hands values back as the driver parses PostgreSQL's text: numbers, bigints, json, arrays, bytea, nulls", async () => {
    const rows = await query.query(
      `select 1::int as i, 9007199254740993::bigint as big, 1.5::float8 as f, true as b, 'x'::text as t,
              '{"a":[1,2]}'::jsonb as j, array['a','b']::text[] as arr, '\\x0001ff'::bytea as bytes,
              null::int as missing, '2026-01-02T03:04:05Z'::timestamptz as at, $1::text as param, $2::int as n`,
      ["hé", 7],
    );
    expect(rows).toHaveLength(1);
    const [row] = rows as Record<string, unknown>[];
    expect(row).toMatchObject({
      i: 1,
      big: "9007199254740993",
      f: 1.5,
      b: true,
      t: "x",
      j: { a: [1, 2] },
      arr: ["a", "b"],
      missing: null,
      param: "hé",
      n: 7,
    });
    expect(Buffer.from(row?.bytes as Uint8Array)).toEqual(Buffer.from([0, 1, 255]));
    expect(row?.at).toEqual(new Date("2026-01-02T03:04:05Z"));
  });

  it("answers the full result: command, rowCount and each field's type", async () => {
    const result = await query.query("select 1::int as one, 'a'::text as name union all select 2, 'b'", [], {
      fullResults: true,
      arrayMode: true,
    });
    expect(result.command).toBe("SELECT");
    expect(result.rowCount).toBe(2);
    expect(result.rows).toEqual([
      [1, "a"],
      [2, "b"],
    ]);
    expect(result.fields.map((field) => [field.name, field.dataTypeID])).toEqual([
      ["one", 23],
      ["name", 25],
    ]);
  });

  it("raises PostgreSQL's error as NeonDbError with its SQLSTATE and fields", async () => {
    const error = await query.query("select 1/0").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NeonDbError);
    expect(error).toMatchObject({ code: "22012", severity: "ERROR", message: "division by zero" });
    const syntax = await query.query("selec 1").catch((e: unknown) => e);
    expect(syntax).toMatchObject({ code: "42601", position: "1" });
  });

  it("refuses more than one statement in a query, as Neon's endpoint does", async () => {
    const error = await query.query("select 1; select 2").catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "42601" });
  });

  it("runs a batch as one transaction with the asked isolation, and rolls all of it back on an error", async () => {
    const name = unique("batch");
    const [, level] = await query.transaction(
      (q) => [q.query("create temp table if not exists t (x int)"), q.query("show transaction_isolation")],
      { isolationLevel: "Serializable", readOnly: false },
    );
    expect(level).toEqual([{ transaction_isolation: "serializable" }]);
    const failed = await query
      .transaction((q) => [
        q.query("insert into users (username, name) values ($1, $1)", [name]),
        q.query("select 1/0"),
      ])
      .catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: "22012" });
    expect(await query.query("select 1 from users where username = $1", [name])).toEqual([]);
    const readOnly = await query
      .transaction((q) => [q.query("insert into users (username, name) values ($1, $1)", [name])], {
        readOnly: true,
      })
      .catch((e: unknown) => e);
    expect(readOnly).toMatchObject({ code: "25006" });
  });

  it("serves a server it was not set up for with 400, never reaching it", async () => {
    const elsewhere = neon("postgres://postgres@10.255.255.1:5432/postgres");
    const error = await elsewhere.query("select 1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NeonDbError);
    expect((error as Error).message).toBe("address not allowed");
  });
});

describe("the Worker's database: statements over HTTP, transactions over a pool", () => {
  it("reads and writes through Drizzle's neon-http, and a transaction commits over the pool", async () => {
    const route = { wsProxy: run.DATABASE_WS_PROXY, webSocket: nodeWebSocket };
    const database = httpDatabase(run.DATABASE_URL ?? "", { route }).open();
    try {
      const { db } = database;
      const path = unique("http-project");
      const [made] = await db.insert(projects).values({ path, full_path: path, visibility: "public" }).returning();
      expect(made?.path).toBe(path);
      expect(made?.created_at).toBeInstanceOf(Date);
      const raw = await db.execute<{ path: string }>(sql`select path from projects where id = ${made?.id}`);
      expect(raw.rows).toEqual([{ path }]);
      expect(raw.rowCount).toBe(1);
      await db.transaction(async (tx) => {
        await tx
          .update(projects)
          .set({ visibility: "private" })
          .where(eq(projects.id, made?.id ?? 0));
      });
      const [after] = await db
        .select()
        .from(projects)
        .where(eq(projects.id, made?.id ?? 0));
      expect(after?.visibility).toBe("private");
    } finally {
      await database.close();
    }
  });
});
