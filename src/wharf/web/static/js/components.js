// Reusable pieces of the screens: page headers, server-paged lists, the collection tree
// and picker, and account name inputs with suggestions from the server.

import { api, url } from './api.js';
import {
  button, clear, control, debounce, dialog, emptyRow, h, messageArea, uid,
} from './dom.js';

/** The page title (h1) with optional breadcrumbs, description and actions. */
export function pageHeader(title, { crumbs = [], actions = [], description } = {}) {
  return h('div', { class: 'page-header' },
    crumbs.length
      ? h('nav', { 'aria-label': 'Breadcrumb', class: 'crumbs' },
        h('ol', {}, crumbs.map(([label, hash]) => h('li', {}, h('a', { href: hash }, label)))))
      : null,
    h('div', { class: 'page-title-row' },
      h('h1', {}, title),
      actions.length ? h('div', { class: 'page-actions' }, actions) : null),
    description ? h('p', { class: 'page-description' }, description) : null);
}

/**
 * A list paged and filtered by the server: `load({start, limit, contains, ...filters})`
 * returns {rows, next} where `next` is the API's nextPageStart ('' at the end).
 */
export function pagedList({
  caption, columns, load, search, filters = [], pageSize = 50, empty = 'Nothing to show', toolbar = [],
}) {
  const state = { start: 0, previous: [], next: '', request: 0 };
  const controls = [];
  let searchInput = null;
  if (search) {
    const c = control(search.label || 'Search', { type: 'search', placeholder: search.placeholder, class: 'field-inline field-grow', name: 'search' });
    searchInput = c.control;
    searchInput.addEventListener('input', debounce(() => reload(), 250));
    controls.push(c.field);
  }
  const filterControls = filters.map((f) => {
    const c = f.build ? f.build() : control(f.label, { type: f.type || 'select', options: f.options, value: f.value, class: 'field-inline', name: f.name, placeholder: f.placeholder });
    // Text filters apply on Enter or leaving the field (a half-typed name is no filter).
    c.control.addEventListener('change', () => reload());
    controls.push(c.field);
    return [f.name, c.control];
  });
  const size = control('Rows per page', {
    type: 'select', value: pageSize, class: 'field-inline', name: 'pageSize',
    options: [25, 50, 100, 200].map((n) => ({ value: n, label: String(n) })),
  });
  size.control.addEventListener('change', () => reload());

  const tbody = h('tbody', {});
  const summary = h('p', { class: 'pager-summary', 'aria-live': 'polite' });
  const message = messageArea();
  const prev = button('Previous', { small: true, onClick: () => go(state.previous.pop() ?? 0, false) });
  const next = button('Next', { small: true, onClick: () => go(Number(state.next), true) });
  const el = h('div', { class: 'paged-list' },
    h('div', { class: 'toolbar' }, controls, toolbar),
    message.el,
    h('div', { class: 'table-wrap' },
      h('table', { class: 'table' },
        h('caption', { class: 'sr-only' }, caption),
        h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.class }, c.label)))),
        tbody)),
    h('div', { class: 'pager' }, summary, size.field, h('div', { class: 'pager-buttons' }, prev, next)));

  function params() {
    const out = { start: state.start, limit: Number(size.control.value) };
    if (searchInput) out.contains = searchInput.value.trim();
    for (const [name, c] of filterControls) out[name] = c.value.trim();
    return out;
  }

  async function go(start, forward) {
    if (forward) state.previous.push(state.start);
    state.start = start;
    const id = ++state.request;
    prev.disabled = true;
    next.disabled = true;
    el.setAttribute('aria-busy', 'true');
    try {
      const { rows, next: nextStart } = await load(params());
      if (id !== state.request) return;
      message.hide();
      state.next = nextStart || '';
      clear(tbody).append(...(rows.length
        ? rows.map((row) => h('tr', {}, columns.map((c) => h('td', { class: c.class, 'data-label': c.label }, c.render(row)))))
        : [emptyRow(columns.length, empty)]));
      summary.textContent = rows.length
        ? `Showing ${state.start + 1}–${state.start + rows.length}${state.next ? '' : ` of ${state.start + rows.length}`}`
        : 'No results';
      prev.disabled = state.start === 0;
      next.disabled = !state.next;
    } catch (error) {
      if (id !== state.request || error.sessionExpired) return;
      clear(tbody).append(emptyRow(columns.length, 'Could not load the list'));
      message.show(error.message);
    } finally {
      if (id === state.request) el.removeAttribute('aria-busy');
    }
  }

  function reload() {
    state.previous = [];
    return go(0, false);
  }

  return { el, reload, refresh: () => go(state.start, false) };
}

