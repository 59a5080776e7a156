import type { MessageKey } from "./en";

export const hu: Record<MessageKey, string> = {
  "app.name": "Chatenium",
  "app.tagline": "Csevegj, küldj fájlokat és telefonálj, egyenesen az asztalodról.",
  "info.version": "Verzió",
  "info.contract": "API-szerződés",
  "info.endpoints": "{count} végpont",
  "info.server": "Szerver",
  "info.server.embedded": "Beépített helyi szerver",
  "status.loading": "Indítás…",
  "status.error": "Hiba történt: {message}",
  "language.label": "Nyelv",
};
