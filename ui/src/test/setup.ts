import "@testing-library/jest-dom/vitest";
import { cleanup, configure } from "@testing-library/react";
import { afterEach } from "vitest";

// waitFor/findBy wait for something to happen, they do not time it: the generous limit only stops a
// test that hangs, so a slow or busy machine cannot fail a correct run (speed belongs in benchmarks).
configure({ asyncUtilTimeout: 15_000 });

// Each test starts with a fresh window: no rendered tree, no remembered preferences.
afterEach(() => {
  cleanup();
  localStorage.clear();
});

// jsdom has no layout: give elements a size so the virtualised list renders rows.
Object.defineProperties(HTMLElement.prototype, {
  offsetHeight: { configurable: true, get: () => 700 },
  offsetWidth: { configurable: true, get: () => 360 },
  clientHeight: { configurable: true, get: () => 700 },
  clientWidth: { configurable: true, get: () => 360 },
});
HTMLElement.prototype.getBoundingClientRect = function () {
  return { x: 0, y: 0, top: 0, left: 0, bottom: 700, right: 360, width: 360, height: 700, toJSON: () => ({}) } as DOMRect;
};
HTMLElement.prototype.scrollTo = function () {};
if (!window.matchMedia) {
  window.matchMedia = (query: string) =>
    ({ matches: false, media: query, addEventListener() {}, removeEventListener() {}, onchange: null, addListener() {}, removeListener() {}, dispatchEvent: () => false }) as MediaQueryList;
}
Element.prototype.scrollBy = function () {};
Element.prototype.scrollIntoView = function () {};
