import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { UnifiedDiff } from "./UnifiedDiff";

const DIFF = `diff --git a/src/refund.py b/src/refund.py
--- a/src/refund.py
+++ b/src/refund.py
@@ -10,3 +10,4 @@ def refund(order, amount):
     if amount <= 0:
-        return None
+        raise ValueError("amount must be positive")
+    # <script>window.__pwned = 1</script>
     return Refund(order.id, amount)
diff --git a/docs/notes.txt b/docs/notes.txt
--- a/docs/notes.txt
+++ b/docs/notes.txt
@@ -1,2 +1,2 @@
-old note
+new note
 unchanged
`;

const rowsOf = (file: HTMLElement) => within(file).getAllByRole("row").filter((r) => r.hasAttribute("data-change"));

describe("unified diff view", () => {
  it("shows each file with line numbers and marks added and removed lines in text, not by colour alone", () => {
    render(<UnifiedDiff value={DIFF} />);
    const files = screen.getAllByTestId("diff-file");
    expect(files.map((f) => f.getAttribute("data-file"))).toEqual(["src/refund.py", "docs/notes.txt"]);
    expect(within(files[0]!).getByText("+2 −1")).toBeInTheDocument();
    const rows = rowsOf(files[0]!);
    const cells = rows.map((r) => within(r).getAllByRole("cell").map((c) => c.textContent));
    expect(cells).toEqual([
      ["10", "10", "", "    if amount <= 0:"],
      ["11", "", "−removed", "        return None"],
      ["", "11", "+added", '        raise ValueError("amount must be positive")'],
      ["", "12", "+added", "    # <script>window.__pwned = 1</script>"],
      ["12", "13", "", "    return Refund(order.id, amount)"],
    ]);
    expect(rows.map((r) => r.getAttribute("data-change"))).toEqual(["context", "removed", "added", "added", "context"]);
  });

  it("renders a script line as text: no element is made from the diff", () => {
    const { container } = render(<UnifiedDiff value={DIFF} />);
    expect(container.querySelector("script")).toBeNull();
    expect(screen.getByText(/<script>window.__pwned = 1<\/script>/)).toBeInTheDocument();
    expect((window as { __pwned?: number }).__pwned).toBeUndefined();
  });

  it("highlights the code by its file's extension once the highlighter has loaded", async () => {
    const { container } = render(<UnifiedDiff value={DIFF} />);
    const files = screen.getAllByTestId("diff-file");
    // Python keywords and strings become typed spans, still text.
    await screen.findAllByText("raise");
    expect(within(files[0]!).getAllByText("raise")[0]).toHaveClass("tok-keyword");
    expect(within(files[0]!).getByText('"amount must be positive"')).toHaveClass("tok-string");
    // A .txt file has no grammar: plain text.
    expect(files[1]!.querySelector("[class^='tok-']")).toBeNull();
    expect(container.querySelector("script")).toBeNull();
  });

  it("shows every file of a diff whose hunk headers miscount its lines (as AI-written diffs often do)", () => {
    const miscounted = DIFF.replace("@@ -10,3 +10,4 @@", "@@ -10,9 +10,12 @@").replace("@@ -1,2 +1,2 @@", "@@ -1,5 +1,5 @@");
    render(<UnifiedDiff value={`${miscounted}\n\n`} />);
    const files = screen.getAllByTestId("diff-file");
    expect(files.map((f) => f.getAttribute("data-file"))).toEqual(["src/refund.py", "docs/notes.txt"]);
    expect(rowsOf(files[0]!)).toHaveLength(5);
    expect(rowsOf(files[1]!).map((r) => r.getAttribute("data-change"))).toEqual(["removed", "added", "context"]);
  });

  it("shows what is not a diff as plain text", () => {
    render(<UnifiedDiff value={"not a diff <b>at all</b>"} />);
    expect(screen.queryByTestId("unified-diff")).toBeNull();
    expect(screen.getByText("not a diff <b>at all</b>")).toBeInTheDocument();
  });
});
