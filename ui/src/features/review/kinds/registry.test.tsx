import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { testItem } from "../../../test/testItem";
import { GENERIC_REASONS } from "../reasons";
import { GenericView } from "./GenericView";
import { isTextDraft, kindLabel, kindSpec, KINDS, viewFor } from "./registry";

const item = (kind: string, output: unknown) => testItem(kind, output, { payload: { account: "A-17" } });

describe("kind registry", () => {
  it("gives each known kind its own view, label and reasons", () => {
    expect(KINDS.map((k) => k.kind)).toEqual(["transaction", "content_draft", "clinical_suggestion"]);
    for (const spec of KINDS) {
      expect(kindSpec(spec.kind)).toBe(spec);
      expect(viewFor(item(spec.kind, spec.textDraft ? "text" : {}))).toBe(spec.View);
      expect(spec.reasons.map((r) => r.code)).toContain("other");
    }
    expect(kindLabel("clinical_suggestion")).toBe("Clinical");
  });

  it("falls back to the generic view for an unknown kind", () => {
    const spec = kindSpec("support_reply");
    expect(spec.label).toBe("Support reply");
    expect(spec.reasons).toBe(GENERIC_REASONS);
    const View = viewFor(item("support_reply", { reply: "Refunded." }));
    expect(View).toBe(GenericView);
    render(<View item={item("support_reply", { reply: "Refunded." })} editor={null} now={0} />);
    expect(screen.getByRole("heading", { name: "AI proposal" })).toBeInTheDocument();
    expect(screen.getByText("Refunded.")).toBeInTheDocument();
  });

  it("shows a text-draft kind whose output is not text in the generic view", () => {
    const structured = item("content_draft", { headline: "Hi" });
    expect(isTextDraft(structured)).toBe(false);
    expect(viewFor(structured)).toBe(GenericView);
    expect(kindSpec("content_draft").reasons.map((r) => r.code)).toContain("off_brief");
    expect(isTextDraft(item("content_draft", "Hello"))).toBe(true);
  });
});
