import { describe, expect, it } from "vitest";
import { FakeBackend } from "./fake";
import type { InboxQuery } from "./types";

const q = (patch: Partial<InboxQuery> = {}): InboxQuery => ({ kind: null, stage: null, risk: null, status: "open", sort: "priority", due_within_minutes: null, offset: 0, limit: 100, ...patch });

const fake = (count = 60) => new FakeBackend({ count, uploadDelayMs: null });

describe("FakeBackend's desk", () => {
  it("searches titles and payloads, ranks and marks the matched words as text", async () => {
    const backend = fake();
    const page = await backend.search("marlowe", q());
    expect(page.total).toBeGreaterThan(0);
    for (const hit of page.hits) {
      expect(hit.summary.kind).toBe("transaction");
      expect(hit.excerpt.some((s) => s.matched && s.text.toLowerCase() === "marlowe")).toBe(true);
    }
    const titled = await backend.search("restaurant", q());
    expect(titled.hits[0]!.title.find((s) => s.matched)?.text).toBe("restaurant");
    expect(titled.hits[0]!.title.map((s) => s.text).join("")).toBe(titled.hits[0]!.summary.title);
  });

  it("applies field filters and the inbox filters, and refuses a malformed text with invalid_input", async () => {
    const backend = fake();
    const merchant = await backend.search('merchant:"voltaic electronics"', q());
    expect(merchant.total).toBeGreaterThan(0);
    expect(merchant.hits.every((h) => h.summary.title.includes("electronics r"))).toBe(true);
    const none = await backend.search('merchant:"voltaic electronics"', q({ kind: "content_draft" }));
    expect(none.total).toBe(0);
    await expect(backend.search('"unclosed', q())).rejects.toMatchObject({ code: "invalid_input" });
    await expect(backend.search("acme OR", q())).rejects.toMatchObject({ code: "invalid_input" });
    await expect(backend.search("shoe:x", q())).rejects.toMatchObject({ code: "invalid_input" });
  });

  it("lists related cases by shared identifiers, with outcomes, and only the cache offline", async () => {
    const backend = fake();
    const [first, ...rest] = (await backend.search('merchant:"bistro marlowe"', q())).hits.map((h) => h.summary.item_id);
    await backend.decide(rest[0]!, { action: "reject", reason_code: "confirmed_fraud", correction: null, note: null, attestation: null, pin: null });
    const related = await backend.related(first!);
    expect(related.source).toBe("server");
    expect(related.cases.map((c) => c.item_id).sort()).toEqual([...rest].sort());
    expect(related.cases.find((c) => c.item_id === rest[0])?.outcome).toBe("reject");
    for (const c of related.cases) expect(c.shared).toContainEqual({ name: "merchant", value: "Bistro Marlowe" });
    backend.setOnline(false);
    expect((await backend.related(first!)).source).toBe("held_only");
  });

  it("decides many, one decision each, skipping the ineligible with their reason", async () => {
    const backend = fake();
    const clinical = (await backend.listAssignments(q({ kind: "clinical_suggestion", stage: "review" }))).rows.slice(0, 2).map((r) => r.item_id);
    const tx = (await backend.listAssignments(q({ kind: "transaction", stage: "review" }))).rows.slice(0, 3).map((r) => r.item_id);
    expect(await backend.bulkEligibility([...clinical, ...tx], "approve")).toEqual(clinical.map((item_id) => ({ item_id, reason: "sign_off" })));
    expect(await backend.bulkEligibility(clinical, "escalate")).toEqual([]);
    // A four-eyes second approval is one at a time, whatever the action.
    const second = (await backend.listAssignments(q({ stage: "second_approval" }))).rows[0]!.item_id;
    expect(await backend.bulkEligibility([second], "reject")).toEqual([{ item_id: second, reason: "second_approval" }]);
    await expect(backend.decideMany(tx, { action: "reject", reason_code: "allergy", note: null })).rejects.toMatchObject({ code: "invalid_input" });
    await expect(backend.decideMany(tx, { action: "approve_with_edits", reason_code: null, note: null })).rejects.toMatchObject({ code: "invalid_input" });
    expect(backend.calls.filter((c) => c.command === "decide").length).toBe(0);
    const outcome = await backend.decideMany([...clinical, ...tx], { action: "approve", reason_code: null, note: null });
    expect(outcome.decided).toEqual(tx);
    expect(outcome.skipped.map((s) => s.reason)).toEqual(["sign_off", "sign_off"]);
    expect((await backend.bulkEligibility(tx, "reject")).map((s) => s.reason)).toEqual(["already_decided", "already_decided", "already_decided"]);
    // Each one is its own decision, undoable on its own.
    await backend.undoDecision(tx[1]!);
    expect((await backend.getAssignment(tx[1]!)).summary.status).toBe("open");
    expect((await backend.getAssignment(tx[0]!)).summary.status).toBe("decided");
  });

  it("keeps saved views with live counts; builtins by role, own ones by name", async () => {
    const backend = fake();
    const views = await backend.savedViews();
    expect(views.map((v) => v.view.id)).toEqual(["builtin:everything", "builtin:due_next_hour", "builtin:high_risk", "builtin:escalations"]);
    const everything = views[0]!;
    expect(everything.count).toBe((await backend.listAssignments(q({ status: null }))).total);
    const filter = { ...everything.view.filter, search: "marlowe" };
    await backend.saveView("Marlowe", filter);
    await expect(backend.saveView("Marlowe", filter)).rejects.toMatchObject({ code: "invalid_input" });
    await expect(backend.saveView(" ", filter)).rejects.toMatchObject({ code: "invalid_input" });
    await expect(backend.saveView("Bad", { ...filter, search: '"x' })).rejects.toMatchObject({ code: "invalid_input" });
    const mine = (await backend.savedViews()).find((v) => v.view.name === "Marlowe")!;
    expect(mine.count).toBe((await backend.search("marlowe", q())).total);
    await expect(backend.deleteView("builtin:everything")).rejects.toMatchObject({ code: "invalid_input" });
    await backend.deleteView(mine.view.id);
    expect((await backend.savedViews()).length).toBe(4);
    const reviewer = new FakeBackend({ count: 5, uploadDelayMs: null, signedInAs: { name: "r", role: "reviewer", teams: [], full_name: null } });
    expect((await reviewer.savedViews()).map((v) => v.view.builtin)).toEqual(["everything", "due_next_hour", "high_risk"]);
  });

  it("lists only open items due within the given minutes", async () => {
    const backend = fake();
    const now = Date.now();
    const page = await backend.listAssignments(q({ due_within_minutes: 60, limit: 1000 }));
    expect(page.total).toBeGreaterThan(0);
    for (const r of page.rows) expect(Date.parse(r.due_at!)).toBeLessThanOrEqual(now + 61 * 60_000);
  });
});
