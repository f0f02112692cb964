// The cold-chain temperature chart: an inline SVG drawn here (no charting library). Readings
// come from the events' sensorElementList (EPCIS 2.0 §7.3.6 sensor reports); the allowed
// range is the product's storage temperature from master data.
import { formatTime, t } from "./i18n.js";
import { s } from "./ui.js";

const W = 720;
const H = 240;
const M = { left: 48, right: 16, top: 16, bottom: 36 };

/** Celsius from a reading's value and UN/CEFACT unit (CEL, FAH, KEL); undefined otherwise. */
export function celsius(value, uom) {
  if (typeof value !== "number" || !Number.isFinite(value)) return undefined;
  if (uom === undefined || uom === "CEL") return value;
  if (uom === "FAH") return ((value - 32) * 5) / 9;
  if (uom === "KEL") return value - 273.15;
  return undefined;
}

const isTemperature = (type) => typeof type === "string" && /(^|[:/#-])Temperature$/.test(type);

/**
 * Temperature readings of a chain: from each step's decoded (proven) record when there is
 * one, else the step's sensor summary (min and max at the event time).
 */
export function temperatureReadings(steps, records) {
  const out = [];
  steps.forEach((step, i) => {
    const rec = records[i];
    const list = rec?.event?.sensorElementList;
    if (Array.isArray(list)) {
      for (const el of list) {
        const metaTime = el.sensorMetadata?.time;
        for (const r of el.sensorReport ?? []) {
          if (!isTemperature(r.type)) continue;
          const time = Date.parse(r.time ?? metaTime ?? rec.event.eventTime);
          for (const v of [r.value, r.minValue, r.maxValue, r.meanValue]) {
            const c = celsius(v, r.uom);
            if (c !== undefined && Number.isFinite(time)) out.push({ time, value: c, step: i });
          }
        }
      }
      return;
    }
    const sums = step.sensors ?? step.sensor ?? [];
    for (const sum of Array.isArray(sums) ? sums : [sums]) {
      if (!isTemperature(sum.type)) continue;
      const time = Date.parse(step.eventTime);
      for (const v of [sum.min, sum.max]) {
        const c = celsius(v, sum.uom);
        if (c !== undefined && Number.isFinite(time)) out.push({ time, value: c, step: i });
      }
    }
  });
  return out.sort((a, b) => a.time - b.time);
}

export function outside(v, range) {
  return (range?.min !== undefined && v < range.min) || (range?.max !== undefined && v > range.max);
}

/** Renders readings and the allowed range (either bound may be missing) as an SVG element. */
export function temperatureChart(readings, range) {
  const values = readings.map((r) => r.value);
  const bounds = [range?.min, range?.max].filter((v) => v !== undefined);
  let lo = Math.min(...values, ...bounds);
  let hi = Math.max(...values, ...bounds);
  if (lo === hi) {
    lo -= 1;
    hi += 1;
  }
  const pad = (hi - lo) * 0.1;
  lo -= pad;
  hi += pad;
  const t0 = readings[0].time;
  const t1 = readings[readings.length - 1].time;
  const span = t1 - t0 || 1;
  const x = (time) => M.left + ((time - t0) / span) * (W - M.left - M.right);
  const y = (v) => M.top + (1 - (v - lo) / (hi - lo)) * (H - M.top - M.bottom);
  const excursions = readings.filter((r) => outside(r.value, range)).length;

  const svg = s("svg", {
    viewBox: `0 0 ${W} ${H}`,
    class: "chart",
    role: "img",
    "aria-label": t("chart.title"),
    "data-readings": readings.length,
    "data-excursions": excursions,
  });
  // The allowed band, shaded (open-ended bounds reach the plot's edge).
  if (range !== undefined && (range.min !== undefined || range.max !== undefined)) {
    const top = y(range.max ?? hi);
    const bottom = y(range.min ?? lo);
    svg.append(
      s("rect", {
        class: "band",
        x: M.left,
        y: top,
        width: W - M.left - M.right,
        height: Math.max(0, bottom - top),
      }),
    );
  }
  // Y axis ticks: 5 steps.
  for (let i = 0; i <= 4; i++) {
    const v = lo + ((hi - lo) * i) / 4;
    svg.append(
      s("line", { class: "grid", x1: M.left, x2: W - M.right, y1: y(v), y2: y(v) }),
      s("text", { class: "tick", x: M.left - 6, y: y(v) + 4, "text-anchor": "end" }, `${v.toFixed(1)}°`),
    );
  }
  svg.append(
    s("text", { class: "tick", x: M.left, y: H - 10, "text-anchor": "start" }, formatTime(new Date(t0).toISOString())),
    s(
      "text",
      { class: "tick", x: W - M.right, y: H - 10, "text-anchor": "end" },
      formatTime(new Date(t1).toISOString()),
    ),
  );
  svg.append(
    s("polyline", {
      class: "trace",
      fill: "none",
      points: readings.map((r) => `${x(r.time).toFixed(1)},${y(r.value).toFixed(1)}`).join(" "),
    }),
  );
  for (const r of readings) {
    const bad = outside(r.value, range);
    svg.append(
      s(
        "circle",
        { class: bad ? "pt excursion" : "pt", cx: x(r.time), cy: y(r.value), r: bad ? 5 : 3 },
        s("title", {}, `${r.value.toFixed(1)} °C · ${formatTime(new Date(r.time).toISOString())}`),
      ),
    );
  }
  return { svg, excursions };
}
