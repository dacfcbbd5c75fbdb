// DOM construction without HTML parsing: every string becomes a text node, so text that came
// from the API (queue names, payloads, client properties) can never turn into markup.
// Nothing in the dashboard assigns innerHTML; the Content-Security-Policy forbids inline script.

const SVG_NS = 'http://www.w3.org/2000/svg';

// Keys set as element properties (live state) rather than attributes (initial state).
const PROPERTIES = new Set(['value', 'checked', 'selected', 'disabled', 'hidden', 'required', 'multiple', 'readOnly']);

/**
 * Creates an element. props: attributes, with special keys
 *   class, dataset (object), on (object of event handlers), text (textContent),
 *   and live properties (value, checked, disabled, hidden...); everything else is an attribute.
 * children: nodes, strings or numbers (as text), arrays (flattened), null/undefined/false (skipped).
 */
export function h(tag, props, ...children) {
  return build(document.createElement(tag), props, children);
}

/** Same as h for SVG elements; attributes only. */
export function s(tag, props, ...children) {
  return build(document.createElementNS(SVG_NS, tag), props, children);
}

function build(el, props, children) {
  if (props) {
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') el.setAttribute('class', Array.isArray(value) ? value.filter(Boolean).join(' ') : value);
      else if (key === 'dataset') Object.assign(el.dataset, value);
      else if (key === 'on') for (const [event, handler] of Object.entries(value)) el.addEventListener(event, handler);
      else if (key === 'text') el.textContent = String(value);
      else if (key === 'innerHTML') throw new Error('innerHTML is not allowed');
      else if (PROPERTIES.has(key)) el[key] = value;
      else el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

/** Appends children as h does (strings as text). */
export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replaces all children of el. */
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

let nextId = 0;
/** A document-unique id for label/for and aria-describedby pairs. */
export function uid(prefix = 'f') {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

/** A labelled form field: <div class="field"><label for=id>label</label>control hint</div>. */
export function field(label, control, hint) {
  if (!control.id) control.id = uid();
  let hintEl = null;
  if (hint) {
    hintEl = h('small', { class: 'hint', id: uid('hint') }, hint);
    control.setAttribute('aria-describedby', hintEl.id);
  }
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hintEl);
}

/** A checkbox with its label to the right. */
export function checkbox(label, props = {}) {
  const input = h('input', { type: 'checkbox', ...props });
  return { input, el: h('label', { class: 'check' }, input, ' ', label) };
}

/** A <select> from [value, label] pairs. */
export function select(options, props = {}) {
  return h('select', props, options.map(([value, label]) => h('option', { value }, label)));
}
