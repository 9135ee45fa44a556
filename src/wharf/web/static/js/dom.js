// Small DOM helpers: every element is built with h(), never from HTML strings, so text
// from the API is always text. Form controls always come with a <label>.

let counter = 0;

/** A unique element id. */
export function uid(prefix = 'w') {
  counter += 1;
  return `${prefix}-${counter}`;
}

/**
 * h('button', {class: 'btn', on: {click}}, 'Save') — attributes, properties (`text`,
 * `value`, `checked`, `disabled`, ...), `dataset`, `on` (event listeners) and children
 * (strings, nodes, arrays; null/false/undefined are skipped).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'on') {
      for (const [event, handler] of Object.entries(value)) el.addEventListener(event, handler);
    } else if (key === 'dataset') {
      Object.assign(el.dataset, value);
    } else if (key === 'text') {
      el.textContent = value;
    } else if (key === 'class') {
      el.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
    } else if (['value', 'checked', 'disabled', 'selected', 'hidden', 'required', 'open',
      'indeterminate', 'multiple', 'readOnly'].includes(key)) {
      el[key] = value;
    } else if (key === 'for') {
      el.htmlFor = value;
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

// -- formatting ----------------------------------------------------------------------------

export function bytes(n) {
  if (n === null || n === undefined || Number.isNaN(Number(n))) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = Number(n);
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i += 1;
  }
  return i === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[i]}`;
}

export function date(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function shortDigest(digest) {
  if (!digest) return '—';
  const [algorithm, hex] = String(digest).split(':');
  return hex ? `${algorithm}:${hex.slice(0, 12)}` : digest;
}

// -- controls --------------------------------------------------------------------------------

/** A labelled control: returns {field, control}. `type` is an <input> type, 'select',
 * 'textarea' or 'checkbox'. */
export function control(label, options = {}) {
  const id = options.id || uid('f');
  const type = options.type || 'text';
  let el;
  if (type === 'select') {
    el = h('select', { id, name: options.name, required: options.required, disabled: options.disabled },
      (options.options || []).map((o) => optionEl(o, options.value)));
  } else if (type === 'textarea') {
    el = h('textarea', {
      id, name: options.name, rows: options.rows || 3, placeholder: options.placeholder,
      required: options.required, disabled: options.disabled, readOnly: options.readOnly,
    });
    el.value = options.value ?? '';
  } else if (type === 'checkbox' || type === 'radio') {
    el = h('input', {
      id, type, name: options.name, checked: !!options.checked, disabled: options.disabled,
      value: options.value,
    });
  } else {
    el = h('input', {
      id, type, name: options.name, placeholder: options.placeholder, required: options.required,
      autocomplete: options.autocomplete || 'off', min: options.min, max: options.max,
      disabled: options.disabled, readOnly: options.readOnly, list: options.list,
      minlength: options.minlength, spellcheck: 'false', inputmode: options.inputmode,
    });
    el.value = options.value ?? '';
  }
  if (options.describedBy) el.setAttribute('aria-describedby', options.describedBy);
  const hint = options.hint ? h('p', { class: 'hint', id: `${id}-hint` }, options.hint) : null;
  if (hint) el.setAttribute('aria-describedby', hint.id);
  let field;
  if (type === 'checkbox' || type === 'radio') {
    field = h('div', { class: ['field', 'field-check', options.class] },
      el, h('label', { for: id }, label), hint);
  } else {
    field = h('div', { class: ['field', options.class] },
      h('div', { class: 'label-line' }, h('label', { for: id }, label),
        options.required ? h('span', { class: 'req', 'aria-hidden': 'true', title: 'required' }, '*') : null),
      el, hint);
  }
  return { field, control: el };
}

function optionEl(o, selected) {
  if (o.group) {
    return h('optgroup', { label: o.group }, o.options.map((x) => optionEl(x, selected)));
  }
  const value = typeof o === 'object' ? o.value : o;
  const label = typeof o === 'object' ? o.label : o;
  return h('option', { value, selected: String(value) === String(selected ?? '') }, label);
}

export function button(text, options = {}) {
  return h('button', {
    type: options.type || 'button',
    class: ['btn', `btn-${options.kind || 'secondary'}`, options.small ? 'btn-small' : null, options.class],
    on: options.onClick ? { click: options.onClick } : undefined,
    disabled: options.disabled,
    'aria-label': options.ariaLabel,
    title: options.title,
    dataset: options.dataset,
  }, text);
}

export function link(text, hash, options = {}) {
  return h('a', { href: hash, class: options.class, title: options.title }, text);
}

