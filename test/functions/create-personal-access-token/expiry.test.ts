import { describe, expect, it } from "vitest";
import { harness } from "../../helpers/harness";

const h = harness();

describe("POST /api/v4/users/:user_id/personal_access_tokens: expiry dates", () => {
  it.each(["0000-01-01", "2020-02-30", "99999-01-01"])(
    "answers 400 expires_at is invalid, not 500: %s",
    async (date) => {
      const user = await h.make.user();
      const res = await h.fetch(
        h.url.personalAccessTokens(user),
        h.send("POST", { name: "t", scopes: ["api"], expires_at: date }, h.admin),
      );
      expect(res.status).toBe(400);
      expect(await h.json(res)).toEqual({ error: "expires_at is invalid" });
    },
  );
});
