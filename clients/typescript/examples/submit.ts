// A producer in TypeScript: submit an item and poll until a person decided it, typed end to end by
// the generated src/queue-api.d.ts (docs/protocol.md is the contract). Type-checked in CI.
import type { components } from "../src/queue-api";

type NewItem = components["schemas"]["NewItem"];
type Item = components["schemas"]["Item"];

export async function submitAndWait(baseUrl: string, token: string, item: NewItem, timeoutMs: number): Promise<Item> {
  const headers = { Authorization: `Bearer ${token}`, "Content-Type": "application/json" };
  const submitted = await fetch(`${baseUrl}/v1/items`, { method: "POST", headers, body: JSON.stringify(item) });
  if (!submitted.ok) {
    const refusal = (await submitted.json()) as components["schemas"]["ErrorBody"];
    throw new Error(`${refusal.error.code}: ${refusal.error.message}`);
  }
  let current = (await submitted.json()) as Item;
  const deadline = Date.now() + timeoutMs;
  while (current.status === "pending" && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const read = await fetch(`${baseUrl}/v1/items/${current.id}`, { headers });
    current = (await read.json()) as Item;
  }
  return current;
}
