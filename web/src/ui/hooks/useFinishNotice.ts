/**
 * A job in the tab's title while it runs ("37% · Restoring · edge-diffusion"), and its end said where
 * the visitor is: in the title until they come back to the tab, and as a notification if they allowed
 * them and are elsewhere.
 */
import { useEffect, useState } from "preact/hooks";
import type { JobState } from "./useJob.ts";

/** The page's own title, as loaded: every panel's title is built on it, never on another panel's. */
const PAGE_TITLE = document.title;

interface Notice {
  /** "Restoring": the title's word while it runs. */
  running: string;
  /** "Restored": the title's word, and the notification's, when it is done. */
  done: string;
  /** The notification's line: what is ready. */
  body: string;
}

export interface FinishNotice {
  /** Says the job is done: in the title while the visitor is on another tab, and as a notification if allowed. */
  announce: () => void;
  /** Asks for notifications; null once asked, or where the browser has none. */
  askToNotify: (() => void) | null;
}

/**
 * Shows a notification through the service worker where there is one: Chrome on Android allows no
 * other way (`new Notification` throws there). A notification is a courtesy: the title says it anyway.
 */
async function notify(title: string, body: string): Promise<void> {
  try {
    const registration = await navigator.serviceWorker?.getRegistration();
    if (registration) await registration.showNotification(title, { body });
    else new Notification(title, { body });
  } catch (error) {
    console.warn(`no notification: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export function useFinishNotice(state: JobState, notice: Notice): FinishNotice {
  const [asked, setAsked] = useState(() => !("Notification" in window) || Notification.permission !== "default");
  // A finished job the visitor has not come back to the tab to see.
  const [unseen, setUnseen] = useState(false);
  const { running, done, total } = state;

  useEffect(() => {
    if (running) document.title = `${total > 0 ? Math.floor((100 * done) / total) : 0}% · ${notice.running} · ${PAGE_TITLE}`;
    else document.title = unseen ? `✓ ${notice.done} · ${PAGE_TITLE}` : PAGE_TITLE;
  }, [running, done, total, unseen]);
  // A panel that goes (another model chosen) leaves the page's title behind, not its progress.
  useEffect(
    () => () => {
      document.title = PAGE_TITLE;
    },
    [],
  );

  useEffect(() => {
    if (!unseen) return;
    const back = () => !document.hidden && setUnseen(false);
    document.addEventListener("visibilitychange", back);
    return () => document.removeEventListener("visibilitychange", back);
  }, [unseen]);

  function announce() {
    if (!document.hidden) return;
    setUnseen(true);
    if ("Notification" in window && Notification.permission === "granted") void notify(notice.done, notice.body);
  }

  return { announce, askToNotify: asked ? null : () => void Notification.requestPermission().finally(() => setAsked(true)) };
}