export function badge(text, kind = 'neutral') {
  return h('span', { class: ['badge', `badge-${kind}`] }, text);
}

export function card(title, ...children) {
  const headingId = uid('card');
  return h('section', { class: 'card', 'aria-labelledby': headingId },
    h('h2', { id: headingId, class: 'card-title' }, title), ...children);
}

export function emptyRow(columns, text) {
  return h('tr', { class: 'empty' }, h('td', { colspan: columns }, text));
}

/** A table: columns [{label, render(row) → node|string, class}]. */
export function table(columns, rows, options = {}) {
  const body = h('tbody', {},
    rows.length ? rows.map((row) => h('tr', {},
      columns.map((c) => h('td', { class: c.class, 'data-label': c.label }, c.render(row)))))
      : emptyRow(columns.length, options.empty || 'Nothing to show'));
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'table' },
      options.caption ? h('caption', { class: 'sr-only' }, options.caption) : null,
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.class }, c.label)))),
      body));
}

/** An inline error/info message area, announced to screen readers. */
export function messageArea() {
  const el = h('div', { class: 'message', role: 'alert', hidden: true });
  return {
    el,
    show(text, kind = 'error') {
      el.className = `message message-${kind}`;
      el.textContent = text;
      el.hidden = false;
    },
    hide() {
      el.hidden = true;
      el.textContent = '';
    },
  };
}

// -- toasts and dialogs ------------------------------------------------------------------------

export function toast(text, kind = 'success') {
  const region = document.getElementById('toasts');
  if (!region) return;
  const el = h('div', { class: ['toast', `toast-${kind}`], role: kind === 'error' ? 'alert' : 'status' }, text);
  region.append(el);
  setTimeout(() => el.remove(), kind === 'error' ? 8000 : 4000);
}

/**
 * A modal dialog (native <dialog>: focus stays inside, Escape closes). `build(body,
 * close)` fills it; `onSubmit(form)` runs on submit and closes it unless it throws — the
 * error is then shown inside the dialog. Resolves with onSubmit's result, or null.
 */
export function dialog({ title, build, submitLabel = 'Save', danger = false, onSubmit, cancelLabel = 'Cancel', wide = false }) {
  return new Promise((resolve) => {
    const titleId = uid('dlg');
    const message = messageArea();
    const body = h('div', { class: 'dialog-body' });
    const submit = onSubmit
      ? button(submitLabel, { type: 'submit', kind: danger ? 'danger' : 'primary' })
      : null;
    const cancel = button(onSubmit ? cancelLabel : 'Close', { onClick: () => done(null) });
    const form = h('form', { method: 'dialog', class: 'dialog-form', novalidate: true },
      h('h2', { id: titleId, class: 'dialog-title' }, title),
      message.el, body,
      h('div', { class: 'dialog-actions' }, cancel, submit));
    const dlg = h('dialog', { class: ['dialog', wide ? 'dialog-wide' : null], 'aria-labelledby': titleId }, form);
    let finished = false;
    function done(value) {
      if (finished) return;
      finished = true;
      dlg.close();
      dlg.remove();
      resolve(value);
    }
    build?.(body, done);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (!onSubmit) {
        done(null);
        return;
      }
      if (!form.checkValidity()) {
        form.reportValidity();
        return;
      }
      submit.disabled = true;
      message.hide();
      try {
        done(await onSubmit(form));
      } catch (error) {
        if (error?.sessionExpired) {
          done(null);
          return;
        }
        message.show(error?.message || String(error));
        submit.disabled = false;
      }
    });
    dlg.addEventListener('cancel', (event) => {
      event.preventDefault();
      done(null);
    });
    document.body.append(dlg);
    dlg.showModal();
    const first = body.querySelector('input:not([type=hidden]):not([disabled]), select, textarea');
    (first || submit || cancel).focus();
  });
}

export function confirm(title, text, confirmLabel = 'Delete') {
  return dialog({
    title,
    build: (body) => body.append(h('p', {}, text)),
    submitLabel: confirmLabel,
    danger: true,
    onSubmit: async () => true,
  }).then((v) => v === true);
}

/** Runs an async UI action, reporting failures as a toast (session expiry is handled by
 * the app). */
export async function act(fn, success) {
  try {
    const result = await fn();
    if (success) toast(success);
    return result;
  } catch (error) {
    if (!error?.sessionExpired) toast(error?.message || String(error), 'error');
    return undefined;
  }
}

/** Debounce: fn runs `wait` ms after the last call. */
export function debounce(fn, wait = 250) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), wait);
  };
}
