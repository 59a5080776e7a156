// Initials and a colour for a person or a cascade without a picture. The colour comes from the
// id, not the name, so it stays when they rename themselves, and is the same on every device.

/** Up to two letters: the first of the first and of the last word ("Ada Lovelace" → "AL"). */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter((word) => word.length > 0);
  const first = (word: string | undefined) => (word ? (Array.from(word)[0] ?? "") : "");
  const letters = words.length > 1 ? first(words[0]) + first(words[words.length - 1]) : first(words[0]);
  return letters.toLocaleUpperCase() || "?";
}

/** How many avatar colours app.css defines (.avatar-0 … .avatar-7). */
export const AVATAR_COLOURS = 8;

/** A stable colour index for an id (FNV-1a). */
export function colourIndex(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % AVATAR_COLOURS;
}

/** Only web and local object URLs are shown as pictures. */
export const isPictureUrl = (url: string | null | undefined): url is string => !!url && /^(https?:|blob:)/i.test(url);
