/**
 * A long job in the tab's title while it runs ("37% · Restoring · edge-diffusion"), and its end said
 * where the visitor is: in the title until they come back to the tab, and as a notification if they
 * allowed them and are elsewhere.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { JobState } from "./useJob.ts";

interface Notice {
  /** "Restoring": the title's word while it runs. */
  running: string;
  /** "Restored": the title's word, and the notification's, when it is done. */
  done: string;
  /** The notification's line: what is ready. */
  body: string;
}

/** Returns how to ask for notifications, or null once asked (or where the browser has none). */
export interface FinishNotice {
  /** Says the job is done: in the title while the visitor is on another tab, and as a notification if allowed. */
  announce: () => void;
  /** Asks for notifications; null once asked, or where the browser has none. */
  askToNotify: (() => void) | null;
}

export function useFinishNotice(state: JobState, notice: Notice): FinishNotice {
  const baseTitle = useRef(document.title);
  const [asked, setAsked] = useState(() => !("Notification" in window) || Notification.permission !== "default");
  // A finished job the visitor has not come back to the tab to see.
  const [unseen, setUnseen] = useState(false);
  const { running, done, total } = state;

  useEffect(() => {
    const base = baseTitle.current;
    if (running) document.title = `${total > 0 ? Math.floor((100 * done) / total) : 0}% · ${notice.running} · ${base}`;
    else document.title = unseen ? `✓ ${notice.done} · ${base}` : base;
  }, [running, done, total, unseen]);

  useEffect(() => {
    if (!unseen) return;
    const back = () => !document.hidden && setUnseen(false);
    document.addEventListener("visibilitychange", back);
    return () => document.removeEventListener("visibilitychange", back);
  }, [unseen]);

  function announce() {
    if (!document.hidden) return;
    setUnseen(true);
    if ("Notification" in window && Notification.permission === "granted") new Notification(notice.done, { body: notice.body });
  }

  return { announce, askToNotify: asked ? null : () => void Notification.requestPermission().finally(() => setAsked(true)) };
}
