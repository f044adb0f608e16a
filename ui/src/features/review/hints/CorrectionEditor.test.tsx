import { fireEvent, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { Item, KindDefinition } from "../../../lib/backend";
import { DEMO_KINDS } from "../../../lib/backend/sampleData";
import { renderHintedItem } from "../../../test/renderItemView";
import { testItem } from "../../../test/testItem";

const NOW = Date.parse("2026-03-04T12:00:00Z");
const supportReply = DEMO_KINDS.kinds.find((k) => k.kind === "support_reply")!;

/** A kind with every input the editor makes: enum, number with limits, boolean, an array of 1–3 strings. */
const ticketTriage: KindDefinition = {
  ...supportReply,
  kind: "ticket_triage",
  label: "Ticket triage",
  plural: "Ticket triage",
  output_schema: {
    type: "object",
    required: ["queue", "priority", "urgent", "tags"],
    additionalProperties: false,
    properties: {
      queue: { enum: ["billing", "tech", "sales"] },
      priority: { type: "integer", minimum: 1, maximum: 5 },
      urgent: { type: "boolean" },
      tags: { type: "array", items: { type: "string", minLength: 1 }, minItems: 1, maxItems: 3 },
    },
  },
  hints: { headline: [], sections: [], editable: [], identifiers: [] },
};

const renderItem = async (item: Item) => (await renderHintedItem(item, [supportReply, ticketTriage], NOW)).onDecide;

const replyOutput = { reply: "Hi Maren,\nWe refunded the duplicate payment.", tone: "apologetic", intent: "refund" };
const triageOutput = { queue: "billing", priority: 2, urgent: false, tags: ["refund", "duplicate"] };

describe("the correction editor, from the kind's output schema", () => {
  it("edits a support reply in place, shows the word diff, and sends the edited output", async () => {
    const onDecide = await renderItem(testItem("support_reply", replyOutput));
    const reply = screen.getByRole("textbox", { name: "Reply" });
    fireEvent.change(reply, { target: { value: "Hi Maren,\nWe refunded the second payment today." } });
    const diff = within(screen.getByTestId("correction-editor")).getByTestId("draft-diff");
    expect([...diff.querySelectorAll("ins")].map((e) => e.textContent).join("")).toContain("second");
    expect([...diff.querySelectorAll("del")].map((e) => e.textContent).join("")).toContain("duplicate");
    // The tone is a select of the schema's choices.
    const tone = screen.getByRole("combobox", { name: "Tone" });
    expect(within(tone).getAllByRole("option").map((o) => o.textContent)).toEqual(["Friendly", "Apologetic", "Neutral", "Firm"]);
    fireEvent.change(tone, { target: { value: "0" } });
    fireEvent.click(screen.getByTestId("action-approve-with-edits"));
    expect(onDecide).toHaveBeenCalledWith(
      expect.any(String),
      expect.objectContaining({ action: "approve_with_edits", correction: { reply: "Hi Maren,\nWe refunded the second payment today.", tone: "friendly", intent: "refund" } }),
    );
  });

  it("refuses what the schema refuses before sending: an emptied reply", async () => {
    const onDecide = await renderItem(testItem("support_reply", replyOutput));
    const reply = screen.getByRole("textbox", { name: "Reply" });
    fireEvent.change(reply, { target: { value: "" } });
    fireEvent.click(screen.getByTestId("action-approve-with-edits"));
    expect(onDecide).not.toHaveBeenCalled();
    expect(screen.getByTestId("decision-notice").textContent).toMatch(/does not accept the corrected output/);
    expect(reply).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByTestId("field-error").textContent).toBe("Too short.");
    expect(document.activeElement).toBe(reply);
  });

  it("gives each leaf its input: select, number, checkbox; a number out of range is refused at its field", async () => {
    const onDecide = await renderItem(testItem("ticket_triage", triageOutput));
    fireEvent.click(screen.getByTestId("action-approve-with-edits"));
    const panel = screen.getByTestId("edit-panel");
    expect(within(panel).queryByRole("textbox", { name: /JSON|output/i })).toBeNull();
    const priority = within(panel).getByRole("spinbutton", { name: "Priority" });
    expect(document.activeElement).toBe(within(panel).getByRole("combobox", { name: "Queue" }));
    fireEvent.change(priority, { target: { value: "9" } });
    fireEvent.click(within(panel).getByTestId("action-edit-confirm"));
    expect(onDecide).not.toHaveBeenCalled();
    expect(priority).toHaveAttribute("aria-invalid", "true");
    expect(within(panel).getByTestId("field-error").textContent).toBe("Above the largest allowed value.");
    fireEvent.change(priority, { target: { value: "4" } });
    fireEvent.click(within(panel).getByRole("checkbox", { name: "Urgent" }));
    fireEvent.change(within(panel).getByRole("combobox", { name: "Queue" }), { target: { value: "1" } });
    fireEvent.click(within(panel).getByTestId("action-edit-confirm"));
    expect(onDecide).toHaveBeenCalledWith(expect.any(String), expect.objectContaining({ correction: { ...triageOutput, queue: "tech", priority: 4, urgent: true } }));
  });

  it("adds and removes array entries only within minItems and maxItems", async () => {
    const onDecide = await renderItem(testItem("ticket_triage", triageOutput));
    fireEvent.click(screen.getByTestId("action-approve-with-edits"));
    const panel = screen.getByTestId("edit-panel");
    fireEvent.click(within(panel).getByTestId("correction-add"));
    // Three is the most: no more adding.
    expect(within(panel).queryByTestId("correction-add")).toBeNull();
    fireEvent.change(within(panel).getByRole("textbox", { name: "Tags 3" }), { target: { value: "urgent" } });
    fireEvent.click(within(panel).getByRole("button", { name: "Remove Tags 1" }));
    fireEvent.click(within(panel).getByRole("button", { name: "Remove Tags 1" }));
    // One is the least: no more removing.
    expect(within(panel).queryByRole("button", { name: /Remove Tags/ })).toBeNull();
    fireEvent.click(within(panel).getByTestId("action-edit-confirm"));
    expect(onDecide).toHaveBeenCalledWith(expect.any(String), expect.objectContaining({ correction: { ...triageOutput, tags: ["urgent"] } }));
  });
});
