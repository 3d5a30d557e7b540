import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { App } from "../../functions/app";
import { register } from "../../functions/get-job-artifact-file";
import { decodeArtifactPath, entryDisposition } from "../../lib/downloads/artifact-path";
import { jobFileRawPath } from "../../lib/downloads/request";
import { ApiError } from "../../lib/errors";
import type { AppContext } from "../../lib/http/app-env";
import { check, fc } from "./fuzz";

const utf8 = new TextEncoder();
const hex = (b: number) => `%${b.toString(16).padStart(2, "0")}`;

/** Names as CI jobs write them: any well-formed text, biased to the characters URLs treat specially. */
const nameArb = fc.oneof(
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 30 }),
  fc
    .array(
      fc.constantFrom(
        "a",
        ".",
        "..",
        "",
        "%",
        "%2e",
        "%2F",
        "?",
        "#",
        "\\",
        " ",
        "+",
        ";",
        '"',
        "✓",
        "é",
        "\u{1F600}",
        "\t",
        "\r\n",
      ),
      {
        minLength: 1,
        maxLength: 8,
      },
    )
    .map((parts) => parts.join(Math.random() < 0.5 ? "/" : "")),
);

/** GitLab's answer to a NUL or invalid UTF-8 in the path (Gitlab::Ci::Build::Artifacts::Path#valid?). */
const BAD_REQUEST = { status: 400, body: { message: "400 Bad request" } };

function expectBadRequest(error: unknown) {
  expect(error).toBeInstanceOf(ApiError);
  expect(error).toMatchObject(BAD_REQUEST);
}

