// Users (administrators): the list with search and paging, create, and one user's page —
// edit full name / admin / active, reset the password, deactivate, delete, their grants.

import { api, url } from '../api.js';
import {
  act, badge, button, card, confirm, control, date, dialog, h, messageArea, table, toast,
} from '../dom.js';
import { pageHeader, pagedList } from '../components.js';

const FILTERS = [
  { value: 'users', label: 'All users' },
  { value: 'admins', label: 'Administrators' },
  { value: 'non-admins', label: 'Non-administrators' },
  { value: 'active-users', label: 'Active' },
  { value: 'inactive-users', label: 'Inactive' },
  { value: 'service-accounts', label: 'Service accounts' },
];

export function status(account) {
  return account.isActive ? badge('Active', 'success') : badge('Inactive', 'danger');
}

export function createUserDialog() {
  return dialog({
    title: 'Create user',
    submitLabel: 'Create',
    build(body) {
      body.append(
        control('Username', { name: 'name', required: true, hint: 'Lower-case letters, digits and . _ - separators.' }).field,
        control('Full name', { name: 'fullName' }).field,
        control('Password', { name: 'password', type: 'password', required: true, autocomplete: 'new-password', hint: 'At least 8 characters.' }).field,
        control('Is admin', { name: 'isAdmin', type: 'checkbox' }).field);
    },
    async onSubmit(form) {
      const f = form.elements;
      return api.post('/accounts/', {
        name: f.name.value.trim(),
        fullName: f.fullName.value.trim(),
        password: f.password.value,
        isAdmin: f.isAdmin.checked,
      });
    },
  });
}

async function renderList(ctx) {
  const list = pagedList({
    caption: 'Users',
    search: { label: 'Search users', placeholder: 'Name or full name' },
    filters: [{ name: 'filter', label: 'Show', options: FILTERS, value: 'users' }],
    empty: 'No users match.',
    columns: [
      { label: 'Username', render: (a) => h('a', { href: `#/users/${encodeURIComponent(a.name)}` }, a.name) },
      { label: 'Full name', render: (a) => a.fullName || '—' },
      { label: 'Role', render: (a) => (a.isAdmin ? badge('Admin', 'info') : a.isServiceAccount ? badge('Service account') : 'User') },
      { label: 'Status', render: status },
      { label: 'Source', render: (a) => (a.isImported ? 'LDAP' : 'Wharf') },
      { label: 'Created', render: (a) => date(a.createdAt) },
    ],
    async load(p) {
      const page = await api.get('/accounts/', p);
      return { rows: page.accounts, next: page.nextPageStart };
    },
  });
  const create = button('Create user', {
    kind: 'primary',
    onClick: async () => {
      const user = await createUserDialog();
      if (user) {
        toast(`User ${user.name} created`);
        list.reload();
      }
    },
  });
  ctx.root.append(pageHeader('Users', { actions: [create], description: 'Everyone who can log in to Wharf. Organizations are under Organizations & teams.' }), list.el);
  await list.reload();
}

async function renderUser(ctx, name) {
  const account = await api.get(url`/accounts/${name}`);
  if (account.isOrg) {
    ctx.go(`#/orgs/${encodeURIComponent(name)}`);
    return;
  }
  const self = account.name === ctx.me.name;
  const message = messageArea();
  const fullName = control('Full name', { name: 'fullName', value: account.fullName });
  const isAdmin = control('Is admin', { type: 'checkbox', name: 'isAdmin', checked: account.isAdmin, disabled: self, hint: self ? 'You cannot remove your own admin rights.' : undefined });
  const isActive = control('Active', { type: 'checkbox', name: 'isActive', checked: account.isActive, disabled: self, hint: 'An inactive user cannot log in; their sessions end.' });
  const form = h('form', { class: 'stack', novalidate: true },
    message.el, fullName.field, isAdmin.field, isActive.field,
    h('div', { class: 'form-actions' }, button('Save changes', { type: 'submit', kind: 'primary' })));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.hide();
    const changes = { fullName: fullName.control.value.trim() };
    if (!self) {
      changes.isAdmin = isAdmin.control.checked;
      changes.isActive = isActive.control.checked;
    }
    await act(async () => {
      await api.patch(url`/accounts/${name}`, changes);
      ctx.refresh();
    }, `Saved ${name}`);
  });

  const actions = [];
  if (!self) {
    actions.push(button(account.isActive ? 'Deactivate' : 'Activate', {
      onClick: () => act(async () => {
        await api.patch(url`/accounts/${name}`, { isActive: !account.isActive });
        ctx.refresh();
      }, account.isActive ? `${name} deactivated` : `${name} activated`),
    }));
    actions.push(button('Delete', {
      kind: 'danger',
      onClick: async () => {
        if (!await confirm(`Delete ${name}?`, `The account ${name}, its grants and tokens are deleted. This cannot be undone.`)) return;
        await act(async () => {
          await api.del(url`/accounts/${name}`);
          ctx.go('#/users');
        }, `${name} deleted`);
      },
    }));
  }
  if (!account.isImported) {
    actions.unshift(button('Set password', {
      onClick: async () => {
        const done = await dialog({
          title: `Set the password of ${name}`,
          build: (body) => body.append(control('New password', { type: 'password', name: 'password', required: true, autocomplete: 'new-password', hint: 'At least 8 characters.' }).field),
          async onSubmit(f) {
            await api.patch(url`/accounts/${name}`, { password: f.elements.password.value });
            return true;
          },
        });
        if (done) toast('Password changed');
      },
    }));
  }

  const grants = h('div', {}, h('p', { class: 'loading' }, 'Loading…'));
  ctx.root.append(
    pageHeader(account.fullName ? `${account.fullName} (${account.name})` : account.name, {
      crumbs: [['Users', '#/users']],
      actions,
    }),
    h('div', { class: 'card-row' },
      card('Account',
        h('dl', { class: 'facts' },
          h('dt', {}, 'Username'), h('dd', {}, account.name),
          h('dt', {}, 'Status'), h('dd', {}, status(account)),
          h('dt', {}, 'Role'), h('dd', {}, account.isAdmin ? badge('Administrator', 'info') : 'User'),
          h('dt', {}, 'Source'), h('dd', {}, account.isImported ? 'LDAP (password managed by the directory)' : 'Wharf'),
          h('dt', {}, 'Created'), h('dd', {}, date(account.createdAt)))),
      card('Edit', form)),
    card('Grants that apply to this user', grants));
  try {
    const [page, roles] = await Promise.all([
      api.get('/collectionGrants', { subjectID: account.id, expandUser: 1, showPaths: 1, limit: 200 }),
      api.get('/roles'),
    ]);
    const roleNames = Object.fromEntries(roles.map((r) => [r.id, r.name]));
    const subjects = Object.fromEntries(page.subjects.map((s) => [s.id, s]));
    grants.replaceChildren(table([
      { label: 'Through', render: (g) => `${subjects[g.subjectID]?.subject_type || ''} ${subjects[g.subjectID]?.name || g.subjectID}` },
      { label: 'Role', render: (g) => roleNames[g.roleID] || g.roleID },
      { label: 'Collection', render: (g) => h('code', {}, g.collectionPath || g.objectID) },
    ], page.grants, { caption: `Grants of ${name}`, empty: 'No grants.' }));
  } catch (error) {
    if (!error.sessionExpired) grants.replaceChildren(h('p', { class: 'message message-error' }, error.message));
  }
}

export default {
  title: 'Users',
  async render(ctx) {
    if (ctx.params[0]) await renderUser(ctx, ctx.params[0]);
    else await renderList(ctx);
  },
};
