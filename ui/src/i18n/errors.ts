// Every error a command can answer, as a sentence in the user's language. `Record<ErrorCode, …>`
// makes a code the contract adds without a translation a type error in both languages.
import type { ErrorCode } from "../backend";
import { BackendError } from "../backend";
import type { Language } from "./index.svelte";

const en: Record<ErrorCode, string> = {
  badRequest: "The request was not understood.",
  payloadTooLarge: "That is too large to send.",
  methodNotAllowed: "The server does not support this request.",
  unsupportedMediaType: "The server does not support this request.",
  rateLimited: "Too many attempts. Wait a little and try again.",
  internal: "The server failed. Nothing was changed; try again.",
  notFound: "It does not exist, or you may not see it.",
  forbidden: "You may not do that.",
  unauthorized: "Please sign in again.",
  tokenExpired: "Please sign in again.",
  invalidRefreshToken: "Your session ended. Please sign in again.",
  userNotFound: "No account has this username, e-mail or phone number.",
  invalidCredentials: "Wrong password or code.",
  usernameTaken: "This username is taken.",
  emailTaken: "An account already uses this e-mail address.",
  phoneTaken: "An account already uses this phone number.",
  invalidUsername: "A username is 3 to 32 letters, digits, '.', '_' or '-'.",
  invalidDisplayName: "A display name is 1 to 64 characters.",
  invalidEmail: "That is not an e-mail address.",
  invalidPhone: "Write the phone number in international form, like +36…",
  weakPassword: "A password needs at least 8 characters.",
  passwordRequired: "This account signs in with a password.",
  passwordlessAccount: "This account has no password: sign in with a code.",
  challengeNotFound: "The code expired. Start again.",
  challengeIncomplete: "Verify every code first.",
  factorUnavailable: "The account cannot receive a code that way.",
  invalidCode: "The code is wrong or expired.",
  invalidResetToken: "The reset code is wrong or expired.",
  invalidIdToken: "The sign-in with the other service failed.",
  addUserUnk: "No user has this name.",
  noStartChatWithSelf: "You cannot add yourself.",
  chatAlreadyExists: "This contact is already in your list.",
  notContacts: "You can write only to your contacts.",
  emptyMessage: "Write something or attach a file.",
  messageTooLong: "A message is at most 4000 characters.",
  notAuthor: "Only the author may do that.",
  uploadNotFound: "The upload was not found.",
  uploadIncomplete: "The file did not arrive completely.",
  uploadTooLarge: "The file is too large.",
  storageQuotaExceeded: "Your storage is full. Delete some files and try again.",
  invalidSignature: "The upload link expired. Try again.",
  invalidImage: "This is not a picture that can be shown (JPEG, PNG, WebP or GIF).",
  imageTooLarge: "This picture has too many pixels.",
  banned: "You are banned there.",
  alreadyMember: "You are a member already.",
  inviteInvalid: "The invite is not valid.",
  notPublic: "It is not public.",
  cannotKickOwner: "The owner cannot be removed.",
  invalidName: "A name is 1 to 64 characters.",
  notInAlbum: "That picture is not in this album.",
  transferExpired: "The transfer ended.",
  notChatPartner: "Only chat partners can be called.",
  unknown: "Something went wrong.",
};

