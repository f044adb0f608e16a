import type { Item } from "./types";

/** The producer asked for an attestation statement on approval (`payload.requires_attestation`). */
export function asksAttestation(item: Item): boolean {
  return (item.payload as Record<string, unknown> | null)?.requires_attestation === true;
}

/**
 * An approval of this item is a sign-off that must be signed with the reviewer's PIN: its policy
 * requires a signature (`signature_required`, enforced by the queue), or its producer asked for an
 * attestation. The desktop core's `decision::needs_sign_off` is the rule; this mirrors it for the UI.
 */
export function needsSignOff(item: Item): boolean {
  return item.signature_required !== null || asksAttestation(item);
}
