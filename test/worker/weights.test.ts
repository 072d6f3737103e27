/** Weight downloads: strong ETag, If-None-Match, Range, If-Range, HEAD, immutable caching. */
import { beforeAll, describe, expect, it } from "vitest";
import { bytesOf, call, expectError, publish } from "./helpers.ts";

const FILE = bytesOf(1000, 42);
let url = "";
let etag = "";

beforeAll(async () => {
  const manifest = await publish("weights-v", { "model.onnx": FILE });
  const sha = manifest.files[0]?.sha256 ?? "";
  url = `/api/weights/${sha}`;
  etag = `"${sha}"`;
});

async function bytes(res: Response): Promise<Uint8Array> {
  return new Uint8Array(await res.arrayBuffer());
}

describe("GET /api/weights/:sha256", () => {
  it("serves the whole file with a strong ETag and immutable caching", async () => {
    const res = await call(url);
    expect(res.status).toBe(200);
    expect(res.headers.get("ETag")).toBe(etag);
    expect(res.headers.get("Cache-Control")).toBe("public, max-age=31536000, immutable");
    expect(res.headers.get("Accept-Ranges")).toBe("bytes");
    expect(res.headers.get("Content-Length")).toBe("1000");
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(await bytes(res)).toEqual(FILE);
  });

  it("answers If-None-Match with 304 and no body", async () => {
    for (const header of [etag, `W/${etag}`, `"other", ${etag}`, "*"]) {
      const res = await call(url, { headers: { "If-None-Match": header } });
      expect(res.status, header).toBe(304);
      expect(res.headers.get("ETag")).toBe(etag);
      expect((await bytes(res)).byteLength).toBe(0);
    }
    expect((await call(url, { headers: { "If-None-Match": '"something-else"' } })).status).toBe(200);
  });

  it("serves byte ranges with 206 and Content-Range", async () => {
    const cases: [string, number, number][] = [
      ["bytes=0-9", 0, 10],
      ["bytes=990-", 990, 10],
      ["bytes=-25", 975, 25],
      ["bytes=500-5000", 500, 500],
      ["bytes=-5000", 0, 1000],
    ];
    for (const [range, offset, length] of cases) {
      const res = await call(url, { headers: { Range: range } });
      expect(res.status, range).toBe(206);
      expect(res.headers.get("Content-Range"), range).toBe(`bytes ${offset}-${offset + length - 1}/1000`);
      expect(res.headers.get("Content-Length"), range).toBe(String(length));
      expect(await bytes(res), range).toEqual(FILE.slice(offset, offset + length));
    }
  });

  it("answers ranges outside the file with 416", async () => {
    for (const range of ["bytes=1000-", "bytes=5000-6000", "bytes=-0"]) {
      const res = await call(url, { headers: { Range: range } });
      expect(res.status, range).toBe(416);
      expect(res.headers.get("Content-Range"), range).toBe("bytes */1000");
      expect((await res.json<{ error: string }>()).error).toBe("range_not_satisfiable");
    }
  });

  it("sends the whole file for ranges it ignores and for a stale If-Range", async () => {
    const ignored: Record<string, string>[] = [
      { Range: "bytes=0-1,5-6" },
      { Range: "items=0-1" },
      { Range: "bytes=9-2" },
      { Range: "bytes=0-9", "If-Range": '"stale"' },
    ];
    for (const headers of ignored) {
      const res = await call(url, { headers });
      expect(res.status, JSON.stringify(headers)).toBe(200);
      expect((await bytes(res)).byteLength).toBe(1000);
    }
    expect((await call(url, { headers: { Range: "bytes=0-9", "If-Range": etag } })).status).toBe(206);
  });

  it("answers HEAD with the headers of GET and no body", async () => {
    const head = await call(url, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("Content-Length")).toBe("1000");
    expect(head.headers.get("ETag")).toBe(etag);
    expect((await bytes(head)).byteLength).toBe(0);
    const partial = await call(url, { method: "HEAD", headers: { Range: "bytes=10-19" } });
    expect(partial.status).toBe(206);
    expect(partial.headers.get("Content-Range")).toBe("bytes 10-19/1000");
  });

  it("refuses malformed and unknown hashes", async () => {
    await expectError(call("/api/weights/not-a-hash"), 400, "invalid_request");
    await expectError(call(`/api/weights/${"A".repeat(64)}`), 400, "invalid_request");
    await expectError(call(`/api/weights/${"0".repeat(64)}`), 404, "weights_not_found");
  });
});
