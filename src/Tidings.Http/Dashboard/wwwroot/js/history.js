// The overview's history for the charts, kept in the page: one point per poll of /api/overview,
// the last ten minutes. Rates come from the API's "<counter>_details.rate" when present,
// otherwise from the difference between two polls of the counter. On the first poll, the API's
// sample lists (RabbitMQ's msg_rates_age / lengths_age "samples") seed the history when a
// broker provides them, so the chart is not empty after a reload.

import { num, pick } from './format.js';

export const WINDOW_MS = 10 * 60 * 1000;

/** Query parameters that ask RabbitMQ for ten minutes of samples every 5 seconds. */
export const SAMPLE_QUERY = { lengths_age: 600, lengths_incr: 5, msg_rates_age: 600, msg_rates_incr: 5 };

// The chart's series: key → how to read the rate or the value from an overview.
const DELIVER_PARTS = ['deliver', 'deliver_no_ack', 'get', 'get_no_ack'];

function counterOf(stats, key) {
  const direct = num(stats[key]);
  if (direct !== undefined || key !== 'deliver_get') return direct;
  const parts = DELIVER_PARTS.map((part) => num(stats[part])).filter((v) => v !== undefined);
  return parts.length ? parts.reduce((a, b) => a + b, 0) : undefined;
}

function reportedRateOf(stats, key) {
  const direct = num(pick(stats, `${key}_details.rate`));
  if (direct !== undefined || key !== 'deliver_get') return direct;
  const parts = DELIVER_PARTS.map((part) => num(pick(stats, `${part}_details.rate`))).filter((v) => v !== undefined);
  return parts.length ? parts.reduce((a, b) => a + b, 0) : undefined;
}

const RATES = { publish: 'publish', deliver: 'deliver_get', ack: 'ack' };
const LENGTHS = { ready: 'messages_ready', unacked: 'messages_unacknowledged' };

export class OverviewHistory {
  constructor() {
    this.points = [];
    this.lastCounters = null;
    this.lastTime = 0;
  }

  clear() {
    this.points = [];
    this.lastCounters = null;
    this.lastTime = 0;
  }

  /** Adds the point for an overview answer received at now (ms). */
  record(overview, now = Date.now()) {
    const stats = overview.message_stats && typeof overview.message_stats === 'object' ? overview.message_stats : {};
    if (this.points.length === 0) this.seed(overview, stats, now);
    const counters = {};
    const values = {};
    for (const [series, key] of Object.entries(RATES)) {
      counters[series] = counterOf(stats, key) ?? 0;
      let rate = reportedRateOf(stats, key);
      if (rate === undefined && this.lastCounters && now > this.lastTime) {
        rate = Math.max(0, (counters[series] - this.lastCounters[series]) / ((now - this.lastTime) / 1000));
      }
      values[series] = rate ?? 0;
    }
    for (const [series, key] of Object.entries(LENGTHS)) values[series] = num(pick(overview, `queue_totals.${key}`)) ?? 0;
    this.lastCounters = counters;
    this.lastTime = now;
    this.points.push({ t: now, values });
    while (this.points.length && this.points[0].t < now - WINDOW_MS) this.points.shift();
  }

  /** Builds past points from the API's sample lists, shifted so the newest sample is now. */
  seed(overview, stats, now) {
    const byTime = new Map();
    const put = (t, series, value) => {
      if (!byTime.has(t)) byTime.set(t, {});
      byTime.get(t)[series] = value;
    };
    let newest = 0;
    const samplesOf = (details) => {
      const samples = details && Array.isArray(details.samples) ? details.samples : [];
      const clean = samples
        .filter((s) => num(s?.sample) !== undefined && num(s?.timestamp) !== undefined)
        .sort((a, b) => a.timestamp - b.timestamp);
      for (const s of clean) newest = Math.max(newest, s.timestamp);
      return clean;
    };
    for (const [series, key] of Object.entries(RATES)) {
      const samples = samplesOf(stats[`${key}_details`]);
      for (let i = 1; i < samples.length; i += 1) {
        const seconds = (samples[i].timestamp - samples[i - 1].timestamp) / 1000;
        if (seconds > 0) put(samples[i].timestamp, series, Math.max(0, (samples[i].sample - samples[i - 1].sample) / seconds));
      }
    }
    for (const [series, key] of Object.entries(LENGTHS)) {
      for (const s of samplesOf(pick(overview, `queue_totals.${key}_details`))) put(s.timestamp, series, s.sample);
    }
    if (byTime.size === 0) return;
    // The newest sample is the broker's "now"; shifting keeps server and browser clocks apart.
    const shift = now - newest;
    const times = [...byTime.keys()].sort((a, b) => a - b).filter((t) => t < newest);
    for (const t of times) this.points.push({ t: t + shift, values: byTime.get(t) });
  }
}
