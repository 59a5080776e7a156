// Sizes and durations as a person reads them ("1.5 MB", "2 min").

const UNITS = ["B", "KB", "MB", "GB", "TB"];

/** Decimal units, as file managers show them. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

export function formatDuration(secs: number): string {
  if (secs < 60) return `${Math.max(0, Math.round(secs))} s`;
  if (secs < 3600) return `${Math.round(secs / 60)} min`;
  return `${Math.floor(secs / 3600)} h ${Math.round((secs % 3600) / 60)} min`;
}

// Dates are formatted through one `Intl.DateTimeFormat` per language and style, made once:
// `Date.prototype.toLocale*String(language, options)` builds a new ICU formatter on every call,
// and in WebKit (JavaScriptCore) each one keeps about 50 KB of malloc'd memory that its
// collector does not see; 2,000 calls (a timeline's rows rendered while scrolling, the chat
// list redrawn for each message that arrives) left the web process 100 MiB larger.
const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** The formatter for `language` and `options`, made on first use and kept. */
export function dateFormat(language: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${language}\u0000${JSON.stringify(options)}`;
  let format = dateFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(language, options);
    dateFormats.set(key, format);
  }
  return format;
}

/** What `toLocaleString(language)` shows: the date and the time, numeric. */
export const DATE_AND_TIME: Intl.DateTimeFormatOptions = {
  year: "numeric",
  month: "numeric",
  day: "numeric",
  hour: "numeric",
  minute: "numeric",
  second: "numeric",
};
