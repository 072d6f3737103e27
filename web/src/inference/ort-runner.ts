/** One ORT session as the UNet the jobs call: the page's session (session.ts) and each engine worker's (engine-worker.ts). */
import type * as Ort from "onnxruntime-web";
import type { Manifest } from "../api/models.ts";
import type { UNet } from "../diffusion/guidance.ts";

export type OrtModule = typeof Ort;

export function runner(ort: OrtModule, session: Ort.InferenceSession, manifest: Manifest): UNet {
  const { channels, size } = manifest.image;
  // The graph's names come from the manifest, which model/onnx_export/manifest.py writes from the graph itself.
  const [xName, tName, labelsName] = manifest.onnx.inputs.map((input) => input.name);
  const outName = manifest.onnx.outputs[0].name;
  return async (x, t, classLabels) => {
    const batch = classLabels.length;
    const feeds = {
      [xName]: new ort.Tensor("float32", x, [batch, channels, size, size]),
      [tName]: new ort.Tensor("float32", t, [batch]),
      [labelsName]: new ort.Tensor("int32", classLabels, [batch]),
    };
    const { [outName]: out } = await session.run(feeds);
    const data = (await out.getData()) as Float32Array;
    out.dispose();
    return data;
  };
}
