#!/bin/sh
# dunst's "dmenu" in the end-to-end tests (tools/dunstrc): dunst writes its context menu's lines
# (one per notification action) to this program and invokes the line it answers. It answers the
# first line that contains the text in $XDG_RUNTIME_DIR/dunst-pick (a test writes it), and keeps
# the menu it was offered in $XDG_RUNTIME_DIR/dunst-menu for the test to read.
menu=$(cat)
printf '%s\n' "$menu" > "$XDG_RUNTIME_DIR/dunst-menu.tmp"
mv "$XDG_RUNTIME_DIR/dunst-menu.tmp" "$XDG_RUNTIME_DIR/dunst-menu"
wanted=$(cat "$XDG_RUNTIME_DIR/dunst-pick" 2>/dev/null)
[ -n "$wanted" ] && printf '%s\n' "$menu" | grep -m1 -F -- "$wanted"
exit 0
