import { formatScalar } from "../../../lib/format";
import { t } from "../../../i18n";

// The building blocks of the kind views: labelled fields in cards, scalars as text.
export function Field({ label, children, testId, wide = false }: { label: string; children: React.ReactNode; testId?: string; wide?: boolean }) {
  return (
    <div className={wide ? "field wide" : "field"}>
      <dt>{label}</dt>
      <dd data-testid={testId}>{children}</dd>
    </div>
  );
}

export function Card({ title, children, className = "" }: { title: string; children: React.ReactNode; className?: string }) {
  return (
    <section className={`card ${className}`}>
      <h3>{title}</h3>
      <dl className="fields">{children}</dl>
    </section>
  );
}

export const text = (v: unknown) => formatScalar(v);
export const list = (v: unknown) => (Array.isArray(v) ? v.map(formatScalar).join(", ") || t("value.none") : formatScalar(v));
