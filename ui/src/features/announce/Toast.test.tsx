import { act, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { secondsUntilUpload, Toast, TOAST_MS, UNDO_TOAST_MS } from "./Toast";

describe("Toast", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("is announced in a polite live region and goes away by itself", () => {
    render(<Toast message={{ text: "Released: “Card payment”.", undoable: false, n: 1 }} undoLabel="u" onUndo={null} />);
    const region = screen.getByTestId("announcer");
    expect(region).toHaveAttribute("role", "status");
    expect(region).toHaveAttribute("aria-live", "polite");
    expect(region.textContent).toMatch(/Released/);
    act(() => vi.advanceTimersByTime(TOAST_MS + 1));
    expect(screen.queryByTestId("toast")).toBeNull();
  });

  it("stays longer when it offers Undo, and while the pointer is on it", () => {
    const onUndo = vi.fn();
    render(<Toast message={{ text: "Approved: “Card payment”.", undoable: true, n: 1 }} undoLabel="u" onUndo={onUndo} />);
    expect(screen.getByTestId("toast").textContent).toMatch(/Press u to undo/);
    act(() => vi.advanceTimersByTime(TOAST_MS + 1));
    expect(screen.getByTestId("toast")).toBeInTheDocument();
    fireEvent.mouseEnter(screen.getByTestId("toast"));
    act(() => vi.advanceTimersByTime(UNDO_TOAST_MS * 2));
    expect(screen.getByTestId("toast")).toBeInTheDocument();
    fireEvent.click(screen.getByTestId("toast-undo"));
    expect(onUndo).toHaveBeenCalledOnce();
    fireEvent.mouseLeave(screen.getByTestId("toast"));
    act(() => vi.advanceTimersByTime(UNDO_TOAST_MS + 1));
    expect(screen.queryByTestId("toast")).toBeNull();
  });

  it("can be dismissed, and the next message still goes away by itself", () => {
    const { rerender } = render(<Toast message={{ text: "One", undoable: false, n: 1 }} undoLabel={null} onUndo={null} />);
    // Dismissed with the pointer on it: no mouseleave follows, and nothing may stay held.
    fireEvent.mouseEnter(screen.getByTestId("toast"));
    fireEvent.click(screen.getByRole("button", { name: "Dismiss" }));
    expect(screen.queryByTestId("toast")).toBeNull();
    rerender(<Toast message={{ text: "One", undoable: false, n: 2 }} undoLabel={null} onUndo={null} />);
    expect(screen.getByTestId("toast").textContent).toMatch(/One/);
    act(() => vi.advanceTimersByTime(TOAST_MS + 1));
    expect(screen.queryByTestId("toast")).toBeNull();
  });

  it("counts Undo down to the upload, from the decision's time and the window", () => {
    const decidedAt = Date.now();
    render(
      <Toast message={{ text: "Approved: “Card payment”.", undoable: true, decidedAt, n: 1 }} undoLabel="u" onUndo={vi.fn()} undoWindowSeconds={5} />,
    );
    expect(screen.getByTestId("toast-undo").textContent).toBe("Undo (5 s)");
    act(() => vi.advanceTimersByTime(1_000));
    expect(screen.getByTestId("toast-undo").textContent).toBe("Undo (4 s)");
    act(() => vi.advanceTimersByTime(4_000));
    expect(screen.getByTestId("toast-undo").textContent).toBe("Undo");
  });

  it("shows no countdown without a window", () => {
    expect(secondsUntilUpload(1_000, 0, 1_000)).toBe(0);
    expect(secondsUntilUpload(undefined, 5, 1_000)).toBe(0);
    expect(secondsUntilUpload(1_000, 5, 0)).toBe(5);
    expect(secondsUntilUpload(1_000, 5, 4_500)).toBe(2);
  });
});
