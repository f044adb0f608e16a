// WebKitGTK reports the POSIX locale C.UTF-8 (the default of minimal Debian installs and CI) as
// navigator.language "C", which Intl refuses with "invalid language tag". Libraries that build an Intl
// formatter from navigator.language when they load (uPlot does) would then fail to load at all.

/** True when Intl accepts `tag` as a BCP 47 language tag. */
export function isLanguageTag(tag: string | undefined): tag is string {
  if (!tag) return false;
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
}

/**
 * Replaces a navigator.language (and languages) that Intl refuses with `fallback`; valid tags are left as
 * they are. Runs before any lazily loaded module reads them.
 */
export function repairNavigatorLanguage(nav: Navigator, fallback: string): void {
  if (isLanguageTag(nav.language)) return;
  const valid = (nav.languages ?? []).filter(isLanguageTag);
  Object.defineProperty(nav, "language", { value: valid[0] ?? fallback, configurable: true });
  Object.defineProperty(nav, "languages", { value: valid.length ? valid : [fallback], configurable: true });
}