/** Percent-encodes each byte of `text` or keeps it, as `encode[i]` says (unreserved ASCII only kept). */
function encodeSome(text: string, encode: boolean[], upper: boolean): string {
  let out = "";
  let i = 0;
  for (const b of utf8.encode(text)) {
    const keep =
      !encode[i++ % Math.max(1, encode.length)] && /[A-Za-z0-9\-._~!$&'()*+,;=:@/ ]/.test(String.fromCharCode(b));
    const escaped = hex(b);
    out += keep ? String.fromCharCode(b) : upper ? escaped.toUpperCase() : escaped;
  }
  return out;
}

describe("artifact paths (lib/downloads/artifact-path.ts)", () => {
  it("decodeArtifactPath: any string decodes to text and its UTF-8 bytes, or is GitLab's 400", async () => {
    await check(
      "decodeArtifactPath on any string",
      20_000,
      fc.property(
        fc.oneof(fc.string({ unit: "binary", maxLength: 40 }), fc.stringMatching(/^(%[0-9a-fA-F]{0,2}|[a-z/.])*$/)),
        (raw) => {
          let decoded: ReturnType<typeof decodeArtifactPath>;
          try {
            decoded = decodeArtifactPath(raw);
          } catch (error) {
            return expectBadRequest(error);
          }
          expect(decoded.bytes).toEqual(utf8.encode(decoded.text));
          expect(decoded.text).not.toContain("\0");
          // Decoding is not applied twice: `%2525` is `%25`, not `%`.
          if (!raw.includes("%")) expect(decoded.text).toBe(raw.replace(/[\uD800-\uDFFF]/g, "\uFFFD"));
        },
      ),
    );
  });

  it("decodeArtifactPath: a name percent-encoded byte by byte, in part or whole, comes back exactly", async () => {
    await check(
      "decodeArtifactPath round trip",
      20_000,
      fc.property(nameArb, fc.array(fc.boolean(), { maxLength: 8 }), fc.boolean(), (name, encode, upper) => {
        const raw = encodeSome(name, encode, upper);
        if (name.includes("\0")) {
          return expect(() => decodeArtifactPath(raw)).toThrow(expect.objectContaining(BAD_REQUEST));
        }
        const decoded = decodeArtifactPath(raw);
        expect(decoded.text).toBe(name);
        expect(decoded.bytes).toEqual(utf8.encode(name));
      }),
    );
  });

  it("entryDisposition: a value every runtime takes, carrying the last segment's UTF-8 bytes as Workhorse sends them", async () => {
    await check(
      "entryDisposition round trip",
      15_000,
      fc.property(nameArb, (name) => {
        fc.pre(!name.includes("\0") && !name.endsWith("/"));
        // Node's Headers take byte strings (one character per byte); workerd's take any text.
        const bytes = entryDisposition(name, false);
        expect(bytes).toMatch(/^[\t\x20-\x7e\x80-\xff]*$/);
        expect(new Headers({ "content-disposition": bytes }).get("content-disposition")).toBe(bytes);
        const sent = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(
          Uint8Array.from(bytes, (c) => c.charCodeAt(0)),
        );
        expect(sent).toBe(entryDisposition(name, true));
        // Control characters other than tab go out as spaces (Go's net/http), so no name splits the header.
        // Go's filepath.Base names an empty path ".".
        const last = name.slice(name.lastIndexOf("/") + 1) || ".";
        const base = [...last].map((c) => ((c.charCodeAt(0) < 0x20 && c !== "\t") || c === "\x7f" ? " " : c)).join("");
        expect(parseDisposition(sent)).toEqual({ type: "attachment", filename: base });
        expect(sent).toBe(`attachment; filename="${base.replace(/[\\"]/g, "\\$&")}"`);
      }),
    );
  });
});

describe("the job file route's path (lib/downloads/request.ts)", () => {
  // The route's own pattern (functions/get-job-artifact-file.ts), answering what its handler reads.
  const patterns: string[] = [];
  register({ get: (pattern: string) => patterns.push(pattern) } as unknown as App);
  const app = new Hono();
  app.get(patterns[0] ?? "", (c) =>
    c.json({ job: c.req.param("job_id"), raw: jobFileRawPath(c as unknown as AppContext) }),
  );
  const route = async (path: string) => {
    const res = await app.request(`http://localhost/api/v4/projects/7/jobs/42/artifacts/${path}`);
    return res.status === 200 ? ((await res.json()) as { job: string; raw: string }) : undefined;
  };

  it("a name encoded segment by segment, as clients do, reaches the lookup exactly", async () => {
    await check(
      "job file route round trip",
      8_000,
      fc.asyncProperty(nameArb, async (name) => {
        fc.pre(!name.includes("\0"));
        const found = await route(name.split("/").map(encodeURIComponent).join("/"));
        // Empty segments and dot segments are the URL's business: `a//b` and `./a` are other URLs.
        const plain = name.split("/").every((s) => s !== "" && s !== "." && s !== "..");
        if (!plain) return;
        expect(found?.job).toBe("42");
        expect(decodeArtifactPath(found?.raw ?? "").text).toBe(name);
      }),
    );
  });

  it("whatever the raw path, the job stays the URL's and no dot segment survives into the name", async () => {
    const rawArb = fc
      .array(
        fc.constantFrom(
          "a",
          ".",
          "..",
          "%2e",
          "%2E%2e",
          ".%2e",
          "%2F",
          "\\",
          "%5C",
          "?",
          "#",
          "%",
          "%00",
          "%zz",
          "/",
          "//",
          "✓",
          " ",
        ),
        {
          maxLength: 10,
        },
      )
      .map((parts) => parts.join(""));
    await check(
      "job file route on any raw path",
      8_000,
      fc.asyncProperty(rawArb, async (raw) => {
        const found = await route(raw);
        if (!found) return;
        expect(found.job).toBe("42");
        for (const segment of found.raw.split("/")) {
          expect([".", ".."]).not.toContain(segment.replace(/%2e/gi, "."));
        }
        try {
          decodeArtifactPath(found.raw);
        } catch (error) {
          expectBadRequest(error);
        }
      }),
    );
  });
});

/**
 * RFC 6266 as a reference model: `type; param=value; ...`, values tokens or quoted strings,
 * `filename*` (RFC 8187, UTF-8 only here) preferred over `filename`.
 */
function parseDisposition(value: string): { type: string; filename?: string } {
  const params =
    /;[ \t]*([!#$%&'*+\-.^_`|~0-9A-Za-z]+)[ \t]*=[ \t]*("(?:[^"\\]|\\.)*"|[!#$%&'*+\-.^_`|~0-9A-Za-z]+)[ \t]*/y;
  const type = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+)[ \t]*/.exec(value);
  if (!type?.[1]) throw new Error(`no disposition type: ${value}`);
  params.lastIndex = type[0].length;
  const found: Record<string, string> = {};
  while (params.lastIndex < value.length) {
    const match = params.exec(value);
    if (!match?.[1] || match[2] === undefined) throw new Error(`bad parameter at ${params.lastIndex}: ${value}`);
    const raw = match[2];
    found[match[1].toLowerCase()] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, "$1") : raw;
  }
  const extended = found["filename*"];
  if (extended !== undefined) {
    const ext = /^UTF-8''((?:%[0-9A-Fa-f]{2}|[A-Za-z0-9!#$&+\-.^_`|~])*)$/i.exec(extended);
    if (!ext) throw new Error(`filename* is not RFC 8187 UTF-8: ${extended}`);
    return { type: type[1].toLowerCase(), filename: decodeURIComponent(ext[1] ?? "") };
  }
  return { type: type[1].toLowerCase(), filename: found.filename };
}
