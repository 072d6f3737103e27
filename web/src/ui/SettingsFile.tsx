/**
 * Where a PNG downloaded from this page comes back to fill the Generate form: a file chooser (the
 * whole tab takes dropped files too), and a line saying what was filled, or why nothing was.
 */
import type { FromFile } from "./settings-file.ts";

interface Props {
  onFile: (file: File) => void;
  outcome: FromFile | null;
}

export function SettingsFile({ onFile, outcome }: Props) {
  return (
    <div class="settings-file">
      <div class="row wrap">
        <label class="button">
          Settings from a PNG…
          <input
            type="file"
            accept="image/png"
            class="visually-hidden"
            data-testid="settings-upload"
            onChange={(e) => {
              const file = e.currentTarget.files?.[0];
              if (file) onFile(file);
              e.currentTarget.value = "";
            }}
          />
        </label>
        <span class="hint">or drop one downloaded from here anywhere on this tab, to make it again.</span>
      </div>
      {/* Always in the page, so screen readers announce each new outcome. */}
      <p role="status" data-testid="settings-status" class={outcome && !outcome.ok ? "error" : undefined}>
        {outcome?.note}
      </p>
    </div>
  );
}
