import { describe, expect, it } from "vitest";
import { isLanguageTag, repairNavigatorLanguage } from "./navigatorLocale";

function fakeNavigator(language: string, languages: string[]): Navigator {
  return { language, languages } as unknown as Navigator;
}

describe("repairNavigatorLanguage", () => {
  it("refuses the POSIX locale names WebKitGTK passes through", () => {
    expect(isLanguageTag("C")).toBe(false);
    expect(isLanguageTag("")).toBe(false);
    expect(isLanguageTag(undefined)).toBe(false);
    expect(isLanguageTag("en-GB")).toBe(true);
  });

  it("replaces C with the fallback, so Intl formatters built from it work", () => {
    const nav = fakeNavigator("C", ["C"]);
    repairNavigatorLanguage(nav, "en");
    expect(nav.language).toBe("en");
    expect(nav.languages).toEqual(["en"]);
    expect(new Intl.NumberFormat(nav.language).format(1234)).toBe("1,234");
  });

  it("prefers a valid entry of navigator.languages to the fallback", () => {
    const nav = fakeNavigator("C", ["C", "de-DE"]);
    repairNavigatorLanguage(nav, "en");
    expect(nav.language).toBe("de-DE");
    expect(nav.languages).toEqual(["de-DE"]);
  });

  it("leaves a valid language alone", () => {
    const nav = fakeNavigator("fr-FR", ["fr-FR", "en"]);
    repairNavigatorLanguage(nav, "en");
    expect(nav.language).toBe("fr-FR");
    expect(nav.languages).toEqual(["fr-FR", "en"]);
  });
});
