import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { expect } from "vitest";
import { App } from "../App";
import { FakeBackend } from "../lib/backend/fake";

/** A key press where the focus is, as the window's handler and the focused control receive it. */
export function press(key: string, opts: KeyboardEventInit = {}) {
  act(() => {
    fireEvent.keyDown(document.activeElement ?? document.body, { key, ...opts });
  });
}

/** The app over a fake queue of 40 items (or as `options` say), once its list and first item show. */
export async function setup(options: ConstructorParameters<typeof FakeBackend>[0] = {}) {
  const backend = new FakeBackend({ count: 40, uploadDelayMs: null, ...options });
  render(<App backend={backend} />);
  await within(await screen.findByRole("listbox", { name: "Assignments" })).findAllByRole("option");
  await screen.findByRole("article");
  return backend;
}

/** Lets the backend's pending answers (prefetches of the neighbouring items) land. */
export const settle = () => act(() => new Promise<void>((r) => setTimeout(r, 100)));

export const inboxList = () => screen.getByRole("listbox", { name: "Assignments" });
export const rows = () => within(inboxList()).getAllByRole("option");
export const openId = () => screen.getByRole("article").getAttribute("data-item-id");
export const rowIds = () => rows().map((r) => r.getAttribute("data-item-id"));

/** Searches from the box and waits for the results to replace the list (every row then has an excerpt). */
export async function searchFor(text: string) {
  const box = screen.getByTestId("search-input");
  fireEvent.change(box, { target: { value: text } });
  fireEvent.keyDown(box, { key: "Enter" });
  // The list may still show the answer to the search before (an empty one passes the check below).
  await settle();
  await waitFor(() => {
    const shown = screen.queryAllByTestId("inbox-row");
    if (shown.length === 0) expect(screen.getByTestId("inbox-empty")).toBeInTheDocument();
    else for (const row of shown) expect(within(row).getByTestId("row-excerpt")).toBeInTheDocument();
  });
}
