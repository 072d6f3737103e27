interface ProgressProps {
  label: string;
  value: number;
  max: number;
  detail?: string;
}

export function Progress({ label, value, max, detail }: ProgressProps) {
  return (
    <div class="progress">
      <progress value={value} max={max} aria-label={label} />
      <span aria-live="polite">{detail ?? `${label}: ${value}/${max}`}</span>
    </div>
  );
}
