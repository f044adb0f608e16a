// Unified diffs as producers send them. Diffs written by AI assistants often carry hunk headers whose
// line counts are wrong; a strict parser (jsdiff's parsePatch, parse-diff) refuses or truncates those,
// losing the files after it. This one takes the hunk's start lines from its header and its extent from
// the lines themselves, so a reviewer always sees every line that was sent.

export type LineKind = "added" | "removed" | "context";

export interface DiffLine {
  kind: LineKind;
  oldNo: number | null;
  newNo: number | null;
  code: string;
}

export interface FileDiff {
  /** The file's path after the change (before it, for a deleted file), without the a/ and b/ prefixes. */
  name: string;
  hunks: DiffLine[][];
}

const HUNK = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/;
const stripPrefix = (name: string) => name.replace(/\t.*$/, "").replace(/^[ab]\//, "");

/** The files of a unified diff; empty when the text has no hunk at all (it is not a diff). */
export function parseUnifiedDiff(text: string): FileDiff[] {
  const lines = text.split("\n");
  const files: FileDiff[] = [];
  let file: FileDiff | null = null;
  let hunk: DiffLine[] | null = null;
  let oldNo = 0;
  let newNo = 0;
  const startFile = (name: string): FileDiff => {
    const started = { name, hunks: [] };
    files.push(started);
    hunk = null;
    return started;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const header = HUNK.exec(line);
    if (line.startsWith("diff --git ")) {
      file = startFile(stripPrefix(line.split(" ").pop() ?? ""));
    } else if (line.startsWith("--- ") && lines[i + 1]?.startsWith("+++ ")) {
      const before = stripPrefix(line.slice(4));
      const after = stripPrefix(lines[i + 1]!.slice(4));
      const name = after === "/dev/null" ? before : after;
      if (file === null || file.hunks.length > 0) file = startFile(name);
      else file.name = name;
      i++;
    } else if (header) {
      file ??= startFile("");
      hunk = [];
      file.hunks.push(hunk);
      oldNo = Number(header[1]);
      newNo = Number(header[2]);
    } else if (hunk) {
      const mark = line.charAt(0);
      const code = line.slice(1);
      if (mark === "+") hunk.push({ kind: "added", oldNo: null, newNo: newNo++, code });
      else if (mark === "-") hunk.push({ kind: "removed", oldNo: oldNo++, newNo: null, code });
      // An empty line is a context line whose leading space was trimmed on the way.
      else if (mark === " " || line === "") hunk.push({ kind: "context", oldNo: oldNo++, newNo: newNo++, code });
      // "\ No newline at end of file" belongs to the line above; anything else ends the hunk.
      else if (mark !== "\\") hunk = null;
    }
  }
  for (const f of files) {
    // Trailing empty lines are the text's own end, not context.
    for (const h of f.hunks) while (h.length > 0 && h[h.length - 1]!.kind === "context" && h[h.length - 1]!.code === "") h.pop();
  }
  return files.filter((f) => f.hunks.length > 0);
}
