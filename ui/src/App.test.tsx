import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { App } from "./App";
import { FAKE_DEMO_PIN, FakeBackend } from "./lib/backend/fake";
import { BackendError } from "./lib/backend";
import { DEFAULT_FILTERS } from "./features/inbox/usePagedInbox";
import { KEYMAP } from "./features/shortcuts/keymap";
import { inboxList, openId, press, rowIds, rows, settle, setup } from "./test/app";

describe("review flow", () => {
  it("opens the first item and moves with j/k", async () => {
    await setup();
    const ids = rowIds();
    expect(openId()).toBe(ids[0]);
    press("j");
    await waitFor(() => expect(openId()).toBe(ids[1]));
    press("j");
    await waitFor(() => expect(openId()).toBe(ids[2]));
    press("k");
    await waitFor(() => expect(openId()).toBe(ids[1]));
    expect(within(inboxList()).getByRole("option", { selected: true }).getAttribute("data-item-id")).toBe(ids[1]);
  });

  it("approves with a, opens the next item at once, and undoes with u", async () => {
    const backend = await setup({ latencyMs: 30 });
    await act(async () => backend.setOnline(false));
    const ids = rowIds();
    // open the first transaction (no sign-off needed)
    const txnIndex = rows().findIndex((r) => r.getAttribute("data-kind") === "transaction");
    fireEvent.click(rows()[txnIndex]!);
    await waitFor(() => expect(openId()).toBe(ids[txnIndex]));
    await settle(); // the reviewer reads the item meanwhile
    const decided = ids[txnIndex]!;
    press("a");
    // optimistic: the next item is open before the backend answered
    expect(openId()).not.toBe(decided);
    await waitFor(() => expect(screen.getByTestId("announcer").textContent).toMatch(/Approved: .*Saved on this device/));
    await waitFor(() => expect(screen.getByTestId("status-pending").textContent).toBe("1"));
    expect(screen.getByTestId("status-online").textContent).toMatch(/Offline/);
    await waitFor(() => expect(rowIds()).not.toContain(decided));
    expect(backend.calls.find((c) => c.command === "decide")?.args).toEqual([decided, expect.objectContaining({ action: "approve" })]);

    press("u");
    await waitFor(() => expect(openId()).toBe(decided));
    await waitFor(() => expect(screen.getByTestId("status-pending").textContent).toBe("0"));
    await waitFor(() => expect(rowIds()).toContain(decided));
    expect(screen.getByTestId("announcer").textContent).toMatch(/Undone/);
  });

  it("rejects with a reason code and note", async () => {
    const backend = await setup();
    const id = openId()!;
    const kind = screen.getByRole("article").getAttribute("data-kind")!;
    press("r");
    const field = await screen.findByRole("combobox", { name: "Reason" });
    expect(document.activeElement).toBe(field);
    // The reasons are a visible numbered list: 1 picks the first.
    const firstReason = within(screen.getByRole("listbox", { name: "Reasons" })).getAllByRole("option")[0]!.getAttribute("data-code")!;
    fireEvent.keyDown(field, { key: "1" });
    expect(within(screen.getByRole("listbox", { name: "Reasons" })).getByRole("option", { selected: true }).getAttribute("data-code")).toBe(firstReason);
    fireEvent.change(screen.getByRole("textbox", { name: "Note" }), { target: { value: "Seen this customer before" } });
    fireEvent.click(screen.getByRole("button", { name: "Reject" }));
    await waitFor(() => expect(backend.calls.some((c) => c.command === "decide")).toBe(true));
    const call = backend.calls.find((c) => c.command === "decide")!;
    expect(call.args).toEqual([id, expect.objectContaining({ action: "reject", reason_code: firstReason, note: "Seen this customer before" })]);
    expect(kind).toBeTruthy();
  });

  it("does not undo a decision that was uploaded", async () => {
    const backend = await setup();
    const txn = rows().find((r) => r.getAttribute("data-kind") === "transaction" && r.getAttribute("data-stage") === "review")!;
    fireEvent.click(txn);
    const id = txn.getAttribute("data-item-id")!;
    await waitFor(() => expect(openId()).toBe(id));
    press("s");
    await screen.findByRole("textbox", { name: "Note for the senior reviewer" });
    fireEvent.click(screen.getByRole("button", { name: "Escalate Ctrl+Enter" }));
    await waitFor(() => expect(screen.getByTestId("announcer").textContent).toMatch(/Escalated/));
    await act(async () => backend.flush());
    press("u");
    await waitFor(() => expect(screen.getByTestId("announcer").textContent).toMatch(/Cannot undo: .*uploaded/));
  });

  it("offers a second approver no edits and no escalation, and says why when the key is pressed", async () => {
    const backend = await setup();
    const row = rows().find((r) => r.getAttribute("data-stage") === "second_approval")!;
    fireEvent.click(row);
    await waitFor(() => expect(openId()).toBe(row.getAttribute("data-item-id")));
    expect(screen.queryByTestId("action-approve-with-edits")).toBeNull();
    expect(screen.queryByTestId("action-escalate")).toBeNull();
    press("e");
    expect(screen.getByTestId("decision-notice").textContent).toMatch(/as it stands/);
    press("s");
    expect(screen.getByTestId("decision-notice").textContent).toMatch(/as it stands/);
    expect(backend.calls.some((c) => c.command === "decide")).toBe(false);
  });

  it("requires attestation and the signing PIN for a clinical sign-off, and shows the manifest", async () => {
    const backend = await setup();
    const row = rows().find((r) => r.getAttribute("data-kind") === "clinical_suggestion")!;
    fireEvent.click(row);
    const id = row.getAttribute("data-item-id")!;
    await screen.findByTestId("view-clinical_suggestion");
    press("a");
    expect(screen.getByTestId("decision-notice").textContent).toMatch(/attestation/);
    expect(backend.calls.some((c) => c.command === "decide")).toBe(false);
    fireEvent.click(screen.getByRole("checkbox", { name: /clinical responsibility/ }));
    fireEvent.click(screen.getByTestId("action-approve"));
    expect(screen.getByTestId("decision-notice").textContent).toMatch(/PIN/);
    expect(backend.calls.some((c) => c.command === "decide")).toBe(false);
    expect(screen.getByTestId("signature-statement").textContent).toMatch(/I, Demo Senior, sign this decision electronically, meaning approval/);
    fireEvent.change(screen.getByLabelText("Your signing PIN"), { target: { value: "wrong-pin" } });
    fireEvent.click(screen.getByTestId("action-approve"));
    // a refused PIN brings the reviewer back to the item with the message
    await waitFor(() => expect(openId()).toBe(id));
    await waitFor(() => expect(screen.getByRole("alert").textContent).toMatch(/PIN/));
    fireEvent.click(screen.getByRole("checkbox", { name: /clinical responsibility/ }));
    fireEvent.change(screen.getByLabelText("Your signing PIN"), { target: { value: FAKE_DEMO_PIN } });
    fireEvent.click(screen.getByTestId("action-approve"));
    await waitFor(() => expect(screen.getByTestId("announcer").textContent).toMatch(/Approved/));
    const decide = backend.calls.filter((c) => c.command === "decide").at(-1)!;
    expect(decide.args[1]).toMatchObject({ action: "approve", pin: FAKE_DEMO_PIN, attestation: expect.stringMatching(/clinical responsibility/) });
  });

  it("edits a content draft, autosaves it, shows the diff and approves with edits", async () => {
    const backend = await setup();
    const row = rows().find((r) => r.getAttribute("data-kind") === "content_draft")!;
    fireEvent.click(row);
    await screen.findByTestId("view-content_draft");
    const editor = screen.getByRole("textbox", { name: "Draft text (your version)" }) as HTMLTextAreaElement;
    const ai = editor.value;
    press("e");
    expect(document.activeElement).toBe(editor);
    const edited = ai.replace(/Meet the/, "Say hello to the");
    fireEvent.change(editor, { target: { value: edited } });
    expect(screen.getByTestId("draft-diff").querySelector("ins")?.textContent).toMatch(/Say|hello/);
    await waitFor(() => expect(backend.calls.some((c) => c.command === "save_draft")).toBe(true));
    fireEvent.keyDown(editor, { key: "Enter", ctrlKey: true });
    await waitFor(() => expect(backend.calls.some((c) => c.command === "decide")).toBe(true));
    expect(backend.calls.find((c) => c.command === "decide")!.args[1]).toMatchObject({ action: "approve_with_edits", correction: edited });
  });

  it("ignores shortcuts while typing, and undoes with Ctrl+Z", async () => {
    const backend = await setup();
    const txn = rows().find((r) => r.getAttribute("data-kind") === "transaction")!;
    fireEvent.click(txn);
    const id = txn.getAttribute("data-item-id")!;
    await waitFor(() => expect(openId()).toBe(id));
    press("r");
    const note = await screen.findByRole("textbox", { name: "Note" });
    note.focus();
    fireEvent.keyDown(note, { key: "a" });
    fireEvent.keyDown(note, { key: "j" });
    expect(backend.calls.some((c) => c.command === "decide")).toBe(false);
    expect(openId()).toBe(id);
    fireEvent.keyDown(note, { key: "Escape" });
    expect(screen.queryByRole("combobox", { name: "Reason" })).toBeNull();
    press("l");
    await waitFor(() => expect(screen.getByTestId("announcer").textContent).toMatch(/Released/));
    press("z", { ctrlKey: true });
    await waitFor(() => expect(openId()).toBe(id));
    expect(backend.calls.some((c) => c.command === "undo_decision" && c.args[0] === id)).toBe(true);
  });

  it("opens the shortcut sheet with ? and closes it with Escape", async () => {
    await setup();
    press("?");
    const sheet = await screen.findByRole("dialog", { name: "Keyboard shortcuts" });
    expect(within(sheet).getByRole("cell", { name: /Undo the last decision/ })).toBeInTheDocument();
    expect(within(sheet).getAllByRole("row")).toHaveLength(KEYMAP.length);
    fireEvent.keyDown(sheet, { key: "Escape" });
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("keeps Tab inside an open dialog and makes the window behind it inert", async () => {
    await setup();
    fireEvent.click(screen.getByRole("button", { name: "Settings" }));
    const dialog = await screen.findByRole("dialog", { name: "Settings" });
    expect(screen.getByRole("article").closest("[inert]")).not.toBeNull();
    expect(dialog.closest("[inert]")).toBeNull();
    const focusable = [...dialog.querySelectorAll<HTMLElement>("button:not(:disabled), input:not(:disabled)")];
    const [first, last] = [focusable[0]!, focusable[focusable.length - 1]!];
    last.focus();
    fireEvent.keyDown(last, { key: "Tab" });
    expect(document.activeElement).toBe(first);
    fireEvent.keyDown(first, { key: "Tab", shiftKey: true });
    expect(document.activeElement).toBe(last);
    // Escape closes it from anywhere, and the window is usable again.
    fireEvent.keyDown(document.body, { key: "Escape" });
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(screen.getByRole("article").closest("[inert]")).toBeNull();
  });

  it("scrolls the item body with Page Down and Space, and jumps between its sections", async () => {
    await setup();
    const body = screen.getByRole("region", { name: "Item details" });
    expect(body).toHaveAttribute("tabindex", "0");
    const scrolled: number[] = [];
    body.scrollBy = ((options: ScrollToOptions) => scrolled.push(options.top ?? 0)) as typeof body.scrollBy;
    act(() => (document.activeElement as HTMLElement | null)?.blur());
    press("PageDown");
    press(" ");
    press("PageUp");
    expect(scrolled).toHaveLength(3);
    expect(scrolled[0]).toBeGreaterThan(0);
    expect(scrolled[2]).toBeLessThan(0);
    // A focused button keeps Space for itself.
    const approve = screen.getByTestId("action-approve");
    approve.focus();
    press(" ");
    expect(scrolled).toHaveLength(3);
    // From a section heading, ] and [ move to the next and the previous one.
    const headings = within(body).getAllByRole("heading", { level: 3 });
    act(() => {
      headings[0]!.tabIndex = -1;
      headings[0]!.focus();
    });
    press("]");
    expect(document.activeElement).toBe(headings[1]);
    press("[");
    expect(document.activeElement).toBe(headings[0]);
  });

  it("switches single-key shortcuts off in Settings, and remembers it after a restart", async () => {
    const backend = await setup();
    const ids = rowIds();
    expect(screen.getByTestId("action-approve")).toHaveAttribute("aria-keyshortcuts", "a");
    fireEvent.click(screen.getByRole("button", { name: "Settings" }));
    const dialog = await screen.findByRole("dialog", { name: "Settings" });
    const toggle = within(dialog).getByRole("checkbox", { name: /Single-key shortcuts/ });
    expect(toggle).toBeChecked();
    fireEvent.click(toggle);
    expect(toggle).not.toBeChecked();
    fireEvent.keyDown(dialog, { key: "Escape" });
    expect(screen.queryByRole("dialog")).toBeNull();

    // Letters and ? do nothing now; every action keeps its button, and the arrows still move.
    for (const key of ["j", "a", "r", "?", "c"]) press(key);
    await settle();
    expect(openId()).toBe(ids[0]);
    expect(backend.calls.some((c) => c.command === "decide")).toBe(false);
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(screen.queryByRole("combobox", { name: "Reason" })).toBeNull();
    expect(screen.queryByRole("region", { name: "Conflicts" })).toBeNull();
    const approve = screen.getByTestId("action-approve");
    expect(approve).not.toHaveAttribute("aria-keyshortcuts");
    expect(approve.querySelector("kbd")).toBeNull();
    press("ArrowDown");
    await waitFor(() => expect(openId()).toBe(ids[1]));

    // A restart keeps the choice; switching back on restores the keys.
    cleanup();
    backend.dispose();
    await setup();
    press("j");
    await settle();
    expect(openId()).toBe(rowIds()[0]);
    fireEvent.click(screen.getByRole("button", { name: "Settings" }));
    const again = await screen.findByRole("dialog", { name: "Settings" });
    fireEvent.click(within(again).getByRole("checkbox", { name: /Single-key shortcuts/ }));
    fireEvent.keyDown(again, { key: "Escape" });
    press("j");
    await waitFor(() => expect(openId()).toBe(rowIds()[1]));
  });

  it("shows conflicts with both versions", async () => {
    await setup();
    const conflictsButton = screen.getByRole("button", { name: /^\d+ conflicts?$/ });
    fireEvent.click(conflictsButton);
    const view = await screen.findByRole("region", { name: "Conflicts" });
    await within(view).findByRole("article");
    expect(within(view).getByTestId("conflict-local").textContent).toMatch(/Customer confirmed by phone/);
    expect(within(view).getByTestId("conflict-server").textContent).toMatch(/Cardholder denies/);
    fireEvent.click(within(view).getByRole("button", { name: "Mark as seen" }));
    await waitFor(() => expect(conflictsButton.getAttribute("data-count")).toBe("0"));
  });

  it("filters by kind and shows counts per stage", async () => {
    await setup();
    fireEvent.change(screen.getByRole("combobox", { name: "Kind" }), { target: { value: "transaction" } });
    await waitFor(() => expect(rows().every((r) => r.getAttribute("data-kind") === "transaction")).toBe(true));
    const total = ["review", "escalation", "second_approval"].reduce((n, s) => n + Number(screen.getByTestId(`stage-count-${s}`).textContent), 0);
    expect(total).toBe(40);
  });

  it("signs in to a server, and back to the demo", async () => {
    const backend = await setup();
    await act(async () => void (await backend.signOut()));
    const form = await screen.findByRole("form", { name: "Connect to a queue" });
    fireEvent.change(within(form).getByRole("textbox", { name: "Server URL" }), { target: { value: "https://queue.example.org" } });
    fireEvent.change(within(form).getByLabelText("Token"), { target: { value: "wrong" } });
    fireEvent.submit(form);
    expect((await screen.findByRole("alert")).textContent).toMatch(/did not accept/);
    fireEvent.change(within(form).getByLabelText("Token"), { target: { value: "t0ken" } });
    fireEvent.submit(form);
    await screen.findByRole("article");
    expect(screen.getByTestId("status-server").textContent).toMatch(/queue.example.org/);
    expect(backend.calls.filter((c) => c.command === "sign_in").at(-1)?.args).toEqual(["https://queue.example.org", "t0ken"]);
  });
});

describe("inbox paging", () => {
  it("fetches pages as the list scrolls, never the whole list", async () => {
    const backend = await setup({ count: 2000 });
    const lists = () => backend.calls.filter((c) => c.command === "list_assignments").map((c) => c.args[0] as { offset: number; limit: number });
    expect(lists().every((q) => q.limit === 100)).toBe(true);
    expect(new Set(lists().map((q) => q.offset))).toEqual(new Set([0]));
    expect(screen.getByTestId("inbox-total").textContent).toMatch(/2,000 items/);
    const list = inboxList();
    act(() => {
      list.scrollTop = 62 * 1200;
      fireEvent.scroll(list);
    });
    await waitFor(() => expect(lists().some((q) => q.offset === 1200)).toBe(true));
    expect(lists().every((q) => q.limit === 100)).toBe(true);
    await waitFor(() => expect(rowIds().length).toBeGreaterThan(5));
    // rows far from the top are real rows from the fetched page
    const visible = rows();
    expect(visible.length).toBeLessThan(60);
  });

  it("j past the loaded page fetches the next page and opens its first row", async () => {
    const backend = await setup({ count: 250 });
    const first = rowIds()[0];
    expect(openId()).toBe(first);
    // jump selection to the last row of page 0, then press j
    for (let i = 0; i < 100; i++) press("j");
    await waitFor(() => expect(backend.calls.some((c) => c.command === "list_assignments" && (c.args[0] as { offset: number }).offset === 100)).toBe(true));
    await waitFor(() => expect(openId()).not.toBe(first));
  });
});

describe("navigation while the inbox changes", () => {
  it("a j press survives an inbox refresh that starts while the next page loads", async () => {
    const backend = new FakeBackend({ count: 250, uploadDelayMs: null });
    const list = backend.listAssignments.bind(backend);
    let refreshDuringPageOne = true;
    backend.listAssignments = (query) => {
      if (query.offset === 100 && refreshDuringPageOne) {
        refreshDuringPageOne = false;
        backend.emitInbox(); // a sync round lands while page 1 is on its way
      }
      return list(query);
    };
    render(<App backend={backend} />);
    await screen.findByRole("article");
    const ids = (await list({ ...DEFAULT_FILTERS, offset: 0, limit: 250 })).rows.map((r) => r.item_id);
    for (let i = 0; i < 99; i++) press("j");
    await waitFor(() => expect(openId()).toBe(ids[99]));
    press("j");
    await waitFor(() => expect(openId()).toBe(ids[100]));
    expect(refreshDuringPageOne).toBe(false);
  });

  it("opens the next item from the cache at once after the inbox changed, then refreshes it", async () => {
    const backend = await setup({ latencyMs: 40 });
    const ids = rowIds();
    await waitFor(() => expect(backend.calls.filter((c) => c.command === "get_assignment" && c.args[0] === ids[1])).toHaveLength(1));
    await settle();
    act(() => backend.emitInbox());
    press("j");
    // Shown synchronously from the (now stale) cache, while a fresh copy is fetched behind it.
    expect(openId()).toBe(ids[1]);
    await waitFor(() => expect(backend.calls.filter((c) => c.command === "get_assignment" && c.args[0] === ids[1]).length).toBeGreaterThan(1));
  });
});

describe("a calm list", () => {
  it("shows new arrivals as an “N new” pill and keeps the open row where it was", async () => {
    const backend = await setup();
    press("j");
    press("j");
    const ids = rowIds();
    await waitFor(() => expect(openId()).toBe(ids[2]));
    const list = inboxList();
    let scrollTop = 0;
    Object.defineProperty(list, "scrollTop", { configurable: true, get: () => scrollTop, set: (v: number) => (scrollTop = v) });
    const selectedAt = () => Number(within(list).getByRole("option", { selected: true }).getAttribute("aria-posinset"));
    expect(selectedAt()).toBe(3);
    act(() => backend.arrive(2));
    const pill = await screen.findByRole("button", { name: /2 new/ });
    // The open item stays open; the list scrolled by the two rows that arrived above it.
    expect(openId()).toBe(ids[2]);
    expect(selectedAt()).toBe(5);
    expect(scrollTop).toBe(2 * 62);
    fireEvent.click(pill);
    expect(screen.queryByRole("button", { name: /new/ })).toBeNull();
  });

  it("offers to clear filters when nothing matches", async () => {
    await setup();
    fireEvent.change(screen.getByRole("combobox", { name: "Status" }), { target: { value: "conflict" } });
    const empty = await screen.findByTestId("inbox-empty");
    fireEvent.click(within(empty).getByRole("button", { name: "Clear filters" }));
    await waitFor(() => expect(rows().length).toBeGreaterThan(0));
    expect(screen.getByRole("combobox", { name: "Status" })).toHaveValue("open");
  });

  it("lists the outbox from the status bar's “waiting to upload”", async () => {
    await setup();
    const id = openId()!;
    press("l");
    await waitFor(() => expect(screen.getByTestId("status-pending").textContent).toBe("1"));
    fireEvent.click(screen.getByRole("button", { name: /1 decision waiting to upload/ }));
    await waitFor(() => expect(rowIds()).toEqual([id]));
    expect(rows()[0]).toHaveAttribute("data-status", "decided");
    expect(screen.getByRole("combobox", { name: "Status" })).toHaveValue("decided");
  });
});

describe("untrusted content", () => {
  it("renders script and HTML injection literally, never as markup", async () => {
    const w = window as unknown as { __pwned?: number; alert?: unknown };
    delete w.__pwned;
    await setup({ hostile: true });
    expect(openId()).toBe("0192f5a1-dead-7bad-8bad-00000000beef");
    const view = screen.getByRole("article");
    expect(within(view).getByRole("heading", { level: 2 }).textContent).toBe('<script>alert(1)</script> Draft <img src=x onerror="window.__pwned=1">');
    expect(view.querySelector("script")).toBeNull();
    expect(document.querySelector("img")).toBeNull();
    expect(view.querySelector("b, i, a[href]")).toBeNull();
    expect(view.textContent).toContain("<b>bold</b>");
    expect(view.textContent).toContain("<a href='https://evil.example'>src</a>");
    expect((screen.getByRole("textbox", { name: "Draft text (your version)" }) as HTMLTextAreaElement).value).toContain("<script>alert(1)</script>");
    expect(screen.getByTestId("ai-model").textContent).toBe("<script>alert(1)</script>");
    const row = rows()[0]!;
    expect(row.textContent).toContain("<script>alert(1)</script>");
    expect(row.querySelector("img, script")).toBeNull();
    expect(w.__pwned).toBeUndefined();
  });
});

describe("notification settings", () => {
  it("mutes a team and kinds and sets do-not-disturb hours through the backend", async () => {
    const backend = await setup();
    fireEvent.click(screen.getByTestId("open-settings"));
    const section = await screen.findByTestId("notification-settings");
    fireEvent.click(within(section).getByTestId("mute-team-editorial"));
    await waitFor(async () => expect((await backend.notificationPreferences()).muted_teams).toEqual(["editorial"]));
    fireEvent.click(within(section).getByTestId("mute-kind-transaction"));
    await waitFor(async () => expect((await backend.notificationPreferences()).muted_kinds).toEqual(["transaction"]));
    fireEvent.click(within(section).getByTestId("mute-kind-clinical_suggestion"));
    await waitFor(async () => expect((await backend.notificationPreferences()).muted_kinds).toEqual(["transaction", "clinical_suggestion"]));
    fireEvent.click(within(section).getByTestId("quiet-hours"));
    fireEvent.change(await within(section).findByTestId("quiet-until"), { target: { value: "06:30" } });
    await waitFor(async () => expect((await backend.notificationPreferences()).quiet_hours).toEqual({ start: "22:00", end: "06:30" }));
    expect(await backend.notificationPreferences()).toEqual({
      muted_kinds: ["transaction", "clinical_suggestion"],
      muted_teams: ["editorial"],
      quiet_hours: { start: "22:00", end: "06:30" },
    });
  });
});

describe("a clicked desktop notification", () => {
  it("opens its item over the open panel, and a summary opens the escalations", async () => {
    const backend = await setup();
    const target = rowIds()[7]!;
    expect(openId()).not.toBe(target);
    fireEvent.click(screen.getByTestId("open-conflicts"));
    act(() => backend.clickNotice({ open: "item", item_id: target }));
    await waitFor(() => expect(openId()).toBe(target));
    expect(screen.getByTestId("open-conflicts")).toHaveAttribute("aria-pressed", "false");

    act(() => backend.clickNotice({ open: "escalations" }));
    await waitFor(() => expect(screen.getByTestId("stage-escalation")).toHaveAttribute("aria-pressed", "true"));
    await waitFor(() => expect(rows().map((r) => r.querySelector(".stage-chip")?.textContent)).toEqual(rows().map(() => "Escalation")));

    // A gold alert's notice opens the analytics view; an item's notice leaves it for that item.
    act(() => backend.clickNotice({ open: "analytics" }));
    expect(await screen.findByTestId("analytics-view")).toBeInTheDocument();
    act(() => backend.clickNotice({ open: "item", item_id: target }));
    await waitFor(() => expect(openId()).toBe(target));
    expect(screen.queryByTestId("analytics-view")).toBeNull();
  });
});

describe("a session that cannot open", () => {
  it("while it opens, the inbox says it is loading rather than holding no items", async () => {
    const backend = new FakeBackend({ count: 5, uploadDelayMs: null });
    backend.appStatus = () => new Promise(() => undefined);
    render(<App backend={backend} />);
    expect((await screen.findByTestId("inbox-total")).textContent).toBe("Loading…");
    expect(screen.queryByTestId("stage-count-all")).toBeNull();
    expect(screen.queryByTestId("inbox-empty")).toBeNull();
  });


  it("says so instead of an empty window, and opens the work when tried again", async () => {
    const backend = new FakeBackend({ count: 5, uploadDelayMs: null });
    const status = backend.appStatus.bind(backend);
    let refusals = 1;
    backend.appStatus = () => (refusals-- > 0 ? Promise.reject(new BackendError("internal", "database is locked")) : status());
    render(<App backend={backend} />);
    const failed = await screen.findByTestId("view-failed");
    expect(failed.textContent).toContain("could not open your work");
    expect(failed.textContent).toContain("database is locked");
    fireEvent.click(within(failed).getByRole("button", { name: "Try again" }));
    await within(await screen.findByRole("listbox", { name: "Assignments" })).findAllByRole("option");
    expect(screen.queryByTestId("view-failed")).toBeNull();
  });
});
