// The fake backend's search (development and tests only): the syntax of README.md's search paragraph
// played over in-memory items, close enough to the store's FTS5 search for the UI to be built on.
import { BackendError } from "./backend";
import type { FieldFilter, Item, KindList, TextSegment } from "./types";

interface Term {
  words: string[];
  prefix: boolean;
}

export interface ParsedSearch {
  groups: Term[][];
  excluded: Term[];
  filters: FieldFilter[];
}

function invalid(message: string): never {
  throw new BackendError("invalid_input", message);
}

function term(text: string): Term {
  const prefix = text.endsWith("*");
  const words = text.replace(/\*$/, "").toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  if (text.slice(0, -1).includes("*")) invalid(`"*" only ends a word, to match words starting with it (as in: refund*): ${text}`);
  if (words.length === 0) invalid(`${text} has no letters or digits to search for`);
  return { words, prefix };
}

/** Parses a search text, or rejects with `invalid_input` and what to change, as the core does. */
export function parseSearch(text: string, kinds: KindList): ParsedSearch {
  if ((text.match(/"/g) ?? []).length % 2 === 1) invalid("a quote is not closed: close it, or leave quotes out");
  const known = [...new Set(kinds.kinds.flatMap((k) => k.hints.identifiers.map((i) => i.filter)))].sort();
  const tokens = text.match(/-?[\p{L}\p{N}_]+:"[^"]*"|-?"[^"]*"|\S+/gu) ?? [];
  const parsed: ParsedSearch = { groups: [], excluded: [], filters: [] };
  let previousWasTerm = false;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token === "OR") {
      const next = tokens[++i];
      if (!previousWasTerm || next === undefined || next === "OR") invalid("OR needs a term on each side (as in: acme OR globex)");
      if (next.startsWith("-")) invalid("an excluded term cannot be one side of OR: exclude it on its own");
      parsed.groups[parsed.groups.length - 1]!.push(term(next.replaceAll('"', "")));
      continue;
    }
    previousWasTerm = false;
    const filter = /^([\p{L}\p{N}_]+):(.*)$/u.exec(token);
    if (filter) {
      const [, name, raw] = filter as unknown as [string, string, string];
      const value = raw.replaceAll('"', "");
      if (!known.includes(name)) invalid(`there is no ${name}: filter here; the kinds held name these: ${known.join(", ")}`);
      if (!value) invalid(`the filter ${name}: has no value (as in: ${name}:acme)`);
      parsed.filters.push({ name, value });
    } else if (token.startsWith("-")) {
      if (token === "-") invalid('a lone "-" excludes nothing: write it right before a term (as in: -refund)');
      parsed.excluded.push(term(token.slice(1).replaceAll('"', "")));
    } else {
      parsed.groups.push([term(token.replaceAll('"', ""))]);
      previousWasTerm = true;
    }
  }
  if (!parsed.groups.length && !parsed.excluded.length && !parsed.filters.length)
    invalid('the search is empty: type a word, a "phrase" or a filter such as merchant:acme');
  return parsed;
}

/** The value at a JSON Pointer (RFC 6901) from the item's root. */
export function pointerValue(item: Item, pointer: string): unknown {
  let at: unknown = item;
  for (const part of pointer.split("/").slice(1)) {
    if (!at || typeof at !== "object") return undefined;
    at = (at as Record<string, unknown>)[part.replaceAll("~1", "/").replaceAll("~0", "~")];
  }
  return at;
}

/** The item's identifying values, as `name:value` filters, from its kind's hints. */
export function identifiersOf(item: Item, kinds: KindList): FieldFilter[] {
  const kind = kinds.kinds.find((k) => k.kind === item.kind);
  return (kind?.hints.identifiers ?? []).flatMap((hint) => {
    const value = pointerValue(item, hint.pointer);
    return typeof value === "string" || typeof value === "number" ? [{ name: hint.filter, value: String(value) }] : [];
  });
}

function strings(value: unknown, out: string[]) {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value && typeof value === "object") for (const v of Object.values(value)) strings(v, out);
}

/** The searched text besides the title: payload, AI output and reasoning. */
export function bodyText(item: Item): string {
  const out: string[] = [];
  strings([item.payload, item.ai.output, item.ai.reasoning], out);
  return out.join(" · ");
}

interface Word {
  text: string;
  start: number;
  end: number;
}

function wordsOf(text: string): Word[] {
  return [...text.matchAll(/[\p{L}\p{N}]+/gu)].map((m) => ({ text: m[0].toLowerCase(), start: m.index, end: m.index + m[0].length }));
}

/** Where the term occurs in the words: [first, last] word indexes of each occurrence. */
function occurrences(words: Word[], t: Term): [number, number][] {
  const found: [number, number][] = [];
  for (let i = 0; i + t.words.length <= words.length; i++) {
    const ok = t.words.every((w, j) => {
      const word = words[i + j]!.text;
      return t.prefix && j === t.words.length - 1 ? word.startsWith(w) : word === w;
    });
    if (ok) found.push([i, i + t.words.length - 1]);
  }
  return found;
}

export interface Match {
  score: number;
  title: TextSegment[];
  excerpt: TextSegment[];
}

function marked(text: string, words: Word[], spans: [number, number][], from = 0, to = text.length): TextSegment[] {
  const segments: TextSegment[] = [];
  let at = from;
  for (const [a, b] of [...spans].sort((x, y) => x[0] - y[0])) {
    const start = words[a]!.start;
    const end = words[b]!.end;
    if (start < at || end > to) continue;
    if (start > at) segments.push({ text: text.slice(at, start), matched: false });
    segments.push({ text: text.slice(start, end), matched: true });
    at = end;
  }
  if (at < to) segments.push({ text: text.slice(at, to), matched: false });
  return segments;
}

/** Whether the item matches, and how well, with its title and an excerpt marked where it did. */
export function matchItem(item: Item, search: ParsedSearch, kinds: KindList): Match | null {
  const ids = identifiersOf(item, kinds);
  for (const f of search.filters) if (!ids.some((i) => i.name === f.name && i.value.toLowerCase() === f.value.toLowerCase())) return null;
  const titleWords = wordsOf(item.title);
  const body = bodyText(item);
  const bodyWords = wordsOf(body);
  const all = [...titleWords, ...bodyWords];
  if (search.excluded.some((t) => occurrences(all, t).length > 0)) return null;
  let score = 0;
  const titleSpans: [number, number][] = [];
  const bodySpans: [number, number][] = [];
  for (const group of search.groups) {
    let hit = false;
    for (const t of group) {
      const inTitle = occurrences(titleWords, t);
      const inBody = occurrences(bodyWords, t);
      if (inTitle.length + inBody.length > 0) hit = true;
      score += inTitle.length * 3 + inBody.length;
      titleSpans.push(...inTitle);
      bodySpans.push(...inBody);
    }
    if (!hit) return null;
  }
  const first = bodySpans.length ? bodyWords[Math.min(...bodySpans.map((s) => s[0]))]!.start : 0;
  const from = Math.max(0, first - 40);
  const to = Math.min(body.length, first + 120);
  const excerpt = marked(body, bodyWords, bodySpans, from, to);
  if (from > 0) excerpt.unshift({ text: "…", matched: false });
  if (to < body.length) excerpt.push({ text: "…", matched: false });
  return { score, title: marked(item.title, titleWords, titleSpans), excerpt };
}
