/** A worker holding one single-threaded ORT WASM session: one of the inference worker's engines (engines.ts). */
import type { UNet } from "../diffusion/guidance.ts";
import type { EngineReply, EngineRequest } from "./engines.ts";
import { runner } from "./ort-runner.ts";

const post = (reply: EngineReply, transfer: Transferable[] = []) => self.postMessage(reply, { transfer });
let run: UNet | undefined;

self.onmessage = async ({ data }: MessageEvent<EngineRequest>) => {
  try {
    if (data.type === "open") {
      const ort = await import("onnxruntime-web/wasm");
      ort.env.logLevel = "error";
      ort.env.wasm.numThreads = 1;
      const session = await ort.InferenceSession.create(data.weights, { executionProviders: ["wasm"], graphOptimizationLevel: "all" });
      run = runner(ort, session, data.manifest);
      return post({ type: "opened" });
    }
    if (!run) throw new Error("the engine has no session yet");
    // A copy of ORT's output, whose buffer may not be the output's alone, so it can be handed over whole.
    const out = (await run(data.x, data.t, data.labels)).slice();
    post({ type: "ran", id: data.id, out }, [out.buffer]);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    post(data.type === "run" ? { type: "failed", id: data.id, message } : { type: "open-failed", message });
  }
};
