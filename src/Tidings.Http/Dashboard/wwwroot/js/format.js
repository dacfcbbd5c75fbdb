// Number, size, rate and time formatting, plus safe reading of nested API fields.

const integer = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });
const precise = new Intl.NumberFormat('en', { maximumFractionDigits: 2 });

/** Reads a dotted path ("message_stats.publish_details.rate") from an object; undefined if absent. */
export function pick(object, path) {
  let value = object;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = value[key];
  }
  return value;
}

/** A finite number or undefined. */
export function num(value) {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** 12,345 (or an em dash when absent). */
export function count(value) {
  const n = num(value);
  return n === undefined ? '—' : integer.format(n);
}

/**
 * A rate per second: 0, 0.4, 12, 1,234. Missing is 0: the API leaves out the rates of counters
 * that never moved.
 */
export function rate(value) {
  const n = num(value) ?? 0;
  if (n === 0) return '0';
  return Math.abs(n) < 10 ? precise.format(n) : integer.format(n);
}

/** Bytes as B, KiB, MiB, GiB, TiB. */
export function bytes(value) {
  const n = num(value);
  if (n === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let unit = 0;
  while (Math.abs(v) >= 1024 && unit < units.length - 1) {
    v /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? integer.format(v) : decimal.format(v)} ${units[unit]}`;
}

/** A duration in milliseconds as "3d 4h", "5h 12m", "2m 5s", "40s". */
export function duration(ms) {
  const n = num(ms);
  if (n === undefined) return '—';
  let seconds = Math.max(0, Math.floor(n / 1000));
  const days = Math.floor(seconds / 86400);
  seconds -= days * 86400;
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  if (days) return `${days}d ${hours}h`;
  if (hours) return `${hours}h ${minutes}m`;
  if (minutes) return `${minutes}m ${seconds}s`;
  return `${seconds}s`;
}

/** A timestamp (ms since the epoch, or an ISO string) as local date and time. */
export function dateTime(value) {
  const date = typeof value === 'number' ? new Date(value) : typeof value === 'string' ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime())) return '—';
  return date.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'medium' });
}

/** A clock time "14:03:25" for chart axes. */
export function clock(ms) {
  return new Date(ms).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** true/false as "yes"/"no"; other values as text. */
export function yesNo(value) {
  if (value === true) return 'yes';
  if (value === false) return 'no';
  return value === undefined || value === null ? '—' : String(value);
}

/** Any API value as display text: strings as they are, others as compact JSON. */
export function text(value) {
  if (value === undefined || value === null) return '—';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** An exchange name for display: the default exchange "" is "(AMQP default)", as RabbitMQ shows it. */
export function exchangeName(name) {
  return name === '' ? '(AMQP default)' : name;
}

/** A number that is a percentage of a limit, clamped to 0..100; undefined without both. */
export function percent(used, limit) {
  const u = num(used);
  const l = num(limit);
  if (u === undefined || l === undefined || l <= 0) return undefined;
  return Math.min(100, Math.max(0, (u / l) * 100));
}
