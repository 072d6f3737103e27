/**
 * Where a PNG downloaded from this page comes back to fill the Generate form: a file chooser (the
 * whole tab takes dropped files too), and a line saying what was filled, or why nothing was.
 */
import { FileButton } from "../widgets/FileButton.tsx";
import type { FromFile } from "./settings-file.ts";

interface Props {
  onFile: (file: File) => void;
  outcome: FromFile | null;
}

export function SettingsFile({ onFile, outcome }: Props) {
  return (
    <div class="settings-file">
      <div class="row wrap">
        <FileButton label="Settings from a PNG…" accept="image/png" testId="settings-upload" onFile={onFile} />
        <span class="hint">or drop one downloaded from here anywhere on this tab, to make it again.</span>
      </div>
      {/* Always in the page, so screen readers announce each new outcome. */}
      <p role="status" data-testid="settings-status" class={outcome && !outcome.ok ? "error" : undefined}>
        {outcome?.note}
      </p>
    </div>
  );
}
