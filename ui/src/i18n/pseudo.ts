// A pseudo-translation: each message accented, a third longer and bracketed, so a test can tell a
// catalogue message from a hard-coded string and see that longer translations still fit.
const ACCENTED: Record<string, string> = {
  a: "á", e: "é", i: "í", o: "ó", u: "ú", c: "ç", n: "ñ", s: "š", y: "ý", z: "ž",
  A: "Á", E: "É", I: "Í", O: "Ó", U: "Ú", C: "Ç", N: "Ñ", S: "Š", Y: "Ý", Z: "Ž",
};

export const PSEUDO_OPEN = "⟦";
export const PSEUDO_CLOSE = "⟧";

/** "Reject {{count}}" → "⟦Ŕéjéçt {{count}}·····⟧": placeholders and keys kept, letters accented. */
export function pseudoMessage(message: string): string {
  const parts = message.split(/(\{\{[^}]+\}\}|<[^>]+>)/);
  const accented = parts.map((p, i) => (i % 2 === 1 ? p : [...p].map((ch) => ACCENTED[ch] ?? ch).join(""))).join("");
  const padding = "·".repeat(Math.ceil(message.length * 0.35));
  return `${PSEUDO_OPEN}${accented}${padding}${PSEUDO_CLOSE}`;
}

type Catalogue = { [key: string]: string | Catalogue };

export function pseudoCatalogue<C extends Catalogue>(catalogue: C): C {
  const out: Catalogue = {};
  for (const [key, value] of Object.entries(catalogue)) out[key] = typeof value === "string" ? pseudoMessage(value) : pseudoCatalogue(value);
  return out as C;
}
