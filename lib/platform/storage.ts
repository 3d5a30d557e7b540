import { createHash, createHmac } from "node:crypto";
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { SignatureV4 } from "@smithy/signature-v4";
import type { Checksum, SourceData } from "@smithy/types";
import { AwsClient } from "aws4fetch";

/**
 * Milliseconds storage gets to answer one request: to connect and send the response's headers
 * and, while a body streams, to send its next bytes (an idle limit, not a total: a large file
 * takes as long as it takes). The AWS SDK tries a request at most STORAGE_MAX_ATTEMPTS times,
 * so a storage that stalls fails the call after that many timeouts and is answered 503
 * (lib/platform/unavailable.ts). Setting: STORAGE_TIMEOUT_MS.
 */
export const STORAGE_TIMEOUT_MS = 15_000;
/** The AWS SDK's default, named: a refused, reset, throttled or timed-out request is tried again. */
export const STORAGE_MAX_ATTEMPTS = 3;

/** Milliseconds before the first retry of a read; doubled for each next one, with jitter (the SDK's base). */
const RETRY_BASE_MS = 100;
/** The most of an error answer's body read for its S3 code: S3's error documents are short. */
const ERROR_BODY_LIMIT = 4096;

/** Storage sent nothing for STORAGE_TIMEOUT_MS while a body's next bytes were awaited. */
export class StorageTimeoutError extends Error {
  override name = "StorageTimeoutError";
}

/** S3's limit on keys in one DeleteObjects call. */
export const DELETE_BATCH = 1000;
/** Part size for streamed uploads: bounded memory whatever the archive's size. */
export const UPLOAD_PART_SIZE = 5 * 1024 * 1024;

/** The object store, as the rest of the code sees it. */
export interface Storage {
  /** A URL valid for `expiresIn` seconds from `signedAt` (default: now). */
  presignGet(
    key: string,
    options: { expiresIn: number; method?: "GET" | "HEAD"; filename?: string; signedAt?: Date },
  ): Promise<string>;
  /** A PUT of exactly `size` bytes of `contentType`: both are signed, so storage refuses any other. */
  presignPut(key: string, options: { expiresIn: number; size: number; contentType: string }): Promise<string>;
  /** Streams a body of unknown length into the store (multipart past one part). */
  upload(key: string, body: ReadableStream<Uint8Array>, contentType: string): Promise<void>;
  /** The object's bytes, or the inclusive byte range; null when the object is missing. */
  read(key: string, range?: { start: number; end: number }): Promise<ReadableStream<Uint8Array> | null>;
  /** Copies an object inside the store (server-side), with `contentType`; false when `from` is missing. */
  copy(from: string, to: string, contentType: string): Promise<boolean>;
  delete(keys: readonly string[]): Promise<void>;
}

/** One storage answer, as much of it as a read uses: a fetch Response is one. */
export interface StorageAnswer {
  readonly status: number;
  readonly body: ReadableStream<Uint8Array> | null;
  text(): Promise<string>;
}

/**
 * How a read's signed GET goes out: fetch by default (both runtimes); the Node entry hands in
 * node:http's (lib/platform/node-storage-get.ts), a third of fetch's CPU for a small read.
 */
export type StorageGet = (url: string, headers: Record<string, string>, signal: AbortSignal) => Promise<StorageAnswer>;

const fetchGet: StorageGet = (url, headers, signal) => fetch(url, { method: "GET", headers, signal });

export interface S3Settings {
  endpoint?: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** STORAGE_TIMEOUT_MS unless given. */
  timeoutMs?: number;
  /** fetch unless given. */
  get?: StorageGet;
}

