// What a reader sees in the server-rendered charts: labels that do not cover each other.
import { describe, expect, it } from "vitest";
import { trendChartSvg } from "~/components/charts.server";

type Box = { text: string; left: number; right: number; top: number; bottom: number };

/** Text boxes of an ECharts SVG: position from translate() and y, width from the glyphs (CJK and digits ≈ 0.6 em wide or more). */
function textBoxes(svg: string): Box[] {
  return [...svg.matchAll(/<text([^>]*)>([^<]*)<\/text>/g)].map(([, attrs, text]) => {
    const size = Number(/font-size:(\d+(?:\.\d+)?)px/.exec(attrs)![1]);
    const [, tx, ty] = /translate\(([-\d.]+) ([-\d.]+)\)/.exec(attrs)!.map(Number);
    const y = ty + Number(/ y="([-\d.]+)"/.exec(attrs)?.[1] ?? 0);
    const width = [...text].reduce((w, ch) => w + (/[\u4e00-\u9fff]/.test(ch) ? 1 : 0.62) * size, 0);
    const anchor = /text-anchor="(\w+)"/.exec(attrs)?.[1] ?? "start";
    const left = anchor === "middle" ? tx - width / 2 : anchor === "end" ? tx - width : tx;
    return { text, left, right: left + width, top: y - size / 2, bottom: y + size / 2 };
  });
}

const overlap = (a: Box, b: Box) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

describe("trend chart", () => {
  it.each([85, 85.2, 84.8, 85.6, 84.1, 90, 70])("keeps the value labels clear of the target label (last week at %s%%)", (last) => {
    const points = [78, 82.5, 84.9, last].map((value, i) => ({
      week: `2026-W${40 + i}`,
      value,
      lower: value - 4,
      upper: Math.min(100, value + 4),
    }));
    const boxes = textBoxes(trendChartSvg({ points, target: 85, unit: "%", label: "满意率" }));
    const target = boxes.filter((b) => b.text === "85%" && b.left > 300);
    expect(target).toHaveLength(1);
    const values = boxes.filter((b) => /^\d+\.\d$/.test(b.text));
    expect(values).toHaveLength(4);
    for (const v of values) expect(overlap(v, target[0]), `${v.text} covers the target label`).toBe(false);
  });
});
