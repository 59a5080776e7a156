// What the navigation rail and the quick switcher work with. Cascades and threads are not in the
// app yet: the rail takes a list of cascades (empty until they exist) and the switcher takes any
// number of sources, so both can be fed them later without changing.

/** The screens of the signed-in app. */
export type Screen = "chats" | "discover" | "pictures" | "transfers" | "account";

/** One cascade as the rail shows it. */
export interface RailCascade {
  id: string;
  name: string;
  picture: string | null;
  /** Unread messages over all its threads. */
  unread: number;
}

/** One place the quick switcher can jump to (a chat today; a cascade or thread later). */
export interface SwitcherItem {
  /** Unique over every source. */
  key: string;
  label: string;
  /** A second line: a username, a cascade's name for a thread. */
  detail: string;
  avatar: { id: string; picture: string | null };
  open: () => void;
}

/** Lower case, without accents: "Zoé" is found by "zoe", "Ödön" by "odon". */
export const fold = (text: string) => text.normalize("NFD").replace(/\p{Mn}/gu, "").toLowerCase();

/** The items matching `query`, best first: a name that starts with it, then a word of the name
 * that does, then any match in the name or the detail. An empty query keeps the given order. */
export function matchItems(items: readonly SwitcherItem[], query: string): SwitcherItem[] {
  const wanted = fold(query.trim());
  if (!wanted) return [...items];
  const ranked: { item: SwitcherItem; rank: number }[] = [];
  for (const item of items) {
    const label = fold(item.label);
    let rank = -1;
    if (label.startsWith(wanted)) rank = 0;
    else if (label.split(/\s+/).some((word) => word.startsWith(wanted))) rank = 1;
    else if (label.includes(wanted) || fold(item.detail).includes(wanted)) rank = 2;
    if (rank >= 0) ranked.push({ item, rank });
  }
  // Array.prototype.sort is stable: equal ranks keep the sources' order.
  return ranked.sort((a, b) => a.rank - b.rank).map((r) => r.item);
}
