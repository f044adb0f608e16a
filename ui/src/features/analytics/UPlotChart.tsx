import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

/** Whether this document can draw on a canvas (a test's DOM cannot; the app's webview can). */
function canDraw(): boolean {
  try {
    return document.createElement("canvas").getContext("2d") !== null;
  } catch {
    return false;
  }
}

/**
 * One uPlot chart, made when mounted and destroyed when unmounted. Where there is no canvas the
 * figures beside it (a table in each section) still say everything the chart shows.
 */
export function UPlotChart({ options, data, label, testId }: { options: Omit<uPlot.Options, "width" | "height">; data: uPlot.AlignedData; label: string; testId: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const target = box.current;
    if (!target || !canDraw()) return;
    const chart = new uPlot({ ...options, width: Math.max(target.clientWidth, 320), height: 220 }, data, target);
    target.dataset.drawn = "true";
    return () => {
      chart.destroy();
      delete target.dataset.drawn;
    };
  }, [options, data]);
  return <div ref={box} className="uplot-chart" role="img" aria-label={label} data-testid={testId} />;
}
