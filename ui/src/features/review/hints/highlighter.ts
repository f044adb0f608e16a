// Syntax highlighting for the diff view, loaded only when a diff is shown (it is the largest piece of
// the review screen). Prism tokenizes; the view renders the tokens as React text, never as HTML.
import Prism from "prismjs";
import "prismjs/components/prism-bash";
import "prismjs/components/prism-c";
import "prismjs/components/prism-cpp";
import "prismjs/components/prism-go";
import "prismjs/components/prism-java";
import "prismjs/components/prism-json";
import "prismjs/components/prism-python";
import "prismjs/components/prism-ruby";
import "prismjs/components/prism-rust";
import "prismjs/components/prism-sql";
import "prismjs/components/prism-toml";
import "prismjs/components/prism-typescript";
import "prismjs/components/prism-jsx";
import "prismjs/components/prism-tsx";
import "prismjs/components/prism-yaml";

/** A piece of a highlighted line: its text and the token types it belongs to (outermost first). */
export interface Piece {
  text: string;
  types: string[];
}

const BY_EXTENSION: Record<string, string> = {
  sh: "bash",
  bash: "bash",
  c: "c",
  h: "c",
  cc: "cpp",
  cpp: "cpp",
  hpp: "cpp",
  css: "css",
  go: "go",
  html: "markup",
  xml: "markup",
  java: "java",
  js: "javascript",
  mjs: "javascript",
  cjs: "javascript",
  json: "json",
  jsx: "jsx",
  py: "python",
  rb: "ruby",
  rs: "rust",
  sql: "sql",
  toml: "toml",
  ts: "typescript",
  tsx: "tsx",
  yml: "yaml",
  yaml: "yaml",
};

/** The grammar for a file name, by its extension; null when there is none (shown as plain text). */
export function languageOf(fileName: string): string | null {
  const ext = /\.([A-Za-z0-9]+)$/.exec(fileName)?.[1]?.toLowerCase();
  return (ext && BY_EXTENSION[ext]) || null;
}

function flatten(stream: Prism.TokenStream, types: string[], out: Piece[]) {
  if (typeof stream === "string") out.push({ text: stream, types });
  else if (Array.isArray(stream)) for (const s of stream) flatten(s, types, out);
  else {
    const alias = stream.alias ? (Array.isArray(stream.alias) ? stream.alias : [stream.alias]) : [];
    flatten(stream.content, [...types, stream.type, ...alias], out);
  }
}

/** One line of code as typed pieces; the whole line as one plain piece without a grammar. */
export function highlightLine(code: string, language: string | null): Piece[] {
  const grammar = language ? Prism.languages[language] : undefined;
  if (!grammar) return [{ text: code, types: [] }];
  const out: Piece[] = [];
  flatten(Prism.tokenize(code, grammar), [], out);
  return out;
}
