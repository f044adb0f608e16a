import { useEffect, useMemo, useState } from "react";
import { t } from "../../../i18n";
import type { Piece } from "./highlighter";
import { parseUnifiedDiff, type FileDiff, type LineKind } from "./patch";

type Highlight = (code: string, language: string | null) => Piece[];
type Highlighter = { highlight: Highlight; languageOf(fileName: string): string | null };

/** Loads the highlighter once, on the first diff shown; until then (or if it fails) lines are plain text. */
let loading: Promise<Highlighter> | null = null;
function useHighlighter(): Highlighter | null {
  const [loaded, setLoaded] = useState<Highlighter | null>(null);
  useEffect(() => {
    let live = true;
    loading ??= import("./highlighter").then((m) => ({ highlight: m.highlightLine, languageOf: m.languageOf }));
    loading.then(
      (h) => live && setLoaded(h),
      () => {},
    );
    return () => {
      live = false;
    };
  }, []);
  return loaded;
}

const MARK: Record<LineKind, string> = { added: "+", removed: "−", context: "" };

function Code({ code, language, highlighter }: { code: string; language: string | null; highlighter: Highlighter | null }) {
  if (!highlighter || !language) return <>{code}</>;
  return (
    <>
      {highlighter.highlight(code, language).map((p, i) =>
        p.types.length ? (
          <span key={i} className={p.types.map((type) => `tok-${type}`).join(" ")}>
            {p.text}
          </span>
        ) : (
          p.text
        ),
      )}
    </>
  );
}

/** One file's hunks as a table: old and new line numbers, a +/− mark (and its word for screen readers), the code. */
function FileTable({ file, highlighter }: { file: FileDiff; highlighter: Highlighter | null }) {
  const { name } = file;
  const language = highlighter?.languageOf(name) ?? null;
  const rows = file.hunks.flatMap((h, k) => [...(k > 0 ? [null] : []), ...h]);
  const added = rows.filter((r) => r?.kind === "added").length;
  const removed = rows.filter((r) => r?.kind === "removed").length;
  return (
    <figure className="udiff-file" data-testid="diff-file" data-file={name}>
      <figcaption className="udiff-name">
        <span className="mono">{name}</span>
        <span className="muted small">{t("udiff.counts", { added, removed })}</span>
      </figcaption>
      <table className="udiff">
        <thead className="sr-only">
          <tr>
            <th scope="col">{t("udiff.oldLine")}</th>
            <th scope="col">{t("udiff.newLine")}</th>
            <th scope="col">{t("udiff.change")}</th>
            <th scope="col">{t("udiff.code")}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) =>
            row === null ? (
              <tr key={i} className="udiff-hunk">
                <td colSpan={4}>
                  <span aria-hidden="true">⋯</span>
                  <span className="sr-only">{t("udiff.gap")}</span>
                </td>
              </tr>
            ) : (
              <tr key={i} className={`udiff-${row.kind}`} data-change={row.kind}>
                <td className="udiff-no">{row.oldNo ?? ""}</td>
                <td className="udiff-no">{row.newNo ?? ""}</td>
                <td className="udiff-mark">
                  <span aria-hidden="true">{MARK[row.kind]}</span>
                  {row.kind !== "context" && <span className="sr-only">{t(`udiff.${row.kind}`)}</span>}
                </td>
                <td className="udiff-code">
                  <Code code={row.code} language={language} highlighter={highlighter} />
                </td>
              </tr>
            ),
          )}
        </tbody>
      </table>
    </figure>
  );
}

/** A unified diff (FieldFormat `unified_diff`) file by file; what does not parse is shown as plain text. */
export function UnifiedDiff({ value }: { value: unknown }) {
  const text = typeof value === "string" ? value : "";
  const files = useMemo(() => parseUnifiedDiff(text), [text]);
  const highlighter = useHighlighter();
  if (files.length === 0) return <pre className="udiff-raw">{text || t("value.none")}</pre>;
  return (
    <div className="udiff-files" data-testid="unified-diff">
      {files.map((f, i) => (
        <FileTable key={i} file={f} highlighter={highlighter} />
      ))}
    </div>
  );
}
