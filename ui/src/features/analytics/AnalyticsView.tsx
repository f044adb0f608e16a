import type { ComponentType } from "react";
import { t } from "../../i18n";
import { BlindSection } from "./BlindSection";
import { FatigueSection } from "./FatigueSection";
import { GoldSection } from "./GoldSection";
import { OverviewSection } from "./OverviewSection";
import { ThresholdsSection } from "./ThresholdsSection";

/** The report sections, in order. Each fetches and shows its own report (no props). */
export const SECTIONS: readonly ComponentType[] = [
  OverviewSection,
  BlindSection,
  GoldSection,
  ThresholdsSection,
  FatigueSection,
];

/** The analytics view (seniors and admins; loaded lazily, so it costs nothing until opened). */
export default function AnalyticsView({ onClose }: { onClose: () => void }) {
  return (
    <main className="analytics-view" id="review" aria-labelledby="analytics-title" data-testid="analytics-view">
      <header className="analytics-header">
        <h1 id="analytics-title">{t("analytics.title")}</h1>
        <button type="button" className="quiet" onClick={onClose} data-testid="close-analytics">
          {t("analytics.close")}
        </button>
      </header>
      {SECTIONS.map((Section, i) => (
        <Section key={i} />
      ))}
    </main>
  );
}
