import type { Backend } from "./backend";
import { isTauri, TauriBackend } from "./tauri";

export type { Backend, Unlisten } from "./backend";
export { BackendError, toAppError } from "./backend";
export * from "./types";

/**
 * The Tauri shell when running inside it; in development in a plain browser (`npm run dev`), the
 * in-memory fake. The fake and its sample data are loaded only in development: a production build has
 * no other backend than the shell (scripts/check-dist.mjs checks the bundle).
 */
export async function createBackend(): Promise<Backend> {
  if (isTauri()) return new TauriBackend();
  if (import.meta.env.DEV) {
    const { createDevBackend } = await import("./devBackend");
    return createDevBackend(new URLSearchParams(window.location.search));
  }
  throw new Error("The review interface runs inside the Countersign desktop app.");
}