/**
 * Pages of a list the Docker API returns whole (it has no paging; `docker service ls`
 * fetches everything too): only one page of rows is rendered, so a swarm with thousands
 * of services keeps a fast screen. `onChange` redraws; `page(rows, total, noun)` returns
 * the rows of the current page and updates the summary and buttons.
 */
export function localPager(onChange, pageSize = 50) {
  const state = { start: 0 };
  const prev = button('Previous', { small: true, onClick: () => { state.start = Math.max(0, state.start - pageSize); onChange(); } });
  const next = button('Next', { small: true, onClick: () => { state.start += pageSize; onChange(); } });
  const summary = h('p', { class: 'pager-summary', 'aria-live': 'polite' });
  return {
    el: h('div', { class: 'pager' }, summary, h('div', { class: 'pager-buttons' }, prev, next)),
    reset() { state.start = 0; },
    page(rows, total, noun) {
      if (state.start >= rows.length) state.start = Math.max(0, Math.floor((rows.length - 1) / pageSize) * pageSize);
      const shown = rows.slice(state.start, state.start + pageSize);
      const filtered = rows.length < total ? ` (filtered from ${total})` : '';
      summary.textContent = rows.length
        ? `Showing ${state.start + 1}–${state.start + shown.length} of ${rows.length} ${noun}${filtered}`
        : `No ${noun}${filtered}`;
      prev.disabled = state.start === 0;
      next.disabled = state.start + pageSize >= rows.length;
      return shown;
    },
  };
}

// -- collections ---------------------------------------------------------------------------------

/** The visible top of the collection tree: "/" for administrators; for others, the
 * highest collections they may see. */
async function treeRoots(me) {
  if (me.isAdmin) return [await api.get('/collectionByPath', { path: '/' })];
  const { collections } = await api.get('/collections', { limit: 1000 });
  const ids = new Set(collections.map((c) => c.id));
  return collections.filter((c) => !c.parent_ids.some((p) => ids.has(p)));
}

/**
 * The collection tree, expanded one level at a time ("View children"). `actions(node,
 * handle)` returns the buttons of a row; `handle.reload()` reloads that row's children and
 * `handle.reloadParent()` its parent's.
 */
export function collectionTree({ me, actions, label = 'Collections' }) {
  const list = h('ul', { class: 'tree', 'aria-label': label });
  const message = messageArea();
  const el = h('div', { class: 'tree-wrap' }, message.el, list);

  function node(collection, parentHandle) {
    const children = h('ul', { class: 'tree-children', hidden: true });
    const toggle = h('button', {
      type: 'button', class: 'tree-toggle', 'aria-expanded': 'false',
      'aria-label': `View children of ${collection.path}`, title: 'View children',
    }, h('span', { class: 'chevron', 'aria-hidden': 'true' }));
    const handle = {
      collection,
      open: false,
      async reload() {
        let kids;
        try {
          kids = await api.get(url`/collections/${collection.id}/children`);
        } catch (error) {
          if (!error.sessionExpired) message.show(error.message);
          return;
        }
        clear(children).append(...(kids.length
          ? kids.map((k) => node(k, handle).li)
          : [h('li', { class: 'tree-empty' }, 'No child collections')]));
        children.hidden = false;
        handle.open = true;
        toggle.setAttribute('aria-expanded', 'true');
        toggle.setAttribute('aria-label', `Hide children of ${collection.path}`);
      },
      reloadParent: () => (parentHandle ? parentHandle.reload() : load()),
    };
    toggle.addEventListener('click', () => {
      if (handle.open) {
        children.hidden = true;
        handle.open = false;
        toggle.setAttribute('aria-expanded', 'false');
        toggle.setAttribute('aria-label', `View children of ${collection.path}`);
      } else {
        handle.reload();
      }
    });
    const li = h('li', { class: 'tree-node', 'data-path': collection.path },
      h('div', { class: 'tree-row' },
        toggle,
        h('span', { class: 'tree-name' }, collection.name),
        h('span', { class: 'tree-path' }, collection.path),
        h('span', { class: 'tree-actions' }, actions ? actions(collection, handle) : null)),
      children);
    return { li, handle };
  }

  async function load() {
    try {
      const roots = (await treeRoots(me)).map((c) => node(c, null));
      message.hide();
      clear(list).append(...(roots.length
        ? roots.map((r) => r.li)
        : [h('li', { class: 'tree-empty' }, 'You have no grant on any collection yet.')]));
      // The top level starts open: one click less to anything useful.
      await Promise.all(roots.slice(0, 5).map((r) => r.handle.reload()));
    } catch (error) {
      if (!error.sessionExpired) message.show(error.message);
    }
  }

  return { el, load };
}

