/**
 * Another photo came in while this one is being restored: the visitor chooses, nothing is thrown away
 * unasked (if the run ends meanwhile, the question becomes whether to leave its result). Focus moves
 * here, as the page may be scrolled to the progress far below.
 */
import { useEffect, useRef } from "preact/hooks";

interface Props {
  current: string;
  next: string;
  /** The current photo's restoration is still running (else it has ended since the question was asked). */
  running: boolean;
  onOpen: () => void;
  onKeep: () => void;
}

export function SwitchPhotoPrompt({ current, next, running, onOpen, onKeep }: Props) {
  const first = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    first.current?.scrollIntoView({ block: "nearest" });
    first.current?.focus({ preventScroll: true });
  }, []);
  return (
    <div class="warning" role="alert" data-testid="photo-switch">
      <p>
        {running
          ? `${current} is still being restored. Stop that and open ${next}?`
          : `Open ${next} in place of ${current} and its result?`}
      </p>
      <div class="row wrap">
        <button type="button" ref={first} onClick={onOpen}>
          {running ? `Stop and open ${next}` : `Open ${next}`}
        </button>
        <button type="button" onClick={onKeep}>
          {running ? `Keep restoring ${current}` : `Keep ${current}`}
        </button>
      </div>
    </div>
  );
}
