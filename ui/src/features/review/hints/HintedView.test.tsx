import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { Item, KindDefinition } from "../../../lib/backend";
import demoFixture from "../../../lib/backend/demoFixture.json";
import { DEMO_KINDS } from "../../../lib/backend/sampleData";
import { renderHintedItem } from "../../../test/renderItemView";
import { testItem } from "../../../test/testItem";

const NOW = Date.parse("2026-03-04T12:00:00Z");
const FIXTURE = demoFixture as unknown as { items: Pick<Item, "kind" | "title" | "payload" | "ai">[] };
const demoKind = (kind: string) => DEMO_KINDS.kinds.find((k) => k.kind === kind)!;

function demoItem(kind: string): Item {
  const submission = FIXTURE.items.find((i) => i.kind === kind)!;
  return testItem(kind, submission.ai.output, { title: submission.title, payload: submission.payload }, submission.ai);
}

const renderItem = (item: Item, kinds = DEMO_KINDS.kinds) => renderHintedItem(item, kinds, NOW);

describe("a registered kind drawn from its hints", () => {
  it("shows a support reply: headline facts by their labels, the conversation with authors and times, the reply in its editor", async () => {
    const item = demoItem("support_reply");
    await renderItem(item);
    const payload = item.payload as { customer: { name: string }; conversation: { author: string; text: string; at: string }[] };
    const headline = screen.getByTestId("hint-headline");
    expect(within(headline).getByText("Customer").nextElementSibling?.textContent).toBe(payload.customer.name);
    expect(within(headline).getByText("Tone").nextElementSibling?.textContent).toBe("apologetic");
    const messages = within(screen.getByTestId("conversation")).getAllByRole("listitem");
    expect(messages).toHaveLength(payload.conversation.length);
    expect(messages[0]!.textContent).toContain(payload.conversation[0]!.author);
    expect(messages[0]!.textContent).toContain(payload.conversation[0]!.text);
    expect(messages[0]!.querySelector("time")?.getAttribute("dateTime")).toBe(payload.conversation[0]!.at);
    // The reply is the editable field, in place, with the AI's text.
    expect(screen.getByRole("textbox", { name: "Reply" })).toHaveValue((item.ai.output as { reply: string }).reply);
    // The header and the reject reasons come from the definition.
    expect(screen.getByText("Support reply", { selector: ".kind-chip" })).toBeInTheDocument();
    fireEvent.click(screen.getByTestId("action-reject"));
    const reasons = within(screen.getByTestId("reason-list")).getAllByRole("option");
    expect(reasons.map((r) => r.getAttribute("data-code"))).toEqual(demoKind("support_reply").reason_codes.map((r) => r.code));
  });

  it("shows a code change: its stated intent as prose, the diff file by file, the tests it ran as a list", async () => {
    const item = demoItem("code_change");
    await renderItem(item);
    const payload = item.payload as { intent: string; tests: { name: string }[] };
    expect(screen.getByText(payload.intent)).toHaveClass("hint-text");
    const sections = screen.getAllByTestId("hint-section");
    expect(sections.map((s) => s.getAttribute("data-format"))).toEqual(["unified_diff", "list", "value"]);
    expect(within(sections[0]!).getAllByTestId("diff-file").length).toBeGreaterThan(0);
    expect(within(sections[1]!).getAllByRole("listitem")).toHaveLength(payload.tests.length);
    expect(screen.getByRole("textbox", { name: "Summary" })).toBeInTheDocument();
  });

  it("formats money with its currency and dates with their age, and lists what the hints leave out", async () => {
    const definition: KindDefinition = {
      ...demoKind("support_reply"),
      kind: "refund_request",
      hints: {
        headline: [
          { pointer: "/payload/amount", label: "Amount", format: "money", currency_pointer: "/payload/currency" },
          { pointer: "/payload/ordered_at", label: "Ordered", format: "date" },
        ],
        sections: [{ pointer: "/payload/reasons", label: "Reasons given", format: "list" }],
        editable: [],
        identifiers: [],
      },
    };
    const item = testItem("refund_request", { reply: "Yes", tone: "neutral", intent: "refund" }, {
      payload: { amount: 1234.5, currency: "EUR", ordered_at: "2026-02-25T10:00:00Z", reasons: ["damaged", "late"], warehouse: "Leeds" },
    });
    await renderItem(item, [definition]);
    const headline = screen.getByTestId("hint-headline");
    expect(within(headline).getByText("Amount").nextElementSibling?.textContent).toMatch(/^€1,234\.50$/);
    expect(within(headline).getByText("Ordered").nextElementSibling?.textContent).toMatch(/2026, 7 days ago$/);
    expect(within(screen.getAllByTestId("hint-section")[0]!).getAllByRole("listitem").map((li) => li.textContent)).toEqual(["damaged", "late"]);
    // Not hinted: still shown, labelled; the hinted values are not repeated there.
    const rest = screen.getByTestId("payload-view");
    expect(within(rest).getByText("Warehouse")).toBeInTheDocument();
    expect(within(rest).queryByText("Amount")).toBeNull();
    expect(within(screen.getByTestId("ai-output")).getByText("Reply")).toBeInTheDocument();
  });

  it("refreshes the kinds after a sync: a label the server changed shows without a restart", async () => {
    const { backend } = await renderItem(demoItem("support_reply"));
    expect(screen.getByText("Support reply", { selector: ".kind-chip" })).toBeInTheDocument();
    act(() => backend.setKinds({ kinds: DEMO_KINDS.kinds.map((k) => (k.kind === "support_reply" ? { ...k, label: "Customer reply", revision: 2 } : k)) }));
    await waitFor(() => expect(screen.getByText("Customer reply", { selector: ".kind-chip" })).toBeInTheDocument());
  });
});
