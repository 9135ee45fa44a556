// Roles: the list, one role's operations grouped by resource type, and (administrators)
// a custom role built from the operations checklist. The catalogue of operations and
// sub-options is the built-in Full Control role, which holds every one of them.

import { api, url } from '../api.js';
import {
  act, badge, button, card, confirm, control, h, messageArea, table, toast,
} from '../dom.js';
import { pageHeader } from '../components.js';

const enc = encodeURIComponent;

function count(role) {
  return Object.values(role.operations).reduce((n, ops) => n + Object.keys(ops).length, 0);
}

export async function catalogue() {
  const roles = await api.get('/roles');
  const full = roles.find((r) => r.id === 'fullcontrol') || roles.find((r) => r.name === 'Full Control');
  return full ? full.operations : {};
}

async function renderList(ctx) {
  const roles = await api.get('/roles');
  const actions = ctx.me.isAdmin ? [button('Create role', { kind: 'primary', onClick: () => ctx.go('#/roles/new') })] : [];
  ctx.root.append(
    pageHeader('Roles', { actions, description: 'A role is a set of operations; a grant gives a role to a subject on a collection.' }),
    table([
      { label: 'Role', render: (r) => h('a', { href: `#/roles/${enc(r.id)}` }, r.name) },
      { label: 'Type', render: (r) => (r.system_role ? badge('Built-in', 'info') : badge('Custom')) },
      { label: 'Operations', class: 'num', render: (r) => String(count(r)) },
    ], roles, { caption: 'Roles' }));
}

async function renderRole(ctx, id) {
  const role = await api.get(url`/roles/${id}`);
  const actions = ctx.me.isAdmin && !role.system_role ? [button('Delete role', {
    kind: 'danger',
    onClick: async () => {
      if (!await confirm(`Delete ${role.name}?`, 'A role that grants still use cannot be deleted.')) return;
      await act(async () => {
        await api.del(url`/roles/${role.id}`);
        ctx.go('#/roles');
      }, `Role ${role.name} deleted`);
    },
  })] : [];
  const groups = Object.entries(role.operations);
  ctx.root.append(
    pageHeader(role.name, {
      crumbs: [['Roles', '#/roles']],
      actions,
      description: `${role.system_role ? 'Built-in' : 'Custom'} role with ${count(role)} operations.`,
    }),
    groups.length
      ? h('div', { class: 'checklist' }, groups.map(([type, ops]) => card(type,
        h('ul', { class: 'ops-list' }, Object.entries(ops).map(([op, subs]) => h('li', {}, op,
          subs.length ? h('span', { class: 'subs' }, ` — with ${subs.join(', ')}`) : null))))))
      : h('p', { class: 'message message-info' }, 'This role allows no operation.'));
}

async function renderNew(ctx) {
  if (!ctx.me.isAdmin) {
    ctx.root.append(pageHeader('Create role'), h('p', { class: 'message message-error' }, 'Only administrators may create roles.'));
    return;
  }
  const ops = await catalogue();
  const message = messageArea();
  const name = control('Role name', { name: 'name', required: true });
  const boxes = [];
  const groups = Object.entries(ops).map(([type, operations]) => {
    const all = control(`All ${type} operations`, { type: 'checkbox', name: `all-${type}` });
    const members = [];
    const items = Object.entries(operations).map(([op, subs]) => {
      const box = control(op, { type: 'checkbox', name: 'operation', value: op });
      box.control.dataset.type = type;
      const subBoxes = subs.map((sub) => {
        const s = control(sub, { type: 'checkbox', name: 'suboption', value: sub, disabled: true });
        s.control.setAttribute('aria-label', `${op}: ${sub}`);
        return s;
      });
      box.control.addEventListener('change', () => {
        for (const s of subBoxes) {
          s.control.disabled = !box.control.checked;
          if (!box.control.checked) s.control.checked = false;
        }
        syncAll();
      });
      const entry = { type, op, box, subBoxes };
      boxes.push(entry);
      members.push(entry);
      return h('div', {}, box.field,
        subBoxes.length ? h('div', { class: 'suboptions', role: 'group', 'aria-label': `Sub-options of ${op}` }, subBoxes.map((s) => s.field)) : null);
    });
    function syncAll() {
      const checked = members.filter((m) => m.box.control.checked).length;
      all.control.checked = checked === members.length;
      all.control.indeterminate = checked > 0 && checked < members.length;
    }
    all.control.addEventListener('change', () => {
      const on = all.control.checked;
      for (const m of members) {
        m.box.control.checked = on;
        m.box.control.dispatchEvent(new Event('change'));
      }
    });
    return h('fieldset', {}, h('legend', {}, type), all.field, items);
  });
  const form = h('form', { novalidate: true },
    message.el,
    card('Name', name.field),
    h('h2', {}, 'Operations'),
    h('p', { class: 'muted' }, 'Pick the operations this role allows, grouped by resource type. Sub-options (e.g. Host Bind Mounts) need their operation.'),
    h('div', { class: 'checklist' }, groups),
    h('div', { class: 'form-actions' },
      button('Create role', { type: 'submit', kind: 'primary' }),
      button('Cancel', { onClick: () => ctx.go('#/roles') })));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.hide();
    if (!name.control.value.trim()) {
      message.show('Give the role a name.');
      name.control.focus();
      return;
    }
    const operations = {};
    for (const { type, op, box, subBoxes } of boxes) {
      if (!box.control.checked) continue;
      operations[type] = operations[type] || {};
      operations[type][op] = subBoxes.filter((s) => s.control.checked).map((s) => s.control.value);
    }
    try {
      const role = await api.post('/roles', { name: name.control.value.trim(), operations });
      toast(`Role ${role.name} created`);
      ctx.go(`#/roles/${enc(role.id)}`);
    } catch (error) {
      if (!error.sessionExpired) {
        message.show(error.message);
        message.el.scrollIntoView({ block: 'center' });
      }
    }
  });
  ctx.root.append(pageHeader('Create role', { crumbs: [['Roles', '#/roles']] }), form);
}

export default {
  title: 'Roles',
  async render(ctx) {
    const [id] = ctx.params;
    if (id === 'new') await renderNew(ctx);
    else if (id) await renderRole(ctx, id);
    else await renderList(ctx);
  },
};
