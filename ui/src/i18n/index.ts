// The message catalogue (i18next): every user-facing string is looked up here, by key, with the
// reviewer's locale; dates, numbers and money go through Intl with the same locale (lib/format.ts).
import i18next from "i18next";
import { en } from "./en";
import { pseudoCatalogue } from "./pseudo";

/** The locale of the pseudo-translation used by the tests: every message changed, longer, marked. */
export const PSEUDO = "en-XA";

const supported = ["en"];

function initialLanguage(): string {
  const wanted = typeof navigator !== "undefined" ? navigator.languages ?? [navigator.language] : [];
  for (const tag of wanted) {
    const base = tag?.split("-")[0];
    if (base && supported.includes(base)) return tag;
  }
  return "en";
}

void i18next.init({
  resources: { en: { translation: en }, [PSEUDO]: { translation: pseudoCatalogue(en) } },
  lng: initialLanguage(),
  fallbackLng: "en",
  // React escapes text itself; i18next must not escape it again.
  interpolation: { escapeValue: false },
  initAsync: false,
  returnNull: false,
  showSupportNotice: false,
});

/** Looks a message up in the catalogue; `{{name}}` placeholders are filled from `values`. */
export function t(key: string, values?: Record<string, unknown>): string {
  return i18next.t(key, values ?? {});
}

/** The BCP 47 locale for Intl: the chosen language (the pseudo-locale formats as English). */
export function locale(): string {
  const lng = i18next.language;
  return !lng || lng === PSEUDO ? "en-GB" : lng;
}

export function setLanguage(lng: string): Promise<unknown> {
  return i18next.changeLanguage(lng);
}
