// The keys of the palette dialogs (the quick switcher, search and Forward): one list of rows
// under one text field, the active row marked, as in Discord's and Telegram's switchers.

export interface PaletteKeys {
  /** How many rows the list shows now. */
  count: number;
  /** The row that is active now. */
  active: number;
  /** Makes another row active (Up and Down wrap around the list). */
  move(to: number): void;
  /** The active row was chosen (Enter). */
  pick(): void;
  close(): void;
  /** Tab stays in the field: the dialog has no other control to move to. */
  keepTab?: boolean;
}

/** Esc closes, Up and Down move the active row, Enter picks it; other keys are the field's. */
export function onPaletteKey(event: KeyboardEvent, keys: PaletteKeys): void {
  const { count, active } = keys;
  if (event.key === "Escape") {
    event.preventDefault();
    event.stopPropagation();
    keys.close();
  } else if (event.key === "ArrowDown" && count > 0) {
    event.preventDefault();
    keys.move((active + 1) % count);
  } else if (event.key === "ArrowUp" && count > 0) {
    event.preventDefault();
    keys.move((active - 1 + count) % count);
  } else if (event.key === "Enter") {
    event.preventDefault();
    keys.pick();
  } else if (event.key === "Tab" && keys.keepTab) {
    event.preventDefault();
  }
}
