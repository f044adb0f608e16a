import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { App } from "../App";
import { FakeBackend } from "../lib/backend/fake";
import { humanizeKey } from "../lib/format";
import { PSEUDO, setLanguage } from ".";
import { PSEUDO_CLOSE, PSEUDO_OPEN } from "./pseudo";

/** Every string the backend handed the UI (titles, payload values, keys): text that is data, not UI. */
function dataStrings(values: unknown[]): string[] {
  const out = new Set<string>();
  const walk = (v: unknown) => {
    if (typeof v === "string") {
      out.add(v);
      // A diff or a long text is shown line by line.
      // A diff or a long text is shown line by line (a diff's lines without their +/- mark, its files without a/ and b/).
      if (v.includes("\n"))
        for (const line of v.split("\n")) {
          out.add(line);
          out.add(line.slice(1));
          out.add(line.replace(/^(?:\+\+\+|---) (?:[ab]\/)?/, ""));
        }
      out.add(humanizeKey(v));
    } else if (typeof v === "number") out.add(String(v));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object")
      for (const [k, x] of Object.entries(v)) {
        out.add(humanizeKey(k));
        walk(x);
      }
  };
  values.forEach(walk);
  // Longest first, so a title is removed before the words inside it.
  return [...out].filter((s) => s.trim().length > 1).sort((a, b) => b.length - a.length);
}

/** Intl's own words (month names) in the formatting locale: formatted by Intl, not the catalogue. */
const INTL_WORDS = Array.from({ length: 12 }, (_, m) => new Date(2026, m, 15).toLocaleDateString("en-GB", { month: "short" }));

const PSEUDO_RUN = new RegExp(`${PSEUDO_OPEN}[^${PSEUDO_CLOSE}]*${PSEUDO_CLOSE}`, "g");

/** What is left of a piece of visible text once catalogue messages, data and Intl words are taken out. */
function leftover(text: string, data: string[]): string {
  let rest = text.replace(PSEUDO_RUN, " ");
  for (const d of data) if (rest.includes(d)) rest = rest.split(d).join(" ");
  for (const w of INTL_WORDS) rest = rest.split(w).join(" ");
  return (rest.match(/[A-Za-z]{2,}/g) ?? []).join(" ");
}

function hardCoded(root: HTMLElement, data: string[]): string[] {
  const found: string[] = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest("script, style")) continue;
    // A highlighted line of code is split into tokens: it is checked whole, below.
    if (parent.closest(".udiff-code")) continue;
    const text = node.textContent ?? "";
    // A message cut short would lose its closing mark.
    if (text.split(PSEUDO_OPEN).length !== text.split(PSEUDO_CLOSE).length) found.push(`truncated: ${text}`);
    const rest = leftover(text, data);
    if (rest) found.push(`${rest}  ←  “${text.trim()}”`);
  }
  for (const code of root.querySelectorAll<HTMLElement>(".udiff-code")) {
    const rest = leftover(code.textContent ?? "", data);
    if (rest) found.push(`${rest}  ←  code “${code.textContent}”`);
  }
  for (const el of root.querySelectorAll<HTMLElement>("[aria-label], [title], [placeholder]")) {
    for (const attr of ["aria-label", "title", "placeholder"]) {
      const value = el.getAttribute(attr);
      if (!value) continue;
      const rest = leftover(value, data);
      if (rest) found.push(`${attr}: ${rest}  ←  “${value}”`);
    }
  }
  return found;
}

