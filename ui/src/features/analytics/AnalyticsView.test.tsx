import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { App } from "../../App";
import { FakeBackend } from "../../lib/backend/fake";
import type { Me } from "../../lib/backend";

const REVIEWER: Me = { name: "ana", role: "reviewer", teams: ["fraud"], full_name: null };

describe("analytics view", () => {
  it("opens for a senior from the top bar and with its key, and closes again", async () => {
    const backend = new FakeBackend({ count: 3, uploadDelayMs: null });
    render(<App backend={backend} />);
    fireEvent.click(await screen.findByTestId("open-analytics"));
    expect(await screen.findByTestId("analytics-view")).toBeInTheDocument();
    expect(await screen.findByTestId("overview-section")).toBeInTheDocument();
    fireEvent.click(screen.getByTestId("close-analytics"));
    await waitFor(() => expect(screen.queryByTestId("analytics-view")).toBeNull());
    fireEvent.keyDown(window, { key: "g" });
    expect(await screen.findByTestId("analytics-view")).toBeInTheDocument();
  });

  it("is never offered to a reviewer, nor opened by its key", async () => {
    const backend = new FakeBackend({ count: 3, uploadDelayMs: null, signedInAs: REVIEWER });
    render(<App backend={backend} />);
    await screen.findAllByRole("option");
    expect(screen.queryByTestId("open-analytics")).toBeNull();
    fireEvent.keyDown(window, { key: "g" });
    expect(screen.queryByTestId("analytics-view")).toBeNull();
    expect(backend.calls.some((c) => c.command === "stats_overview")).toBe(false);
  });
});
