import type { Backend } from "./backend";
import { FakeBackend } from "./fake";
import { isTauri, TauriBackend } from "./tauri";

export type { Backend, Unlisten } from "./backend";
export { BackendError, toAppError } from "./backend";
export * from "./types";

/** The Tauri shell when running inside it; otherwise (plain browser, `npm run dev`) the in-memory fake. */
export function createBackend(): Backend {
  if (isTauri()) return new TauriBackend();
  const params = new URLSearchParams(window.location.search);
  const count = Number(params.get("items") ?? "240");
  const fake = new FakeBackend({ count: Number.isFinite(count) ? count : 240, hostile: params.has("hostile") });
  if (params.has("offline")) fake.setOnline(false);
  (window as unknown as { __countersignFake?: FakeBackend }).__countersignFake = fake;
  return fake;
}
