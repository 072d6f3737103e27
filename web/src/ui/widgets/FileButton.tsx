/** A button that opens the file chooser: the file input is hidden inside its label, so the keyboard reaches it. */
interface Props {
  label: string;
  accept: string;
  testId: string;
  onFile: (file: File) => void;
}

export function FileButton({ label, accept, testId, onFile }: Props) {
  return (
    <label class="button">
      {label}
      <input
        type="file"
        accept={accept}
        class="visually-hidden"
        data-testid={testId}
        onChange={(e) => {
          const file = e.currentTarget.files?.[0];
          if (file) onFile(file);
          // Cleared, so choosing the same file again is seen as a new choice.
          e.currentTarget.value = "";
        }}
      />
    </label>
  );
}
