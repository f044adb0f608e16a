import { describe, expect, it } from "vitest";
import { BackendError, toAppError } from "./backend";

describe("toAppError", () => {
  it("keeps the shell's typed code and its message", () => {
    expect(toAppError({ code: "bad_credential", message: "No." })).toEqual({ code: "bad_credential", message: "No." });
    expect(toAppError(new BackendError("not_found", "Gone."))).toEqual({ code: "not_found", message: "Gone." });
  });

  it("calls anything else internal", () => {
    expect(toAppError({ code: "toString", message: "odd" })).toEqual({ code: "internal", message: "odd" });
    expect(toAppError(new Error("boom"))).toEqual({ code: "internal", message: "boom" });
    expect(toAppError("text")).toEqual({ code: "internal", message: "text" });
  });
});
