import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { ACCESS_LEVELS, pipelines } from "../../../schema";
import { harness, type PipelineEntity, PUBLIC_URL } from "../../helpers/harness";

const h = harness();
const { db, make, url } = h;

const ids = async (res: Response) => (await h.json<PipelineEntity[]>(res)).map((pipeline) => pipeline.id);

describe("GET /api/v4/projects/:id/pipelines", () => {
  it("lists a public project's pipelines to anonymous callers, newest first, child pipelines too", async () => {
    const project = await make.project({ visibility: "public" });
    const main = await make.pipeline(project);
    const child = await make.pipeline(project, { parent: main });
    const res = await h.fetch(url.pipelines(project));
    expect(res.status).toBe(200);
    const body = await h.json<(PipelineEntity & { name: null })[]>(res);
    expect(body.map((p) => p.id)).toEqual([child.id, main.id]);
    expect(body[1]).toEqual({
      id: main.id,
      iid: main.iid,
      project_id: project.id,
      sha: main.sha,
      ref: "main",
      status: "created",
      source: "push",
      created_at: main.created_at.toISOString(),
      updated_at: main.updated_at.toISOString(),
      web_url: `${PUBLIC_URL}/${project.full_path}/-/pipelines/${main.id}`,
      name: null,
    });
  });

  it("filters by ref, status, source, username and scope, and orders by order_by and sort", async () => {
    const project = await make.project();
    const user = await make.user();
    const a = await make.pipeline(project, { ref: "main", user });
    const b = await make.pipeline(project, { ref: "feature/x", source: "web" });
    const c = await make.pipeline(project, { ref: "main" });
    await make.finishPipeline(a, "success");
    await make.finishPipeline(b, "failed");
    const list = (query: string) => h.fetch(`${url.pipelines(project)}?${query}`, { headers: h.admin });
    expect(await ids(await list("ref=main"))).toEqual([c.id, a.id]);
    expect(await ids(await list("status=success"))).toEqual([a.id]);
    expect(await ids(await list("source=web"))).toEqual([b.id]);
    expect(await ids(await list(`username=${user.username}`))).toEqual([a.id]);
    expect(await ids(await list("scope=finished"))).toEqual([b.id, a.id]);
    expect(await ids(await list("scope=branches"))).toEqual([c.id, b.id]);
    expect(await ids(await list("sort=asc"))).toEqual([a.id, b.id, c.id]);
    expect(await ids(await list("order_by=ref&sort=asc"))).toEqual([b.id, a.id, c.id]);
    expect(await ids(await list("name=nightly"))).toEqual([]);
    const bad = await list("status=bogus");
    expect(bad.status).toBe(400);
    expect(await bad.text()).toBe('{"error":"status does not have a valid value"}');
    const badDate = await list("created_after=yesterday-ish");
    expect(await badDate.text()).toBe('{"error":"created_after is invalid"}');
    const past = new Date(Date.now() - 3_600_000).toISOString();
    expect(await ids(await list(`created_after=${past}&updated_before=2999-01-01T00:00:00Z`))).toEqual([
      c.id,
      b.id,
      a.id,
    ]);
    expect(await ids(await list(`created_before=${past}`))).toEqual([]);
  });

  it("counts in the page's own statement: X-Total, X-Total-Pages and every Link, GitLab's defaults included", async () => {
    const project = await make.project();
    for (let i = 0; i < 5; i++) await make.pipeline(project);
    const reporter = await make.memberWithToken(project, ACCESS_LEVELS.reporter, ["read_api"]);
    const { result: res, queries } = await h.cost(() =>
      h.fetch(`${url.pipelines(project)}?per_page=2&page=2&ref=main`, { headers: h.as(reporter.token) }),
    );
    expect((await h.json<PipelineEntity[]>(res)).length).toBe(2);
    expect(queries.filter((query) => /count\(\*\) over/.test(query))).toHaveLength(1);
    expect(queries).toHaveLength(3); // the token, the project, the page with its count
    const headers = Object.fromEntries(
      ["X-Page", "X-Per-Page", "X-Next-Page", "X-Prev-Page", "X-Total", "X-Total-Pages"].map((name) => [
        name,
        res.headers.get(name),
      ]),
    );
    expect(headers).toEqual({
      "X-Page": "2",
      "X-Per-Page": "2",
      "X-Next-Page": "3",
      "X-Prev-Page": "1",
      "X-Total": "5",
      "X-Total-Pages": "3",
    });
    const base = `${PUBLIC_URL}${url.pipelines(project)}?id=${project.id}&order_by=id`;
    const link = (page: number) => `<${base}&page=${page}&per_page=2&ref=main&sort=desc>`;
    expect(res.headers.get("Link")).toBe(
      `${link(1)}; rel="prev", ${link(3)}; rel="next", ${link(1)}; rel="first", ${link(3)}; rel="last"`,
    );
    const past = await h.fetch(`${url.pipelines(project)}?per_page=2&page=9`, { headers: h.admin });
    expect(await h.json(past)).toEqual([]);
    expect(past.headers.get("X-Total")).toBe("5");
    expect(past.headers.get("X-Prev-Page")).toBe("");
    expect(past.headers.get("X-Next-Page")).toBe("");
  });

  it("is 404 for a private project to outsiders, 403 without public pipelines to a Guest", async () => {
    const project = await make.project({ public_builds: false });
    const outsider = await h.fetch(url.pipelines(project));
    expect(await outsider.text()).toBe('{"message":"404 Project Not Found"}');
    const guest = await make.memberWithToken(project, ACCESS_LEVELS.guest);
    const forbidden = await h.fetch(url.pipelines(project), { headers: h.as(guest.token) });
    expect(forbidden.status).toBe(403);
  });

  it("leaves X-Total, X-Total-Pages and rel=last out past 10,000 pipelines, as GitLab does", async () => {
    const project = await make.project();
    await db.execute(sql`insert into ${pipelines} (iid, project_id, ref, sha)
      select g, ${project.id}, 'main', 'abc' from generate_series(1, 10001) g`);
    const res = await h.fetch(`${url.pipelines(project)}?per_page=100&page=2`, { headers: h.admin });
    expect((await h.json<PipelineEntity[]>(res)).length).toBe(100);
    expect(res.headers.get("X-Total")).toBeNull();
    expect(res.headers.get("X-Total-Pages")).toBeNull();
    expect(res.headers.get("X-Next-Page")).toBe("3");
    expect(res.headers.get("Link")).not.toContain('rel="last"');
    const at = await h.fetch(`${url.pipelines(project)}?ref=main&status=created&per_page=1`, { headers: h.admin });
    expect(at.headers.get("X-Total")).toBeNull();
    await db.delete(pipelines).where(eq(pipelines.project_id, project.id));
    const under = await h.fetch(`${url.pipelines(project)}?per_page=1`, { headers: h.admin });
    expect(under.headers.get("X-Total")).toBe("0");
    expect(under.headers.get("X-Total-Pages")).toBe("1");
  });
});
