import { GetObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { describe, expect, it } from "vitest";
import { attachmentDisposition, S3Storage, windowStart } from "../../../lib/platform/storage";

const settings = {
  endpoint: "https://account.r2.cloudflarestorage.com",
  region: "auto",
  bucket: "artifacts",
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};
const signedAt = new Date("2026-11-26T02:30:00Z");

/** A URL's parts a server reads: where, and each query parameter decoded. */
function parts(url: string) {
  const parsed = new URL(url);
  return { origin: parsed.origin, path: parsed.pathname, query: Object.fromEntries(parsed.searchParams) };
}

// s3rver checks no signatures (security review finding 18), so the signer is held to the AWS
// SDK's presigner: the same request signed at the same moment must carry the same signature.
describe("presigned downloads (aws4fetch) against the AWS SDK's presigner", () => {
  const storage = new S3Storage(settings);

  it.each([
    ["GET", "artifacts/1/2/0b7c.zip", undefined],
    ["GET", "artifacts/1/2/0b7c.zip", "artifacts.zip"],
    ["HEAD", "artifacts/1/2/0b7c.zip", "artifacts.zip"],
    ["GET", "artifacts/9/8/a b+c.zip", 'say "hi" ✓.zip'],
  ] as const)("%s %s named %s: the same URL, signature included", async (method, key, filename) => {
    const input = {
      Bucket: settings.bucket,
      Key: key,
      ResponseContentDisposition: filename ? attachmentDisposition(filename) : undefined,
    };
    const command = method === "HEAD" ? new HeadObjectCommand(input) : new GetObjectCommand(input);
    const expected = await getSignedUrl(storage.client, command, { expiresIn: 300, signingDate: signedAt });
    const actual = await storage.presignGet(key, { expiresIn: 300, method, filename, signedAt });
    expect(parts(actual)).toEqual(parts(expected));
    expect(parts(actual).query["X-Amz-Signature"]).toMatch(/^[0-9a-f]{64}$/);
    expect(actual).not.toContain("+");
  });
});

describe("presign windows", () => {
  it("start on multiples of their length since the epoch, the same in every isolate; 0 is the moment itself", () => {
    const at = (iso: string) => windowStart(new Date(iso), 60).toISOString();
    expect(at("2026-11-26T03:30:00.000Z")).toBe("2026-11-26T03:30:00.000Z");
    expect(at("2026-11-26T03:30:59.999Z")).toBe("2026-11-26T03:30:00.000Z");
    expect(at("2026-11-26T03:31:00.000Z")).toBe("2026-11-26T03:31:00.000Z");
    expect(windowStart(new Date("2026-11-26T03:30:42.123Z"), 0).toISOString()).toBe("2026-11-26T03:30:42.123Z");
  });
});
