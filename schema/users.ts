import { sql } from "drizzle-orm";
import { boolean, date, index, integer, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";

export const users = pgTable(
  "users",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    username: text().notNull(),
    name: text().notNull(),
    email: text(),
    admin: boolean().notNull().default(false),
    // GitLab's user states; only `active` users may authenticate.
    state: text({ enum: ["active", "blocked", "deactivated"] })
      .notNull()
      .default("active"),
    created_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Serves: user creation (usernames are unique regardless of case, as in GitLab).
    uniqueIndex("users_username_lower_idx").on(sql`lower(${t.username})`),
  ],
);

export const personalAccessTokens = pgTable(
  "personal_access_tokens",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    user_id: integer()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text().notNull(),
    // SHA-256 of the token, hex. The token itself is shown once and never stored.
    token_digest: text().notNull(),
    scopes: text().array().notNull(),
    // A date, as in GitLab: the token stops working at the start of that day (UTC).
    expires_at: date({ mode: "string" }),
    revoked: boolean().notNull().default(false),
    created_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Serves: authentication (PRIVATE-TOKEN, private_token, Bearer) by digest.
    uniqueIndex("personal_access_tokens_digest_idx").on(t.token_digest),
    index("personal_access_tokens_user_idx").on(t.user_id),
  ],
);

export type User = typeof users.$inferSelect;
export type PersonalAccessToken = typeof personalAccessTokens.$inferSelect;
