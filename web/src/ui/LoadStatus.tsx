/**
 * The model's download and start-up, on a line that stays once the model is ready (it then says so),
 * so the page below never jumps when loading ends.
 */
import { Progress } from "./widgets/Progress.tsx";

export interface Download {
  file: string;
  loaded: number;
  total: number;
  cached: boolean;
}

const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

export function LoadStatus({ download, ready }: { download: Download | null; ready: boolean }) {
  const cache = "this device's cache";
  return (
    <div class="status-line" data-testid="load-status">
      {ready ? (
        <p>
          Ready: the model{download && ` (${megabytes(download.total)}${download.cached ? `, from ${cache}` : ""})`} runs on your device.
        </p>
      ) : download && !download.cached ? (
        <Progress
          label="Downloading the model"
          value={download.loaded}
          max={download.total}
          detail={`Downloading the model: ${megabytes(download.loaded)} of ${megabytes(download.total)}`}
        />
      ) : (
        <p>Loading the model{download?.cached ? ` from ${cache}` : ""}…</p>
      )}
    </div>
  );
}
