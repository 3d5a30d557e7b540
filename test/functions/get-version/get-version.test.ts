import { describe, expect, it } from "vitest";
import { GITLAB_VERSION } from "../../../functions/get-version";
import { harness } from "../../helpers/harness";

const h = harness();
const { make, url } = h;

describe("GET /api/v4/version", () => {
  it("answers GitLab's metadata shape to any token", async () => {
    const token = await make.pat(await make.user(), { scopes: ["read_user"] });
    for (const headers of [h.as(token), h.admin]) {
      const res = await h.fetch(url.version(), { headers });
      expect(res.status).toBe(200);
      expect(await h.json(res)).toEqual({
        version: GITLAB_VERSION,
        revision: "artifact-edge",
        kas: { enabled: false, externalUrl: null, externalK8sProxyUrl: null, version: null },
        enterprise: false,
      });
    }
  });

  it("is 401 without a token", async () => {
    const res = await h.fetch(url.version());
    expect(res.status).toBe(401);
    expect(await res.text()).toBe('{"message":"401 Unauthorized"}');
  });
});
