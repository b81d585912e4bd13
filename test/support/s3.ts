import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
// @ts-expect-error s3rver ships no types
import S3rver from "s3rver";
import { freePort } from "./ports.ts";

export interface TestS3 {
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  stop(): Promise<void>;
}

/** An s3rver on a free loopback port with one bucket, files in a temp dir removed on stop. */
export async function startS3(): Promise<TestS3> {
  const dir = mkdtempSync(join(tmpdir(), "ajet-s3-"));
  const port = freePort();
  const bucket = `ajet-test-${Date.now().toString(36)}`;
  const server = new S3rver({
    port,
    address: "127.0.0.1",
    directory: dir,
    silent: true,
    configureBuckets: [{ name: bucket }],
  });
  await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    // s3rver's fixed development credentials.
    accessKeyId: "S3RVER",
    secretAccessKey: "S3RVER",
    async stop() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
