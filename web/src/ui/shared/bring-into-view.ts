/** Scrolls `container` to the top of the screen and focuses its first control that can take input. */
export function bringIntoView(container: HTMLElement | null): void {
  container?.scrollIntoView({ block: "start" });
  container?.querySelector<HTMLElement>("input:enabled, select:enabled, button:enabled")?.focus({ preventScroll: true });
}
