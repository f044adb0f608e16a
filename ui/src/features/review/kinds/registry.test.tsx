import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { DEMO_KINDS } from "../../../lib/backend/sampleData";
import { testItem } from "../../../test/testItem";
import { GENERIC_REASONS } from "../reasons";
import { GenericView } from "./GenericView";
import { HintedView } from "./HintedView";
import { kindsFrom } from "./KindsContext";
import { describeKind, isTextDraft, KINDS, rendererFor, viewFor } from "./registry";

const item = (kind: string, output: unknown) => testItem(kind, output, { payload: { account: "A-17" } });
const demoKind = (kind: string) => DEMO_KINDS.kinds.find((k) => k.kind === kind)!;
const transactionDefinition = {
  ...demoKind("transaction"),
  kind: "transaction",
  label: "Card payment",
  plural: "Card payments",
  reason_codes: [{ code: "chargeback_risk", label: "Chargeback risk" }],
};

describe("kind registry", () => {
  it("gives each built-in kind its named renderer, and its catalogue label and reasons until the server describes it", () => {
    expect(KINDS.map((k) => k.kind)).toEqual(["transaction", "content_draft", "clinical_suggestion"]);
    for (const spec of KINDS) {
      expect(rendererFor(spec.kind)).toBe(spec);
      expect(viewFor(item(spec.kind, spec.textDraft ? "text" : {}), null)).toBe(spec.View);
      expect(describeKind(spec.kind).reasons.map((r) => r.code)).toContain("other");
    }
    expect(describeKind("clinical_suggestion").label).toBe("Clinical");
  });

  it("takes a registered kind's label, plural and reasons from its definition, built-in kinds included", () => {
    const ui = describeKind("transaction", transactionDefinition);
    expect([ui.label, ui.plural]).toEqual(["Card payment", "Card payments"]);
    expect(ui.reasons).toEqual([{ code: "chargeback_risk", label: "Chargeback risk" }]);
    // The polished view stays.
    expect(viewFor(item("transaction", {}), transactionDefinition)).toBe(rendererFor("transaction")!.View);
    const kinds = kindsFrom({ kinds: [transactionDefinition, demoKind("support_reply"), demoKind("code_change")] });
    expect(kinds.all.map((k) => k.plural)).toEqual(["Content drafts", "Clinical", "Card payments", "Support replies", "Code changes"]);
    expect(kinds.describe("code_change").reasons).toEqual(demoKind("code_change").reason_codes);
    expect(kinds.definition("nothing")).toBeNull();
  });

  it("draws a registered kind without a renderer from its hints, and an unknown one generically", () => {
    expect(viewFor(item("code_change", { summary: "Fix" }), demoKind("code_change"))).toBe(HintedView);
    const spec = describeKind("something_new");
    expect(spec.label).toBe("Something new");
    expect(spec.reasons).toBe(GENERIC_REASONS);
    const View = viewFor(item("something_new", { reply: "Refunded." }), null);
    expect(View).toBe(GenericView);
    render(<View item={item("something_new", { reply: "Refunded." })} editor={null} now={0} definition={null} />);
    expect(screen.getByRole("heading", { name: "AI proposal" })).toBeInTheDocument();
    expect(screen.getByText("Refunded.")).toBeInTheDocument();
  });

  it("shows a text-draft kind whose output is not text in the generic view", () => {
    const structured = item("content_draft", { headline: "Hi" });
    expect(isTextDraft(structured)).toBe(false);
    expect(viewFor(structured, null)).toBe(GenericView);
    expect(describeKind("content_draft").reasons.map((r) => r.code)).toContain("off_brief");
    expect(isTextDraft(item("content_draft", "Hello"))).toBe(true);
  });
});