/** A collection path field with a "Browse…" button that picks from the tree. */
export function collectionField(me, {
  label = 'Collection', value = '', required = false, name = 'collection',
  hint = 'A collection path; use Browse to pick one.', class: className,
} = {}) {
  const c = control(label, { value, required, name, placeholder: '/Shared/...', hint, class: className });
  const browse = button('Browse…', {
    onClick: async () => {
      const picked = await pickCollection(me, `Choose a collection for "${label}"`);
      if (picked) {
        c.control.value = picked.path;
        c.control.dispatchEvent(new Event('input', { bubbles: true }));
        c.control.dispatchEvent(new Event('change', { bubbles: true }));
      }
      c.control.focus();
    },
  });
  const row = h('div', { class: 'input-row' });
  c.control.replaceWith(row);
  row.append(c.control, browse);
  return c;
}

export function pickCollection(me, title = 'Choose a collection') {
  return dialog({
    title,
    wide: true,
    build(body, done) {
      const tree = collectionTree({
        me,
        label: 'Collections to choose from',
        actions: (collection) => button('Choose', {
          small: true, kind: 'primary', ariaLabel: `Choose ${collection.path}`,
          onClick: () => done(collection),
        }),
      });
      body.append(tree.el);
      tree.load();
    },
  });
}

// -- accounts ------------------------------------------------------------------------------------

/** A name input suggesting accounts as you type (server-side `contains`). */
export function accountField(label, { filter = 'users', value = '', required = false, name = 'account', hint } = {}) {
  const listId = uid('accounts');
  const datalist = h('datalist', { id: listId });
  const c = control(label, { value, required, name, list: listId, hint, placeholder: 'Start typing a name' });
  c.field.append(datalist);
  let request = 0;
  c.control.addEventListener('input', debounce(async () => {
    const id = ++request;
    try {
      const { accounts } = await api.get('/accounts/', { filter, contains: c.control.value.trim(), limit: 10 });
      if (id !== request) return;
      clear(datalist).append(...accounts.map((a) => h('option', { value: a.name }, a.fullName || a.name)));
    } catch {
      // suggestions are optional
    }
  }, 200));
  return c;
}

/** A tab bar over panels: tabs [{id, label, render(panel)}]. */
export function tabs(items, selected) {
  const tablist = h('div', { role: 'tablist', class: 'tabs' });
  const panels = h('div', {});
  const buttons = [];
  const panelEls = [];
  items.forEach((item, i) => {
    const tabId = uid('tab');
    const panelId = uid('panel');
    const tab = h('button', { type: 'button', role: 'tab', id: tabId, 'aria-controls': panelId, class: 'tab' }, item.label);
    const panel = h('div', { role: 'tabpanel', id: panelId, 'aria-labelledby': tabId, class: 'tab-panel', tabindex: '0', hidden: true });
    tab.addEventListener('click', () => select(i));
    tab.addEventListener('keydown', (event) => {
      const delta = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (delta) {
        event.preventDefault();
        const j = (i + delta + items.length) % items.length;
        select(j);
        buttons[j].focus();
      }
    });
    buttons.push(tab);
    panelEls.push(panel);
    tablist.append(tab);
    panels.append(panel);
  });
  const rendered = new Set();
  function select(i) {
    buttons.forEach((b, j) => {
      b.setAttribute('aria-selected', String(i === j));
      b.tabIndex = i === j ? 0 : -1;
      panelEls[j].hidden = i !== j;
    });
    if (!rendered.has(i)) {
      rendered.add(i);
      items[i].render(panelEls[i]);
    }
  }
  select(Math.max(0, items.findIndex((t) => t.id === selected)));
  return h('div', { class: 'tabset' }, tablist, panels);
}
