import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { App } from "../../App";
import { FakeBackend } from "../../lib/backend/fake";
import type { Me } from "../../lib/backend";

const ADMIN: Me = { name: "admin", role: "admin", teams: [], full_name: null };

async function asAdmin() {
  const backend = new FakeBackend({ count: 10, uploadDelayMs: null, signedInAs: ADMIN });
  render(<App backend={backend} />);
  await screen.findByTestId("admin-view");
  await screen.findAllByTestId("user-row");
  return backend;
}

const row = (name: string) => screen.getAllByTestId("user-row").find((r) => r.getAttribute("data-user") === name)!;

describe("admin view", () => {
  it("is what an admin's app opens on: users with role, teams and state, and queue health per team and stage", async () => {
    const backend = await asAdmin();
    expect(screen.queryByRole("listbox", { name: "Assignments" })).toBeNull();
    expect(screen.queryByTestId("open-shift-end")).toBeNull();
    // An admin holds no work: no outbox, no conflicts, no sync status.
    expect(screen.queryByTestId("open-conflicts")).toBeNull();
    expect(screen.queryByTestId("status-online")).toBeNull();
    expect(backend.calls.some((c) => c.command === "list_assignments")).toBe(false);
    expect(within(row("ana")).getByTestId("user-role")).toHaveValue("reviewer");
    expect(row("bo").textContent).toContain("fraud, clinical");
    // The full name a user's signatures print, when an admin set one.
    expect(row("ana").textContent).toContain("Ana Ruiz");
    expect(row("chen").getAttribute("data-disabled")).toBe("true");
    const health = await screen.findAllByTestId("health-row");
    const fraudEscalation = health.find((r) => r.dataset.team === "fraud" && r.dataset.stage === "escalation")!;
    expect(within(fraudEscalation).getByTestId("past-due").textContent).toBe("2");
    expect(health.find((r) => r.dataset.team === "")!.textContent).toContain("Everyone (no team)");
  });

  it("is never shown to a reviewer or a senior", async () => {
    const backend = new FakeBackend({ count: 10, uploadDelayMs: null });
    render(<App backend={backend} />);
    await screen.findByRole("article");
    expect(screen.queryByTestId("admin-view")).toBeNull();
    expect(backend.calls.some((c) => c.command === "admin_directory" || c.command === "queue_health")).toBe(false);
  });

  it("disables and enables a user only after confirmation", async () => {
    const backend = await asAdmin();
    fireEvent.click(within(row("ana")).getByTestId("user-toggle"));
    const dialog = await screen.findByTestId("toggle-dialog");
    expect(dialog.textContent).toContain("Disable ana?");
    expect(backend.calls.some((c) => c.command === "change_user")).toBe(false);
    fireEvent.click(within(dialog).getByTestId("toggle-confirm"));
    await waitFor(() => expect(row("ana").getAttribute("data-disabled")).toBe("true"));
    expect(screen.queryByTestId("toggle-dialog")).toBeNull();
    expect(backend.calls.find((c) => c.command === "change_user")?.args).toEqual(["ana", { disabled: true }]);

    fireEvent.click(within(row("ana")).getByTestId("user-toggle"));
    fireEvent.click(within(await screen.findByTestId("toggle-dialog")).getByTestId("toggle-confirm"));
    await waitFor(() => expect(row("ana").getAttribute("data-disabled")).toBe("false"));
  });

  it("shows the server's refusal to disable or demote the last admin, and changes nothing", async () => {
    await asAdmin();
    fireEvent.click(within(row("admin")).getByTestId("user-toggle"));
    const dialog = await screen.findByTestId("toggle-dialog");
    fireEvent.click(within(dialog).getByTestId("toggle-confirm"));
    const refusal = await within(dialog).findByTestId("toggle-error");
    expect(refusal.textContent).toContain("without an enabled admin");
    expect(row("admin").getAttribute("data-disabled")).toBe("false");
    fireEvent.click(within(dialog).getByText("Cancel"));

    fireEvent.change(within(row("admin")).getByTestId("user-role"), { target: { value: "reviewer" } });
    expect((await screen.findByTestId("admin-error")).textContent).toContain("without an enabled admin");
    expect(within(row("admin")).getByTestId("user-role")).toHaveValue("admin");
  });

  it("changes a role and a user's teams", async () => {
    await asAdmin();
    fireEvent.change(within(row("ana")).getByTestId("user-role"), { target: { value: "senior" } });
    await waitFor(() => expect(within(row("ana")).getByTestId("user-role")).toHaveValue("senior"));
    fireEvent.click(within(row("ana")).getByTestId("user-teams"));
    const dialog = await screen.findByTestId("teams-dialog");
    fireEvent.click(within(dialog).getByTestId("team-clinical"));
    fireEvent.click(within(dialog).getByTestId("teams-save"));
    await waitFor(() => expect(row("ana").textContent).toContain("clinical, fraud"));
  });

  it("shows a rotated token once, with copy, and keeps no copy of it", async () => {
    const backend = await asAdmin();
    fireEvent.click(within(row("bo")).getByTestId("user-rotate"));
    const dialog = await screen.findByTestId("token-dialog");
    fireEvent.change(within(dialog).getByTestId("token-expires"), { target: { value: "90d" } });
    fireEvent.click(within(dialog).getByTestId("token-issue"));
    const shown = await within(dialog).findByTestId("issued-token");
    const token = (shown as HTMLInputElement).value;
    expect(token).toMatch(/^cs_/);
    expect(backend.calls.find((c) => c.command === "rotate_token")?.args).toEqual(["bo", { expires_in: "90d" }]);
    expect(dialog.textContent).toContain("shown only now");
    let copied = "";
    Object.defineProperty(navigator, "clipboard", { configurable: true, value: { writeText: async (text: string) => void (copied = text) } });
    fireEvent.click(within(dialog).getByTestId("copy-token"));
    await waitFor(() => expect(copied).toBe(token));
    fireEvent.click(within(dialog).getByTestId("token-done"));
    expect(screen.queryByTestId("token-dialog")).toBeNull();
    expect(document.body.innerHTML).not.toContain(token);
    expect(JSON.stringify(localStorage)).not.toContain(token);
  });

  it("reads the health again on refresh and when the window gets focus", async () => {
    const backend = await asAdmin();
    const reads = () => backend.calls.filter((c) => c.command === "queue_health").length;
    const before = reads();
    fireEvent.click(screen.getByTestId("admin-refresh"));
    await waitFor(() => expect(reads()).toBe(before + 1));
    await act(async () => {
      window.dispatchEvent(new Event("focus"));
    });
    await waitFor(() => expect(reads()).toBe(before + 2));
  });
});
