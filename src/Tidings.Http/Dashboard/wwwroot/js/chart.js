// A small live line chart in SVG: time on x (a fixed window ending now), values on y with
// "nice" ticks, one polyline per series, a legend showing the latest values, and a hover readout.
// The SVG's coordinate system follows the element's pixel width (ResizeObserver), so text stays
// crisp at any size instead of being scaled.

import { h, s, fill } from './dom.js';
import { clock } from './format.js';

const HEIGHT = 190;
const PAD = { left: 52, right: 12, top: 10, bottom: 24 };

const TICKS = 4;

/** The step between y ticks: 1, 2, 2.5 or 5 × 10^n; whole numbers only for counts. */
function niceStep(value, integer) {
  if (!(value > 0)) return integer ? 1 : 0.25;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const factor of integer && power < 10 ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10]) {
    const step = factor * power;
    if (value <= step && (!integer || step >= 1)) return step;
  }
  return integer ? Math.max(1, 10 * power) : 10 * power;
}

export class LineChart {
  /**
   * label: the chart's title; series: [{key, label}] (colour from the position);
   * format: value → text; integer: the values are counts (whole-number ticks);
   * the x axis spans the data, at least minWindowMs and at most maxWindowMs, ending at the
   * newest point, so a fresh chart is not a sliver at the right edge.
   */
  constructor({ label, series, format, integer = false, minWindowMs = 60 * 1000, maxWindowMs = 10 * 60 * 1000 }) {
    this.label = label;
    this.series = series;
    this.format = format;
    this.integer = integer;
    this.minWindowMs = minWindowMs;
    this.maxWindowMs = maxWindowMs;
    this.windowMs = minWindowMs;
    this.points = [];
    this.hoverIndex = -1;
    this.width = 600;

    this.svg = s('svg', { class: 'chart-svg', role: 'img', 'aria-label': label });
    this.legend = h('ul', { class: 'chart-legend' });
    this.el = h('figure', { class: 'chart' }, this.svg, this.legend);
    this.svg.addEventListener('pointermove', (event) => this.hover(event));
    this.svg.addEventListener('pointerleave', () => {
      this.hoverIndex = -1;
      this.render();
    });
    this.resizeObserver = new ResizeObserver((entries) => {
      const width = Math.round(entries[0].contentRect.width);
      if (width > 0 && width !== this.width) {
        this.width = width;
        this.render();
      }
    });
    this.resizeObserver.observe(this.svg);
  }

  /** points: [{t: ms, values: {key: number}}], oldest first. */
  update(points) {
    this.points = points;
    const span = points.length > 1 ? points[points.length - 1].t - points[0].t : 0;
    this.windowMs = Math.min(this.maxWindowMs, Math.max(this.minWindowMs, span));
    if (this.hoverIndex >= points.length) this.hoverIndex = -1;
    this.render();
  }

  dispose() {
    this.resizeObserver.disconnect();
  }

  hover(event) {
    if (this.points.length === 0) return;
    const rect = this.svg.getBoundingClientRect();
    const x = event.clientX - rect.left;
    let best = -1;
    let bestDistance = Infinity;
    this.points.forEach((point, i) => {
      const distance = Math.abs(this.xOf(point.t) - x);
      if (distance < bestDistance) {
        best = i;
        bestDistance = distance;
      }
    });
    if (best !== this.hoverIndex) {
      this.hoverIndex = best;
      this.render();
    }
  }

  xOf(t) {
    const end = this.points.length ? this.points[this.points.length - 1].t : Date.now();
    const start = end - this.windowMs;
    const plot = this.width - PAD.left - PAD.right;
    return PAD.left + ((t - start) / this.windowMs) * plot;
  }

  render() {
    const { width, points } = this;
    this.svg.setAttribute('viewBox', `0 0 ${width} ${HEIGHT}`);
    const end = points.length ? points[points.length - 1].t : Date.now();
    const visible = points.filter((p) => p.t >= end - this.windowMs);
    let max = 0;
    for (const p of visible) for (const series of this.series) max = Math.max(max, p.values[series.key] ?? 0);
    const step = niceStep(max / TICKS, this.integer);
    const top = step * TICKS;
    const plotHeight = HEIGHT - PAD.top - PAD.bottom;
    const yOf = (v) => PAD.top + plotHeight - (v / top) * plotHeight;

    const children = [];
    // Horizontal grid lines with their values.
    for (let i = 0; i <= TICKS; i += 1) {
      const value = step * i;
      const y = yOf(value);
      children.push(s('line', { class: 'chart-grid', x1: PAD.left, x2: width - PAD.right, y1: y, y2: y }));
      children.push(s('text', { class: 'chart-axis', x: PAD.left - 6, y: y + 4, 'text-anchor': 'end' }, this.format(value)));
    }
    // Time labels: the start of the window, the middle and now.
    for (const fraction of [0, 0.5, 1]) {
      const t = end - this.windowMs * (1 - fraction);
      const anchor = fraction === 0 ? 'start' : fraction === 1 ? 'end' : 'middle';
      children.push(s('text', { class: 'chart-axis', x: this.xOf(t), y: HEIGHT - 6, 'text-anchor': anchor }, clock(t)));
    }
    this.series.forEach((series, index) => {
      const coordinates = visible
        .filter((p) => typeof p.values[series.key] === 'number')
        .map((p) => `${this.xOf(p.t).toFixed(1)},${yOf(p.values[series.key]).toFixed(1)}`);
      if (coordinates.length > 1) {
        children.push(s('polyline', { class: `chart-line series-${index}`, points: coordinates.join(' ') }));
      } else if (coordinates.length === 1) {
        const [x, y] = coordinates[0].split(',');
        children.push(s('circle', { class: `chart-dot series-${index}`, cx: x, cy: y, r: 3 }));
      }
    });
    const shown = this.hoverIndex >= 0 ? points[this.hoverIndex] : points[points.length - 1];
    if (this.hoverIndex >= 0 && shown) {
      const x = this.xOf(shown.t);
      children.push(s('line', { class: 'chart-cursor', x1: x, x2: x, y1: PAD.top, y2: HEIGHT - PAD.bottom }));
    }
    if (points.length === 0) {
      children.push(s('text', { class: 'chart-empty', x: width / 2, y: HEIGHT / 2, 'text-anchor': 'middle' }, 'Waiting for data…'));
    }
    fill(this.svg, children);

    fill(this.legend, this.series.map((series, index) => h('li', null,
      h('span', { class: `swatch series-${index}`, 'aria-hidden': 'true' }),
      h('span', { class: 'legend-label' }, series.label),
      h('span', { class: 'legend-value' }, shown ? this.format(shown.values[series.key] ?? 0) : '—'))));
    if (this.hoverIndex >= 0 && shown) this.legend.append(h('li', { class: 'legend-time' }, clock(shown.t)));
  }
}