/** RFC 6266 disposition; curl -OJ and browsers both read it. */
export function attachmentDisposition(filename: string): string {
  const quoted = filename.replace(/[\\"]/g, "\\$&");
  return `attachment; filename="${quoted}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

/**
 * The body, failed with StorageTimeoutError when storage sends nothing for `ms` while its next
 * bytes are awaited. Only a pending read is timed: a client that reads slowly stalls nothing.
 */
function idleLimited(body: ReadableStream<Uint8Array>, ms: number): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  // Cancelled while a read was pending: what it brings after is dropped.
  let cancelled = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const idle = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new StorageTimeoutError(`storage sent nothing for ${ms} ms`)), ms);
      });
      try {
        const next = await Promise.race([reader.read(), idle]);
        if (cancelled) return;
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      } catch (error) {
        reader.cancel(error).catch(() => {});
        controller.error(error);
      } finally {
        clearTimeout(timer);
      }
    },
    cancel: (reason) => {
      cancelled = true;
      return reader.cancel(reason);
    },
  });
}

const isMissing = (error: unknown) =>
  error instanceof NoSuchKey ||
  error instanceof NotFound ||
  (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode === 404;

export class S3Storage implements Storage {
  readonly client: S3Client;
  readonly bucket: string;
  readonly timeoutMs: number;
  private readonly get: StorageGet;
  /** Presigns downloads: SigV4 with its signing key cached, without the SDK's middleware stack. */
  private readonly signer: AwsClient;
  /** The bucket's path-style base URL, as the SDK addresses it. */
  private readonly bucketUrl: string;
  /** Signs reads: SigV4 with its signing key cached, hashed by node:crypto (synchronous, unlike WebCrypto). */
  private readonly readSigner: SignatureV4;

  constructor(settings: S3Settings) {
    this.bucket = settings.bucket;
    const endpoint = settings.endpoint ?? `https://s3.${settings.region}.amazonaws.com`;
    this.bucketUrl = `${endpoint.replace(/\/+$/, "")}/${encodeURIComponent(settings.bucket)}`;
    this.signer = new AwsClient({
      accessKeyId: settings.accessKeyId,
      secretAccessKey: settings.secretAccessKey,
      service: "s3",
      region: settings.region,
    });
    this.readSigner = new SignatureV4({
      service: "s3",
      region: settings.region,
      credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
      sha256: NodeSha256,
      // S3 signs the path as sent, each segment encoded once (objectUrl), as the SDK's S3 client does.
      uriEscapePath: false,
    });
    this.timeoutMs = settings.timeoutMs ?? STORAGE_TIMEOUT_MS;
    this.get = settings.get ?? fetchGet;
    this.client = new S3Client({
      endpoint: settings.endpoint,
      region: settings.region,
      // Path-style works on R2, MinIO and S3-compatible servers that have no wildcard DNS.
      forcePathStyle: true,
      credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
      // Checksums on every request cost CPU and are not understood by every S3-compatible store.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      maxAttempts: STORAGE_MAX_ATTEMPTS,
      // Up to the response's headers, on Node (NodeHttpHandler: connect, then the whole request)
      // and on Workers (FetchHttpHandler: the fetch). The body's own limit is idleLimited's.
      requestHandler: {
        connectionTimeout: this.timeoutMs,
        requestTimeout: this.timeoutMs,
        throwOnRequestTimeout: true,
      },
    });
  }

  async presignGet(
    key: string,
    options: { expiresIn: number; method?: "GET" | "HEAD"; filename?: string; signedAt?: Date },
  ) {
    const url = new URL(this.objectUrl(key));
    // As the SDK's presigner writes them (the same URL, byte for byte): the payload unsigned,
    // stated in the query, and GetObject's operation id.
    url.searchParams.set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD");
    if ((options.method ?? "GET") === "GET") url.searchParams.set("x-id", "GetObject");
    url.searchParams.set("X-Amz-Expires", String(options.expiresIn));
    if (options.filename) url.searchParams.set("response-content-disposition", attachmentDisposition(options.filename));
    const signed = await this.signer.sign(url.toString(), {
      method: options.method ?? "GET",
      aws: { signQuery: true, datetime: options.signedAt && amzDate(options.signedAt) },
    });
    // URLSearchParams writes a space as `+`, which S3 reads as a plus sign in a presigned query;
    // the signature covers `%20` (a literal plus is `%2B` already).
    return signed.url.replace(/\+/g, "%20");
  }

  presignPut(key: string, options: { expiresIn: number; size: number; contentType: string }) {
    const command = new PutObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ContentType: options.contentType,
      ContentLength: options.size,
    });
    // The presigner leaves content-type unsigned unless asked; content-length is signed once set.
    return getSignedUrl(this.client, command, {
      expiresIn: options.expiresIn,
      signableHeaders: new Set(["content-type", "content-length"]),
    });
  }

  async upload(key: string, body: ReadableStream<Uint8Array>, contentType: string) {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: body, ContentType: contentType },
      partSize: UPLOAD_PART_SIZE,
      queueSize: 1,
      leavePartsOnError: false,
    });
    await upload.done();
  }

  /**
   * GetObject as one signed fetch (aws4fetch: SigV4 with its signing key cached), not through the
   * SDK, whose middleware stack cost a small file a quarter of its CPU. It keeps the SDK's
   * behaviour: STORAGE_MAX_ATTEMPTS tries with backoff for a refused, reset or timed-out request
   * and for a 5xx or 429, STORAGE_TIMEOUT_MS up to the answer's headers, and errors named by S3's
   * code with the status in `$metadata`, as lib/platform/unavailable.ts classifies them.
   */
  async read(key: string, range?: { start: number; end: number }) {
    const url = this.objectUrl(key);
    const headers: Record<string, string> = range ? { range: `bytes=${range.start}-${range.end}` } : {};
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.fetchHeaders(url, headers);
        if (res.status === 404) {
          await res.body?.cancel();
          return null;
        }
        if (res.status < 200 || res.status > 299) throw await storageError(res);
        return res.body ? idleLimited(res.body, this.timeoutMs) : null;
      } catch (error) {
        if (attempt >= STORAGE_MAX_ATTEMPTS || !isTransient(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * RETRY_BASE_MS * 2 ** attempt));
      }
    }
  }

  /** A signed GET whose headers must come within timeoutMs; the body's own limit is idleLimited's. */
  private async fetchHeaders(url: string, headers: Record<string, string>): Promise<StorageAnswer> {
    const target = new URL(url);
    const signed = await this.readSigner.sign({
      method: "GET",
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port ? Number(target.port) : undefined,
      path: target.pathname,
      query: {},
      // The payload is not signed (a GET has none), as the SDK's S3 client sends it.
      headers: { ...headers, host: target.host, "x-amz-content-sha256": "UNSIGNED-PAYLOAD" },
    });
    const controller = new AbortController();
    // Named as the SDK names a request that timed out, which lib/platform/unavailable.ts answers 503.
    const timer = setTimeout(
      () => controller.abort(new DOMException(`storage did not answer in ${this.timeoutMs} ms`, "TimeoutError")),
      this.timeoutMs,
    );
    try {
      return await this.get(url, signed.headers, controller.signal);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The object's path-style URL, each segment of the key encoded (as presignGet and the SDK do). */
  private objectUrl(key: string): string {
    return `${this.bucketUrl}/${key.split("/").map(encodeURIComponent).join("/")}`;
  }

  async copy(from: string, to: string, contentType: string) {
    try {
      await this.client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: to,
          CopySource: `${this.bucket}/${from.split("/").map(encodeURIComponent).join("/")}`,
          // The copy gets our content type, whatever the source was stored with.
          MetadataDirective: "REPLACE",
          ContentType: contentType,
        }),
      );
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  async delete(keys: readonly string[]) {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      const out = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      const failed = (out.Errors ?? []).filter((e) => e.Code !== "NoSuchKey");
      if (failed.length > 0) {
        throw new Error(`storage refused to delete ${failed.length} objects: ${failed[0]?.Code} ${failed[0]?.Message}`);
      }
    }
  }
}

