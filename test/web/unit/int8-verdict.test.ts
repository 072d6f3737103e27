/** The rule the page follows before it runs a version's int8 weights on WASM, and the reasons it gives the visitor. */
import { describe, expect, it } from "vitest";
import { int8Verdict } from "../../../worker/contract/int8.ts";

const fp32 = { name: "model.onnx", variant: "fp32" as const };
const int8 = { name: "model.int8.onnx", variant: "int8" as const };
const evaluation = { frechet_distance: 12.5, fp32_frechet_distance: 12.3, samples: 1000, photo_psnr_db: 27.9, fp32_photo_psnr_db: 28 };

describe("int8Verdict", () => {
  it("holds when an int8 file is listed and its evaluation is within bounds, and names the file", () => {
    expect(int8Verdict({ files: [fp32, int8], metrics: { int8: evaluation } })).toEqual({ ok: true, file: int8 });
  });

  it("holds at the bounds: 0.3 more Frechet distance, 0.2 dB less on photos", () => {
    const atBounds = { ...evaluation, frechet_distance: 12.6, fp32_frechet_distance: 12.3, photo_psnr_db: 27.8, fp32_photo_psnr_db: 28 };
    expect(int8Verdict({ files: [fp32, int8], metrics: { int8: atBounds } }).ok).toBe(true);
  });

  it("says why not, in the visitor's words", () => {
    const reason = (files: (typeof fp32 | typeof int8)[], metrics: Parameters<typeof int8Verdict>[0]["metrics"]) => {
      const verdict = int8Verdict({ files, metrics });
      return verdict.ok ? "holds" : verdict.reason;
    };
    expect(reason([fp32], { int8: evaluation })).toBe("this version has no int8 weights");
    expect(reason([fp32, int8], { note: "evaluated fp32 only" })).toBe("int8 was not evaluated for this version");
    expect(reason([fp32, int8], { int8: { ...evaluation, frechet_distance: 12.82 } })).toBe(
      "int8 made generated images worse in evaluation (Frechet distance 0.52 higher)",
    );
    expect(reason([fp32, int8], { int8: { ...evaluation, photo_psnr_db: 27.6 } })).toBe("int8 lost 0.4 dB on photos in evaluation");
    const withoutPhotos = { frechet_distance: 12.5, fp32_frechet_distance: 12.3, samples: 1000 };
    expect(reason([fp32, int8], { int8: withoutPhotos })).toBe("int8 was not evaluated on photos for this version");
  });
});