describe("pseudo-locale", () => {
  beforeAll(() => setLanguage(PSEUDO));
  afterAll(() => setLanguage("en"));

  it("shows no hard-coded English on the inbox and on an item of each kind", async () => {
    const backend = new FakeBackend({ count: 40, uploadDelayMs: null });
    render(<App backend={backend} />);
    const list = await screen.findByRole("listbox");
    await within(list).findAllByRole("option");
    const page = await backend.listAssignments({ kind: null, stage: null, risk: null, status: "open", sort: "priority", due_within_minutes: null, offset: 0, limit: 100 });
    const status = await backend.appStatus();
    // The registered kinds' labels, reasons and hints are data from the queue, like the items.
    const kinds = await backend.kinds();
    // The built-in kinds have their own views; the registered ones are drawn from their hints.
    for (const [kind, viewName] of [["transaction", "transaction"], ["clinical_suggestion", "clinical_suggestion"], ["content_draft", "content_draft"], ["support_reply", "hinted"], ["code_change", "hinted"]]) {
      // Through the kind filter, whose options are the kinds' plurals: the row need not be on screen.
      fireEvent.change(screen.getByTestId("filter-kind"), { target: { value: kind } });
      const row = await waitFor(() => {
        const found = within(screen.getByTestId("inbox-list")).getAllByRole("option").find((r) => r.getAttribute("data-kind") === kind);
        if (!found) throw new Error(`no ${kind} row yet`);
        return found;
      });
      fireEvent.click(row);
      await waitFor(() => expect(screen.getByTestId("item-view")).toHaveAttribute("data-kind", kind));
      await screen.findByTestId(`view-${viewName}`);
      const view = await backend.getAssignment(row.getAttribute("data-item-id")!);
      // Open the reject panel too: its reasons and hints are catalogue text.
      act(() => (document.activeElement as HTMLElement | null)?.blur());
      fireEvent.click(screen.getByTestId("action-reject"));
      await waitFor(() => expect(screen.getByTestId("reject-panel")).toBeInTheDocument());
      const data = dataStrings([page.rows, view, status, kinds]);
      expect(hardCoded(document.body, data)).toEqual([]);
    }
  });

  it("translates the shortcut sheet and the settings dialog", async () => {
    const backend = new FakeBackend({ count: 5, uploadDelayMs: null });
    render(<App backend={backend} initialPanel="shortcuts" />);
    expect(hardCoded(await screen.findByRole("dialog"), [])).toEqual([]);
    fireEvent.keyDown(document.body, { key: "Escape" });
    fireEvent.click(screen.getByTestId("open-settings"));
    const settings = await screen.findByRole("dialog");
    await within(settings).findByTestId("sign-in-current");
    // The kinds' names in the notification settings are the server's data, not catalogue text.
    expect(hardCoded(settings, dataStrings([await backend.appStatus(), await backend.kinds()]))).toEqual([]);
  });

  it("translates the bulk bar, with the items it leaves out", async () => {
    const backend = new FakeBackend({ count: 20, uploadDelayMs: null });
    render(<App backend={backend} />);
    await within(await screen.findByRole("listbox")).findAllByRole("option");
    fireEvent.change(screen.getByTestId("filter-kind"), { target: { value: "clinical_suggestion" } });
    await waitFor(() => expect(screen.getAllByTestId("inbox-row")[0]).toHaveAttribute("data-kind", "clinical_suggestion"));
    fireEvent.click(within(screen.getAllByTestId("inbox-row")[0]!).getByTestId("row-pick"));
    fireEvent.click(screen.getByTestId("bulk-approve"));
    await screen.findByTestId("bulk-skip");
    const page = await backend.listAssignments({ kind: "clinical_suggestion", stage: null, risk: null, status: "open", sort: "priority", due_within_minutes: null, offset: 0, limit: 100 });
    expect(hardCoded(screen.getByTestId("bulk-bar"), dataStrings([page.rows]))).toEqual([]);
  });

  it("translates the conflicts view", async () => {
    const backend = new FakeBackend({ count: 5, uploadDelayMs: null });
    render(<App backend={backend} initialPanel="conflicts" />);
    const view = await screen.findByTestId("conflicts-view");
    await within(view).findAllByTestId("conflict");
    expect(hardCoded(view, dataStrings([await backend.listConflicts()]))).toEqual([]);
  });
});
