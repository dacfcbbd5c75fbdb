// A list of API objects as a sortable, filterable, paged table.
//
// It asks the API for one page, sorted and filtered by name (RabbitMQ's page, page_size, name,
// use_regex, sort, sort_reverse). A broker that pages answers {items, filtered_count, ...}; one
// that does not answers a plain array, and then filtering, sorting and paging happen here. In
// both cases the rows on screen are also sorted and filtered here, so a click on a header or a
// key in the filter box shows at once, before the next answer arrives.

import { h, fill, uid, select } from './dom.js';
import * as api from './api.js';

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Orders two present sort values: numbers numerically, text naturally ("q2" before "q10"). */
function compare(a, b) {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return collator.compare(String(a), String(b));
}

/** Sorts rows by a column; rows without a value come last in either direction. */
function sortRows(rows, column, reverse) {
  rows.sort((x, y) => {
    const a = column.value(x);
    const b = column.value(y);
    const aMissing = a === undefined || a === null;
    const bMissing = b === undefined || b === null;
    if (aMissing || bMissing) return aMissing === bMissing ? 0 : aMissing ? 1 : -1;
    return compare(a, b) * (reverse ? -1 : 1);
  });
}

export class ListView {
  /**
   * options:
   *   title, noun (plural, for "3 queues"),
   *   path(vhost) → segments under /api/ (vhost '' = all virtual hosts),
   *   columns: [{key, label, value(row) → sort value, cell(row) → node or text, numeric, wrap
   *              (long text that may wrap), sort (the API's sort field, default key),
   *              abbr (full header text when label is short)}],
   *   defaultSort: column key, defaultReverse,
   *   toolbar: extra nodes after the filter, below: nodes after the table (forms).
   */
  constructor(options) {
    this.options = options;
    this.columns = options.columns;
    this.sortKey = options.defaultSort ?? this.columns[0].key;
    this.reverse = options.defaultReverse ?? false;
    this.filter = '';
    this.regex = false;
    this.page = 1;
    this.pageSize = 100;
    this.vhost = '';
    this.items = [];
    this.paged = null;
    this.requestNumber = 0;

    const filterId = uid('filter');
    this.filterInput = h('input', {
      id: filterId, type: 'search', placeholder: 'Filter by name', autocomplete: 'off', spellcheck: 'false',
      on: { input: () => this.onFilter() },
    });
    this.regexInput = h('input', { type: 'checkbox', on: { change: () => this.onFilter() } });
    this.pageSizeSelect = select([['20', '20'], ['50', '50'], ['100', '100'], ['500', '500']], {
      on: { change: () => { this.pageSize = Number(this.pageSizeSelect.value); this.page = 1; this.refresh(); } },
    });
    this.pageSizeSelect.value = String(this.pageSize);
    const pageSizeId = uid('page-size');
    this.pageSizeSelect.id = pageSizeId;

    this.summary = h('p', { class: 'summary', 'aria-live': 'polite' });
    this.error = h('p', { class: 'inline-error', role: 'alert', hidden: true });
    this.headRow = h('tr');
    this.body = h('tbody');
    this.table = h('table', { class: 'data' },
      h('caption', { class: 'visually-hidden' }, options.title),
      h('thead', null, this.headRow),
      this.body);
    this.prev = h('button', { type: 'button', class: 'button', on: { click: () => this.goto(this.page - 1) } }, '‹ Previous');
    this.next = h('button', { type: 'button', class: 'button', on: { click: () => this.goto(this.page + 1) } }, 'Next ›');
    this.pageLabel = h('span', { class: 'page-label' });
    this.pager = h('nav', { class: 'pager', 'aria-label': `${options.title} pages`, hidden: true }, this.prev, this.pageLabel, this.next);

    this.el = h('section', { class: 'list' },
      h('div', { class: 'page-title' }, h('h1', null, options.title), this.summary),
      h('div', { class: 'toolbar' },
        h('div', { class: 'field inline' }, h('label', { for: filterId }, `Filter ${options.noun}`), this.filterInput),
        h('label', { class: 'check' }, this.regexInput, ' Regex'),
        h('div', { class: 'field inline' }, h('label', { for: pageSizeId }, 'Rows per page'), this.pageSizeSelect),
        options.toolbar ?? null),
      this.error,
      h('div', { class: 'table-scroll' }, this.table),
      this.pager,
      options.below ?? null);
    this.renderHead();
  }

  /** Shows only the virtual host vhost ('' = all) from the next refresh on. */
  setVhost(vhost) {
    if (vhost !== this.vhost) {
      this.vhost = vhost;
      this.page = 1;
    }
  }

  onFilter() {
    this.filter = this.filterInput.value;
    this.regex = this.regexInput.checked;
    this.page = 1;
    this.renderBody();
    clearTimeout(this.filterTimer);
    this.filterTimer = setTimeout(() => this.refresh(), 300);
  }

  goto(page) {
    this.page = Math.max(1, page);
    this.refresh();
  }

