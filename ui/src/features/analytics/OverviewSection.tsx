import { useMemo } from "react";
import { useKinds } from "../review/kinds/KindsContext";
import type uPlot from "uplot";
import { type Overview } from "../../lib/backend";
import { ErrorNotice } from "../announce/ErrorNotice";
import { HealthTable } from "../admin/HealthTable";
import { t } from "../../i18n";
import { formatDateTime, formatPercent } from "../../lib/format";
import { formatBand, formatRate } from "./formatRate";
import { IntervalBars, type IntervalRow } from "./IntervalBars";
import { UPlotChart } from "./UPlotChart";
import { useReport } from "./useReport";

const PALETTE = ["#2f6fde", "#d9822b", "#2e9e6a", "#b5468b", "#7a5cc7", "#8a8f98"];

const teamName = (team: string | null) => team ?? t("admin.everyone");

/** Decisions per day, one line per team (uPlot wants every series over the same days). */
function throughputChart(overview: Overview): { options: Omit<uPlot.Options, "width" | "height">; data: uPlot.AlignedData } {
  const days = [...new Set(overview.throughput.map((d) => d.day))].sort();
  const teams = [...new Set(overview.throughput.map((d) => d.team))];
  const count = new Map(overview.throughput.map((d) => [`${d.day}/${d.team ?? ""}`, d.decisions]));
  const xs = days.map((day) => Date.parse(`${day}T00:00:00Z`) / 1000);
  const series = teams.map((team) => days.map((day) => count.get(`${day}/${team ?? ""}`) ?? 0));
  // The x scale spans the report's window: a window with one day of decisions would otherwise give
  // uPlot a time scale of zero width, on which it never finishes placing its ticks.
  const window: [number, number] = [Date.parse(overview.since) / 1000, Date.parse(overview.server_time) / 1000];
  return {
    options: {
      scales: { x: { time: true, range: window } },
      series: [{}, ...teams.map((team, i) => ({ label: teamName(team), stroke: PALETTE[i % PALETTE.length], width: 2 }))],
      axes: [{}, { label: t("analytics.decisions") }],
    },
    data: [xs, ...series],
  };
}

/** The calibration curve: people's agreement per band against the AI's mean confidence, and the diagonal. */
function calibrationChart(overview: Overview): { options: Omit<uPlot.Options, "width" | "height">; data: uPlot.AlignedData } {
  const points = overview.calibration.slice().sort((a, b) => a.mean_confidence - b.mean_confidence);
  const xs = [0, ...points.map((p) => p.mean_confidence), 1];
  const agreement = [null, ...points.map((p) => (p.agreement.status === "estimated" ? p.agreement.rate : null)), null];
  return {
    options: {
      scales: { x: { time: false, range: [0, 1] }, y: { range: [0, 1] } },
      series: [
        { label: t("analytics.meanConfidence") },
        { label: t("analytics.diagonal"), stroke: "#8a8f98", dash: [4, 4], width: 1 },
        { label: t("analytics.agreement"), stroke: PALETTE[0], width: 2, points: { size: 8 } },
      ],
      axes: [{ label: t("analytics.meanConfidence") }, { label: t("analytics.agreement") }],
    },
    data: [xs, xs, agreement],
  };
}

/** Throughput, the queue now, SLA compliance, overrides and calibration (`GET /v1/stats/overview`). */
export function OverviewSection() {
  const { report: overview, error } = useReport((backend) => backend.statsOverview());
  const kinds = useKinds();
  const throughput = useMemo(() => overview && throughputChart(overview), [overview]);
  const calibration = useMemo(() => overview && calibrationChart(overview), [overview]);
  if (error?.code === "not_allowed") return <p className="error-plain" role="alert" data-testid="analytics-error">{t("analytics.notAllowed")}</p>;
  if (error) return <ErrorNotice error={error} testId="analytics-error" />;
  if (!overview || !throughput || !calibration) return <p className="muted">{t("app.loading")}</p>;
  const rows = (list: { key: string | null; rate: IntervalRow["rate"] }[]): IntervalRow[] =>
    list.map((r) => ({ label: r.key ?? t("analytics.noModel"), rate: r.rate }));
  return (
    <section className="analytics-section" data-testid="overview-section" aria-labelledby="overview-title">
      <h2 id="overview-title">{t("analytics.overview")}</h2>
      <p className="muted">{t("analytics.window", { since: formatDateTime(overview.since) })}</p>

      <h3>{t("analytics.throughput")}</h3>
      {overview.throughput.length === 0 ? (
        <p className="muted">{t("analytics.noDecisions")}</p>
      ) : (
        <UPlotChart options={throughput.options} data={throughput.data} label={t("analytics.throughput")} testId="throughput-chart" />
      )}

      <h3>{t("analytics.queue")}</h3>
      <HealthTable health={{ rows: overview.queue, server_time: overview.server_time }} now={Date.parse(overview.server_time)} />

      <h3>{t("analytics.sla")}</h3>
      <IntervalBars testId="sla-bars" rows={overview.sla.map((s) => ({ label: teamName(s.team), rate: s.in_time }))} />

      <h3>{t("analytics.overrides")}</h3>
      <p className="muted">{t("analytics.overridesHint")}</p>
      <h4>{t("analytics.byKind")}</h4>
      <IntervalBars testId="overrides-by-kind" rows={rows(overview.overrides.by_kind).map((row) => ({ ...row, label: kinds.describe(row.label).label }))} />
      <h4>{t("analytics.byModel")}</h4>
      <IntervalBars testId="overrides-by-model" rows={rows(overview.overrides.by_model)} />
      <h4>{t("analytics.byBand")}</h4>
      <IntervalBars testId="overrides-by-band" rows={rows(overview.overrides.by_band).map((row) => ({ ...row, label: formatBand(Number(row.label)) }))} />

      <h3>{t("analytics.calibration")}</h3>
      <p className="muted">{t("analytics.calibrationHint")}</p>
      <UPlotChart options={calibration.options} data={calibration.data} label={t("analytics.calibration")} testId="calibration-chart" />
      <table className="admin-table" data-testid="calibration-table">
        <thead>
          <tr>
            <th scope="col">{t("analytics.band")}</th>
            <th scope="col" className="num">{t("analytics.meanConfidence")}</th>
            <th scope="col">{t("analytics.agreement")}</th>
          </tr>
        </thead>
        <tbody>
          {overview.calibration.map((p) => (
            <tr key={p.band} data-testid="calibration-row">
              <th scope="row">{formatBand(p.band)}</th>
              <td className="num">{formatPercent(p.mean_confidence)}</td>
              <td>{formatRate(p.agreement)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
