import { describe, expect, it } from "vitest";
import { FAKE_DEMO_PIN, FakeBackend } from "./fake";
import type { NewItem } from "./fakeItems";
import type { InboxQuery } from "./types";

// The shared demo fixture, written by the demo generator (src-tauri/crates/demo, checked for staleness there).
import demoFixtureJson from "./demoFixture.json";

const demoFixture = demoFixtureJson.items as NewItem[];

const q = (patch: Partial<InboxQuery> = {}): InboxQuery => ({ kind: null, stage: null, risk: null, status: "open", sort: "priority", due_within_minutes: null, offset: 0, limit: 100, ...patch });
const req = { correction: null, reason_code: null, note: null, attestation: null, pin: null };

describe("FakeBackend", () => {
  it("pages, filters and sorts, with counts per stage", async () => {
    const b = new FakeBackend({ count: 300, uploadDelayMs: null });
    const page = await b.listAssignments(q({ limit: 50 }));
    expect(page.rows).toHaveLength(50);
    expect(page.total).toBe(300);
    expect(page.counts.review + page.counts.escalation + page.counts.second_approval).toBe(300);
    const prios = page.rows.map((r) => r.priority);
    expect([...prios].sort((a, b) => b - a)).toEqual(prios);
    const kinds = new Set((await b.listAssignments(q({ limit: 1000 }))).rows.map((r) => r.kind));
    expect(kinds).toEqual(new Set(["transaction", "content_draft", "clinical_suggestion", "support_reply", "code_change"]));
    const drafts = await b.listAssignments(q({ kind: "content_draft", risk: "low" }));
    expect(drafts.rows.length).toBeGreaterThan(0);
    expect(drafts.rows.every((r) => r.kind === "content_draft" && r.risk === "low")).toBe(true);
    const due = (await b.listAssignments(q({ sort: "due" }))).rows.filter((r) => r.due_at).map((r) => Date.parse(r.due_at!));
    expect([...due].sort((a, b) => a - b)).toEqual(due);
  });

  // Correctness at scale only: how fast a page comes back is a benchmark's business, not a unit test's.
  it("serves any page of 100,000 items, sorted and complete", async () => {
    const b = new FakeBackend({ count: 100_000, uploadDelayMs: null });
    const last = await b.listAssignments(q({ offset: 99_900, limit: 100 }));
    expect(last.rows).toHaveLength(100);
    expect(last.total).toBe(100_000);
    const middle = await b.listAssignments(q({ offset: 50_000, limit: 100 }));
    expect(middle.rows).toHaveLength(100);
    expect(middle.total).toBe(100_000);
    const prios = [...middle.rows, ...last.rows].map((r) => r.priority);
    expect([...prios].sort((a, b) => b - a)).toEqual(prios);
    expect(new Set([...middle.rows, ...last.rows].map((r) => r.item_id)).size).toBe(200);
    const view = await b.getAssignment(last.rows[0]!.item_id);
    expect(view.item.id).toBe(last.rows[0]!.item_id);
  });

  it("keeps decisions pending while offline, then uploads; undo works only before upload", async () => {
    const b = new FakeBackend({ count: 30, uploadDelayMs: null });
    b.setOnline(false);
    const [first, second] = (await b.listAssignments(q({ kind: "transaction" }))).rows;
    await b.decide(first!.item_id, { ...req, action: "reject", reason_code: "false_positive" });
    await b.decide(second!.item_id, { ...req, action: "escalate", note: "odd" });
    expect((await b.appStatus()).pending).toBe(2);
    expect((await b.appStatus()).online).toBe(false);
    await b.undoDecision(second!.item_id);
    expect((await b.getAssignment(second!.item_id)).summary.status).toBe("open");
    b.setOnline(true);
    b.flush();
    expect((await b.appStatus()).pending).toBe(0);
    expect((await b.getAssignment(first!.item_id)).summary.status).toBe("uploaded");
    await expect(b.undoDecision(first!.item_id)).rejects.toMatchObject({ code: "already_decided" });
  });

  it("validates decisions like the core does", async () => {
    const b = new FakeBackend({ count: 30, uploadDelayMs: null });
    const clin = (await b.listAssignments(q({ kind: "clinical_suggestion" }))).rows[0]!;
    await expect(b.decide(clin.item_id, { ...req, action: "approve" })).rejects.toMatchObject({ code: "invalid_decision" });
    await expect(b.decide(clin.item_id, { ...req, action: "approve", attestation: "I attest" })).rejects.toMatchObject({ code: "pin_needed" });
    await expect(b.decide(clin.item_id, { ...req, action: "approve", attestation: "I attest", pin: "nope-nope" })).rejects.toMatchObject({
      code: "wrong_pin",
    });
    const signed = await b.decide(clin.item_id, { ...req, action: "approve", attestation: "I attest", pin: FAKE_DEMO_PIN });
    expect(signed.signature).toMatchObject({ meaning: "approval", signer_name: "Demo Senior" });
    const txn = (await b.listAssignments(q({ kind: "transaction" }))).rows[0]!;
    await expect(b.decide(txn.item_id, { ...req, action: "reject" })).rejects.toMatchObject({ code: "invalid_decision" });
    await expect(b.decide(txn.item_id, { ...req, action: "approve_with_edits", correction: "text" })).rejects.toMatchObject({ code: "invalid_decision" });
  });

  it("serves the shared demo fixture's submissions as assignments", async () => {
    const fixture = demoFixture;
    const b = new FakeBackend({ count: fixture.length * 2, uploadDelayMs: null, submissions: fixture });
    const page = await b.listAssignments(q({ status: null, limit: 1000 }));
    expect(page.total).toBe(fixture.length * 2);
    expect(new Set(page.rows.map((r) => r.kind))).toEqual(new Set(fixture.map((i) => i.kind)));
    for (const row of page.rows) {
      const { item } = await b.getAssignment(row.item_id);
      expect(fixture.some((f) => f.kind === item.kind && f.title === item.title && f.ai.output === item.ai.output)).toBe(true);
    }
  });
});