const hu: Record<ErrorCode, string> = {
  badRequest: "A kérés nem értelmezhető.",
  payloadTooLarge: "Ez túl nagy a küldéshez.",
  methodNotAllowed: "A szerver nem támogatja ezt a kérést.",
  unsupportedMediaType: "A szerver nem támogatja ezt a kérést.",
  rateLimited: "Túl sok próbálkozás. Várj egy kicsit, és próbáld újra.",
  internal: "A szerver hibázott. Semmi sem változott; próbáld újra.",
  notFound: "Nem létezik, vagy nem láthatod.",
  forbidden: "Ezt nem teheted meg.",
  unauthorized: "Jelentkezz be újra.",
  tokenExpired: "Jelentkezz be újra.",
  invalidRefreshToken: "A munkamenet lejárt. Jelentkezz be újra.",
  userNotFound: "Nincs fiók ezzel a felhasználónévvel, e-mail-címmel vagy telefonszámmal.",
  invalidCredentials: "Hibás jelszó vagy kód.",
  usernameTaken: "Ez a felhasználónév foglalt.",
  emailTaken: "Ezt az e-mail-címet már használja egy fiók.",
  phoneTaken: "Ezt a telefonszámot már használja egy fiók.",
  invalidUsername: "A felhasználónév 3–32 betű, számjegy, '.', '_' vagy '-'.",
  invalidDisplayName: "A megjelenített név 1–64 karakter.",
  invalidEmail: "Ez nem e-mail-cím.",
  invalidPhone: "Nemzetközi formában írd a telefonszámot, például +36…",
  weakPassword: "A jelszó legalább 8 karakter.",
  passwordRequired: "Ez a fiók jelszóval jelentkezik be.",
  passwordlessAccount: "Ennek a fióknak nincs jelszava: jelentkezz be kóddal.",
  challengeNotFound: "A kód lejárt. Kezdd újra.",
  challengeIncomplete: "Előbb igazold az összes kódot.",
  factorUnavailable: "A fiók így nem kaphat kódot.",
  invalidCode: "A kód hibás vagy lejárt.",
  invalidResetToken: "A visszaállító kód hibás vagy lejárt.",
  invalidIdToken: "A bejelentkezés a másik szolgáltatással nem sikerült.",
  addUserUnk: "Nincs ilyen nevű felhasználó.",
  noStartChatWithSelf: "Saját magadat nem veheted fel.",
  chatAlreadyExists: "Ez a partner már a listádban van.",
  notContacts: "Csak a partnereidnek írhatsz.",
  emptyMessage: "Írj valamit, vagy csatolj fájlt.",
  messageTooLong: "Egy üzenet legfeljebb 4000 karakter.",
  notAuthor: "Ezt csak a szerző teheti meg.",
  uploadNotFound: "A feltöltés nem található.",
  uploadIncomplete: "A fájl nem érkezett meg teljesen.",
  uploadTooLarge: "A fájl túl nagy.",
  storageQuotaExceeded: "Betelt a tárhelyed. Törölj néhány fájlt, és próbáld újra.",
  invalidSignature: "A feltöltési hivatkozás lejárt. Próbáld újra.",
  invalidImage: "Ez nem megjeleníthető kép (JPEG, PNG, WebP vagy GIF).",
  imageTooLarge: "Ennek a képnek túl sok képpontja van.",
  banned: "Ki vagy tiltva onnan.",
  alreadyMember: "Már tag vagy.",
  inviteInvalid: "A meghívó érvénytelen.",
  notPublic: "Ez nem nyilvános.",
  cannotKickOwner: "A tulajdonost nem lehet eltávolítani.",
  invalidName: "A név 1–64 karakter.",
  notInAlbum: "Ez a kép nincs ebben az albumban.",
  transferExpired: "Az átvitel véget ért.",
  notChatPartner: "Csak a beszélgetőpartnereidet hívhatod.",
  unknown: "Hiba történt.",
};

const other = {
  en: { network: "The server cannot be reached. Check the connection.", signedOut: "You are signed out.", local: "Something failed on this device." },
  hu: { network: "A szerver nem érhető el. Ellenőrizd a kapcsolatot.", signedOut: "Ki vagy jelentkezve.", local: "Valami hibázott ezen az eszközön." },
} as const;

/** A failure as the user should read it, in their language. */
export function describeError(language: Language, error: unknown): string {
  if (error instanceof BackendError) {
    const detail = error.error;
    if (detail.kind === "api") return (language === "hu" ? hu : en)[detail.code] ?? en.unknown;
    return other[language][detail.kind];
  }
  return (language === "hu" ? hu : en).unknown;
}

export const errorCatalogs = { en, hu };
