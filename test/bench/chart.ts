import { parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { type Measured, median } from "./side-by-side";

/**
 * The side-by-side as an SVG: median time against archive size (left) and entry size (right),
 * one colour and shape per contender, one row per storage latency; log scales, since sizes and
 * times span three orders. Rendered headless by Vega (no canvas: text widths are estimated).
 */
export async function chartSvg(results: readonly Measured[]): Promise<string> {
  const values = results
    .filter((r) => r.times.length > 0)
    .flatMap((r) => {
      const common = {
        contender: r.contender,
        latency: `${r.latencyMs} ms per storage request`,
        scenario: r.scenario,
        ms: Math.max(median(r.times), 0.1),
      };
      return [
        { ...common, axis: "archive size", kib: r.archiveBytes / 1024 },
        { ...common, axis: "entry size", kib: r.entryBytes / 1024 },
      ];
    });
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    data: { values },
    facet: {
      row: { field: "latency", type: "nominal", title: null },
      column: { field: "axis", type: "nominal", title: null, sort: ["archive size", "entry size"] },
    },
    spec: {
      width: 300,
      height: 220,
      mark: { type: "point", filled: true, size: 70, opacity: 0.85 },
      encoding: {
        x: { field: "kib", type: "quantitative", scale: { type: "log" }, title: "KiB (log)" },
        y: { field: "ms", type: "quantitative", scale: { type: "log" }, title: "median ms (log)" },
        color: { field: "contender", type: "nominal", title: "contender", legend: { labelLimit: 400 } },
        shape: { field: "contender", type: "nominal" },
        tooltip: [{ field: "scenario" }, { field: "ms" }],
      },
    },
    resolve: { scale: { x: "independent" } },
    config: { background: "white" },
  };
  const view = new View(parse(compile(spec).spec), { renderer: "none" });
  return view.toSVG();
}