  sortBy(key) {
    if (this.sortKey === key) this.reverse = !this.reverse;
    else {
      this.sortKey = key;
      // Numbers are most interesting largest first; names alphabetically.
      this.reverse = Boolean(this.columns.find((c) => c.key === key)?.numeric);
    }
    this.renderHead();
    this.renderBody();
    if (this.paged) this.refresh();
  }

  renderHead() {
    fill(this.headRow, this.columns.map((column) => {
      const active = column.key === this.sortKey;
      const arrow = active ? (this.reverse ? ' ▼' : ' ▲') : '';
      return h('th', {
        scope: 'col',
        class: column.numeric ? 'num' : null,
        'aria-sort': active ? (this.reverse ? 'descending' : 'ascending') : null,
      }, h('button', {
        type: 'button', class: 'sort', title: column.abbr ? `Sort by ${column.abbr}` : `Sort by ${column.label}`,
        on: { click: () => this.sortBy(column.key) },
      }, column.abbr ? h('abbr', { title: column.abbr }, column.label) : column.label, h('span', { class: 'arrow', 'aria-hidden': 'true' }, arrow)));
    }));
  }

  /** The name filter as a predicate; an invalid regular expression filters nothing (and says so). */
  nameMatcher() {
    if (!this.filter) return () => true;
    if (this.regex) {
      try {
        const re = new RegExp(this.filter, 'i');
        this.filterInput.setCustomValidity('');
        return (name) => re.test(name);
      } catch {
        this.filterInput.setCustomValidity('Not a valid regular expression');
        return () => true;
      }
    }
    this.filterInput.setCustomValidity('');
    const needle = this.filter.toLowerCase();
    return (name) => name.toLowerCase().includes(needle);
  }

  /** The rows to show: filtered, sorted and (without server paging) cut to the page. */
  visibleRows() {
    const matches = this.nameMatcher();
    const column = this.columns.find((c) => c.key === this.sortKey) ?? this.columns[0];
    const rows = this.items.filter((row) => matches(String(row.name ?? '')));
    sortRows(rows, column, this.reverse);
    if (this.paged) return { rows, filtered: this.paged.filtered_count ?? rows.length, total: this.paged.total_count ?? rows.length, pages: Math.max(1, this.paged.page_count ?? 1) };
    const pages = Math.max(1, Math.ceil(rows.length / this.pageSize));
    if (this.page > pages) this.page = pages;
    const start = (this.page - 1) * this.pageSize;
    return { rows: rows.slice(start, start + this.pageSize), filtered: rows.length, total: this.items.length, pages };
  }

  renderBody() {
    const { rows, filtered, total, pages } = this.visibleRows();
    if (rows.length === 0) {
      fill(this.body, h('tr', null, h('td', { class: 'empty', colspan: this.columns.length },
        this.filter ? `No ${this.options.noun} match the filter.` : `No ${this.options.noun}.`)));
    } else {
      fill(this.body, rows.map((row) => h('tr', null, this.columns.map((column) => {
        const content = column.cell ? column.cell(row) : column.value(row);
        return h('td', { class: column.numeric ? 'num' : column.wrap ? 'wrap' : null, dataset: { col: column.key } },
          content instanceof Node ? content : String(content ?? '—'));
      }))));
    }
    const noun = this.options.noun;
    this.summary.textContent = filtered === total ? `${total} ${noun}` : `${filtered} of ${total} ${noun} match`;
    this.pager.hidden = pages <= 1;
    this.pageLabel.textContent = `Page ${this.page} of ${pages}`;
    this.prev.disabled = this.page <= 1;
    this.next.disabled = this.page >= pages;
  }

  async refresh() {
    const column = this.columns.find((c) => c.key === this.sortKey);
    const query = {
      page: this.page,
      page_size: this.pageSize,
      name: this.filter || undefined,
      use_regex: this.filter ? String(this.regex) : undefined,
      pagination: 'true',
      sort: column?.sort ?? this.sortKey,
      sort_reverse: String(this.reverse),
    };
    const number = ++this.requestNumber;
    try {
      const data = await api.get(api.apiPath(this.options.path(this.vhost), query));
      if (number !== this.requestNumber) return; // a newer request is under way
      if (Array.isArray(data)) {
        this.items = data;
        this.paged = null;
      } else if (data && Array.isArray(data.items)) {
        this.items = data.items;
        this.paged = data;
        if (typeof data.page === 'number') this.page = data.page;
      } else {
        throw new Error('Unexpected answer from the API');
      }
      this.error.hidden = true;
      this.renderBody();
    } catch (e) {
      if (number !== this.requestNumber || e.status === 401) return;
      if (e.status === 400 && this.page > 1) {
        // The list shrank under us ("page out of range"): back to the first page.
        this.page = 1;
        await this.refresh();
        return;
      }
      this.error.textContent = `Could not load ${this.options.noun}: ${e.message}`;
      this.error.hidden = false;
    }
  }
}
