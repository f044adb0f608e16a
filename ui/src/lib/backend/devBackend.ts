import { FakeBackend } from "./fake";

/** The fake backend for `npm run dev`, shaped by the URL parameters listed in ui/README.md. */
export function createDevBackend(params: URLSearchParams): FakeBackend {
  const count = Number(params.get("items") ?? "240");
  const fake = new FakeBackend({
    count: Number.isFinite(count) ? count : 240,
    hostile: params.has("hostile"),
    signedInAs: params.has("admin") ? { name: "admin", role: "admin", teams: [], full_name: null } : undefined,
  });
  if (params.has("offline")) fake.setOnline(false);
  // Reachable from the browser console, to play with the connection or flush uploads by hand.
  (window as unknown as { __countersignFake?: FakeBackend }).__countersignFake = fake;
  return fake;
}
