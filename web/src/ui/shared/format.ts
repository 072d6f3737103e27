/** Numbers and dates as people read them. */

/** "29 Nov 2026", the day in UTC (the manifest's timestamps are UTC). */
export function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : date.toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
}

/** "1.7 million" for large counts, "248,000" below a million. */
export function formatCount(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)} million` : n.toLocaleString("en");
}

/** A PSNR in dB; an image identical to its original has an infinite PSNR, shown as a dash. */
export function formatPsnr(db: number): string {
  return Number.isFinite(db) ? `${db.toFixed(1)} dB` : "–";
}

/** A change in PSNR with its sign: "+2.3 dB", "−0.1 dB". */
export function formatChange(db: number): string {
  return `${db < 0 ? "−" : "+"}${Math.abs(db).toFixed(1)} dB`;
}

/** A fraction as a percentage: "91%", or "91.3%" with one digit. */
export const formatPercent = (fraction: number, digits = 0) => `${(100 * fraction).toFixed(digits)}%`;

/** "about 40 s", "about 3 min", "about 1 h 20 min". */
export function formatDuration(seconds: number): string {
  if (seconds < 1) return "under a second";
  if (seconds < 90) return `about ${Math.round(seconds)} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} min`;
  return `about ${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
