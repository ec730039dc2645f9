// Charts rendered on the server as SVG (ECharts server-side rendering): they cost the browser no
// JavaScript, print sharply and show the same numbers as the tables beside them.
import * as echarts from "echarts";
import type { Status } from "~/domain/measures";

const FONT = '"WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", system-ui, sans-serif';
const COLORS: Record<Status | "grey", string> = { red: "#b3261e", yellow: "#c98a00", green: "#1e7d32", grey: "#9aa5ad" };
const BAND = "rgba(11, 87, 208, 0.15)";
const LINE = "#0b57d0";

type Option = Parameters<echarts.ECharts["setOption"]>[0];

function render(option: Option, width: number, height: number, label: string): string {
  const chart = echarts.init(null, null, { renderer: "svg", ssr: true, width, height });
  chart.setOption({ animation: false, textStyle: { fontFamily: FONT, fontSize: 13 }, ...option });
  const svg = chart.renderToSVGString();
  chart.dispose();
  // Scale with its container (the viewBox keeps the proportions) and describe it for screen readers.
  const escaped = label.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  return svg.replace(/^<svg width="\d+" height="\d+"/, `<svg width="100%" role="img" aria-label="${escaped}"`);
}

export type RankingBar = {
  name: string;
  /** 0–100 (percent or points); null = no figure. */
  value: number | null;
  lower: number;
  upper: number;
  status: Status | null;
};

/** Horizontal bars in ranking order, coloured by status, with the 95% interval as whiskers and the target as a line. */
export function rankingChartSvg(input: { bars: RankingBar[]; target: number | null; unit: string; label: string; width?: number }): string {
  const { bars, target, unit, label, width = 640 } = input;
  const height = 64 + 30 * Math.max(1, bars.length);
  const names = bars.map((b) => b.name);
  // The values stand in a column on the right, clear of the bars and whiskers.
  const values = bars.map((b) => (b.value === null ? "—" : `${b.value.toFixed(1)}${unit}`));
  const category = { type: "category", inverse: true, axisTick: { show: false }, axisLine: { show: false } };
  return render(
    {
      grid: { left: 8, right: 8, top: 30, bottom: 28, containLabel: true },
      xAxis: {
        type: "value",
        min: 0,
        max: 100,
        axisLabel: { formatter: `{value}${unit}` },
        splitLine: { lineStyle: { color: "#e3e7ea" } },
      },
      yAxis: [
        { ...category, data: names, axisLabel: { color: "#1d2327" } },
        { ...category, data: values, position: "right", axisLabel: { color: "#1d2327", fontWeight: "bold" } },
      ],
      series: [
        {
          type: "bar",
          barWidth: 16,
          data: bars.map((b) => ({ value: b.value, itemStyle: { color: COLORS[b.status ?? "grey"] } })),
          markLine:
            target === null
              ? undefined
              : {
                  symbol: "none",
                  silent: true,
                  lineStyle: { color: "#1d2327", type: "dashed", width: 1.5 },
                  label: { formatter: `${target.toFixed(0)}${unit}`, position: "start" },
                  data: [{ xAxis: target }],
                },
        },
        {
          type: "custom",
          renderItem: (_params: unknown, api: { value: (i: number) => number; coord: (p: [number, number]) => [number, number] }) => {
            const [lowX, y] = api.coord([api.value(1), api.value(0)]);
            const [highX] = api.coord([api.value(2), api.value(0)]);
            const style = { stroke: "#1d2327", lineWidth: 1.2 };
            return {
              type: "group",
              children: [
                { type: "line", shape: { x1: lowX, y1: y, x2: highX, y2: y }, style },
                { type: "line", shape: { x1: lowX, y1: y - 5, x2: lowX, y2: y + 5 }, style },
                { type: "line", shape: { x1: highX, y1: y - 5, x2: highX, y2: y + 5 }, style },
              ],
            };
          },
          encode: { x: [1, 2], y: 0 },
          data: bars.filter((b) => b.value !== null).map((b) => [b.name, b.lower, b.upper]),
          z: 3,
        },
      ],
    } as Option,
    width,
    height,
    label,
  );
}

export type TrendPoint = { week: string; value: number | null; lower: number | null; upper: number | null };

/** A line of the weekly figure with its 95% interval as a band, and the target as a dashed line. */
export function trendChartSvg(input: {
  points: TrendPoint[];
  target: number | null;
  unit: string;
  label: string;
  width?: number;
  height?: number;
}): string {
  const { points, target, unit, label, width = 640, height = 280 } = input;
  const lows = points.flatMap((p) => (p.lower === null ? [] : [p.lower]));
  const min = Math.max(0, Math.floor((Math.min(target ?? 100, ...lows) - 5) / 10) * 10);
  return render(
    {
      grid: { left: 8, right: 48, top: 24, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: points.map((p) => p.week), boundaryGap: false, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", min, max: 100, axisLabel: { formatter: `{value}${unit}` }, splitLine: { lineStyle: { color: "#e3e7ea" } } },
      series: [
        {
          type: "line",
          stack: "interval",
          data: points.map((p) => p.lower),
          lineStyle: { opacity: 0 },
          symbol: "none",
          connectNulls: false,
        },
        {
          type: "line",
          stack: "interval",
          data: points.map((p) => (p.lower === null || p.upper === null ? null : p.upper - p.lower)),
          lineStyle: { opacity: 0 },
          areaStyle: { color: BAND },
          symbol: "none",
        },
        {
          type: "line",
          // Each value is labelled on the side away from the target line, and the last one ends at
          // its point: the target's label stands right of the plot, so the two never meet.
          data: points.map((p, i) => ({
            value: p.value,
            label: {
              position: target !== null && p.value !== null && p.value < target ? "bottom" : "top",
              ...(i === points.length - 1 && points.length > 1 ? { align: "right" } : {}),
            },
          })),
          lineStyle: { color: LINE, width: 2 },
          itemStyle: { color: LINE },
          symbolSize: 6,
          label: { show: true, formatter: (p: { value: unknown }) => (typeof p.value === "number" ? p.value.toFixed(1) : "") },
          markLine:
            target === null
              ? undefined
              : {
                  symbol: "none",
                  silent: true,
                  lineStyle: { color: "#1d2327", type: "dashed" },
                  label: { formatter: `${target}${unit}`, position: "end" },
                  data: [{ yAxis: target }],
                },
        },
      ],
    } as Option,
    width,
    height,
    label,
  );
}