/** The start of the `seconds`-long window that `now` falls in, windows counted from the epoch (0: now). */
export function windowStart(now: Date, seconds: number): Date {
  if (seconds <= 0) return now;
  const ms = seconds * 1000;
  return new Date(Math.floor(now.getTime() / ms) * ms);
}

/** SHA-256 and its HMAC for the SigV4 signer, by node:crypto: no WebCrypto job per hash. */
class NodeSha256 implements Checksum {
  private hash;

  constructor(private readonly secret?: SourceData) {
    this.hash = this.start();
  }

  private start() {
    return this.secret === undefined ? createHash("sha256") : createHmac("sha256", bytesOf(this.secret));
  }

  update(data: Uint8Array | string) {
    this.hash.update(typeof data === "string" ? data : bytesOf(data));
  }

  async digest() {
    return new Uint8Array(this.hash.digest());
  }

  reset() {
    this.hash = this.start();
  }
}

const bytesOf = (data: SourceData): Uint8Array | string =>
  typeof data === "string"
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

/** An S3 error answer as the SDK throws it: named by S3's code, the status in `$metadata`. */
export class StorageResponseError extends Error {
  readonly Code: string;
  readonly $metadata: { httpStatusCode: number };

  constructor(status: number, code: string | undefined, message: string | undefined) {
    super(message || `storage answered ${status}`);
    this.name = code ?? `HTTP ${status}`;
    this.Code = this.name;
    this.$metadata = { httpStatusCode: status };
  }
}

/** The error for a storage answer that is neither the object nor 404, with S3's code from its XML body. */
async function storageError(res: StorageAnswer): Promise<StorageResponseError> {
  const text = await res.text().catch(() => "");
  const field = (name: string) => text.slice(0, ERROR_BODY_LIMIT).match(new RegExp(`<${name}>([^<]*)</${name}>`))?.[1];
  return new StorageResponseError(res.status, field("Code"), field("Message"));
}

/** What the SDK's standard retry tries again: a request that failed or timed out, a 5xx, throttling. */
function isTransient(error: unknown): boolean {
  if (error instanceof StorageResponseError)
    return error.$metadata.httpStatusCode >= 500 || error.$metadata.httpStatusCode === 429;
  return true;
}

/** SigV4's timestamp: 20261126T023000Z. */
const amzDate = (date: Date) => date.toISOString().replace(/[:-]|\.\d{3}/g, "");
