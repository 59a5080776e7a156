// When a screen reached the screen: a User Timing mark (`painted:<screen>`), taken two
// animation frames after the screen was put in the page, so the first of them rendered it. Read
// by the start-up benchmark (bench/startup.mjs); costs nothing otherwise.

export function markPainted(screen: string): void {
  requestAnimationFrame(() => requestAnimationFrame(() => performance.mark(`painted:${screen}`)));
}
