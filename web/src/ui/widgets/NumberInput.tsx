/**
 * A required whole-number field that keeps what is typed: a cleared field stays empty (it never shows
 * or sends NaN) and only numbers reach `onValue`. The browser checks the field's constraints (required,
 * min, max, whole steps) when its form is submitted, so a submit handler reads only valid numbers.
 */
import { useEffect, useState } from "preact/hooks";

interface Props {
  value: number;
  onValue: (value: number) => void;
  min: number;
  max: number;
  /** The id of the line of help that describes the field. */
  describedBy?: string;
}

export function NumberInput({ value, onValue, min, max, describedBy }: Props) {
  const [text, setText] = useState(String(value));
  // A value set from outside (a random seed, a suggested number of steps) replaces the text; the
  // field's own edits already match it ("05" stays "05").
  useEffect(() => setText((current) => (current !== "" && Number(current) === value ? current : String(value))), [value]);
  return (
    <input
      type="number"
      required
      min={min}
      max={max}
      value={text}
      aria-describedby={describedBy}
      onInput={(e) => {
        const input = e.currentTarget;
        setText(input.value);
        if (input.value !== "" && Number.isFinite(input.valueAsNumber)) onValue(input.valueAsNumber);
      }}
    />
  );
}
