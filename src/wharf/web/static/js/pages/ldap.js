// LDAP (administrators): directory servers, user search configurations, just-in-time
// provisioning, the sync interval and admin sync; "Test login" with the settings on the
// screen (saved or not) and "Sync now" with the job's status.

import { api } from '../api.js';
import {
  button, card, control, date, h, messageArea,
} from '../dom.js';
import { pageHeader } from '../components.js';

const SERVER_FIELDS = [
  ['url', 'Server URL', 'text', 'ldaps://ldap.example.org'],
  ['domain', 'Domain (base DN it serves; empty for the default server)', 'text'],
  ['readerDN', 'Reader DN', 'text', 'cn=reader,dc=example,dc=org'],
  ['readerPassword', 'Reader password', 'password'],
  ['startTLS', 'Use StartTLS', 'checkbox'],
  ['tlsSkipVerify', 'Skip TLS verification (insecure)', 'checkbox'],
  ['noSimplePagination', 'The server does not support paged results', 'checkbox'],
  ['rootCerts', 'Trusted CA certificates (PEM)', 'textarea'],
];
const SEARCH_FIELDS = [
  ['baseDN', 'Base DN', 'text', 'ou=people,dc=example,dc=org'],
  ['usernameAttr', 'Username attribute', 'text', 'uid'],
  ['fullNameAttr', 'Full name attribute', 'text', 'cn'],
  ['filter', 'Filter', 'text', '(objectClass=inetOrgPerson)'],
  ['scopeSubtree', 'Search the subtree', 'checkbox'],
  ['matchGroup', 'Only members of a group', 'checkbox'],
  ['matchGroupDN', 'Group DN', 'text'],
  ['matchGroupMemberAttr', 'Group member attribute', 'text', 'member'],
  ['matchGroupIterate', 'Read the group members one by one', 'checkbox'],
];

/** A repeatable list of fieldsets ("Server 1", "Server 2", ...). */
function repeatable(noun, fields, items, hints = {}) {
  const container = h('div', { class: 'stack' });
  const entries = [];
  function add(values = {}) {
    const controls = {};
    const set = h('fieldset', {});
    const legend = h('legend', {});
    set.append(legend);
    const grid = h('div', { class: 'form-grid' });
    for (const [key, label, type, placeholder] of fields) {
      let hint = hints[key];
      if (key === 'readerPassword' && values.hasReaderPassword) hint = 'Stored; leave empty to keep it.';
      const c = control(label, {
        type, name: key, placeholder, hint,
        value: type === 'checkbox' || type === 'password' ? undefined : values[key] ?? '',
        checked: type === 'checkbox' ? !!values[key] : undefined,
        autocomplete: type === 'password' ? 'new-password' : undefined,
      });
      controls[key] = c.control;
      (type === 'textarea' ? set : grid).append(c.field);
    }
    set.insertBefore(grid, set.children[1]);
    const entry = { set, controls, values };
    set.append(h('div', { class: 'form-actions' }, button(`Remove ${noun.toLowerCase()}`, {
      small: true,
      kind: 'danger',
      onClick: () => {
        entries.splice(entries.indexOf(entry), 1);
        set.remove();
        renumber();
      },
    })));
    entries.push(entry);
    container.append(set);
    renumber();
    return entry;
  }
  function renumber() {
    entries.forEach((e, i) => {
      e.set.querySelector('legend').textContent = `${noun} ${i + 1}`;
    });
  }
  for (const item of items) add(item);
  return {
    el: h('div', {}, container, h('div', { class: 'form-actions' }, button(`Add ${noun.toLowerCase()}`, { onClick: () => add({})?.set.querySelector('input')?.focus() }))),
    values() {
      return entries.map(({ controls }) => {
        const out = {};
        for (const [key, , type] of fields) {
          const c = controls[key];
          if (type === 'checkbox') out[key] = c.checked;
          else if (type === 'password') {
            if (c.value) out[key] = c.value;
          } else out[key] = c.value.trim();
        }
        return out;
      });
    },
  };
}

function statusView(status) {
  if (!status || status.state === 'never') return h('p', { class: 'muted' }, 'No sync has run yet.');
  const result = status.result || {};
  const facts = [
    ['State', status.state],
    ['Trigger', status.trigger],
    ['Started', date(status.startedAt)],
    ['Finished', status.finishedAt ? date(status.finishedAt) : '—'],
  ];
  if (status.result) {
    facts.push(['Users found', result.usersFound], ['Created', result.created], ['Updated', result.updated],
      ['Deactivated', result.deactivated], ['Teams synced', result.teamsSynced], ['Errors', result.errors]);
  }
  if (status.progress && status.state === 'running') {
    facts.push(['Progress', Object.entries(status.progress).map(([k, v]) => `${k}: ${v}`).join(', ')]);
  }
  return h('div', {},
    h('dl', { class: 'facts', 'data-sync-state': status.state }, facts.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v ?? '—')])),
    status.error ? h('p', { class: 'message message-error' }, status.error) : null,
    (result.errorMessages || []).length ? h('ul', {}, result.errorMessages.map((m) => h('li', {}, m))) : null);
}

export default {
  title: 'LDAP',
  async render(ctx) {
    const [config, status] = await Promise.all([
      api.get('/api/ucp/config/auth/ldap'),
      api.get('/api/ucp/config/auth/ldap/sync'),
    ]);
    const message = messageArea();
    const enabled = control('Enable LDAP authentication', { type: 'checkbox', name: 'enabled', checked: config.enabled });
    const jit = control('Create accounts on first login (just-in-time provisioning)', { type: 'checkbox', name: 'jitUserProvisioning', checked: config.jitUserProvisioning });
    const interval = control('Sync interval (hours)', { type: 'number', name: 'syncIntervalHours', value: config.syncIntervalHours, min: 1 });
    const deactivate = control('Deactivate users the directory no longer has', { type: 'checkbox', name: 'deactivateMissingUsers', checked: config.deactivateMissingUsers });
    const servers = repeatable('Server', SERVER_FIELDS, config.servers);
    const searches = repeatable('User search', SEARCH_FIELDS, config.userSearchConfigs);
    const a = config.adminSyncOpts;
    const adminSync = control('Sync system administrators from LDAP', { type: 'checkbox', name: 'adminEnableSync', checked: a.enableSync });
    const adminGroup = control('Match group members', { type: 'radio', name: 'adminMode', value: 'group', checked: a.selectGroupMembers });
    const adminSearch = control('Match search results', { type: 'radio', name: 'adminMode', value: 'search', checked: !a.selectGroupMembers });
    const adminGroupDN = control('Admin group DN', { name: 'adminGroupDN', value: a.groupDN });
    const adminMemberAttr = control('Admin group member attribute', { name: 'adminGroupMemberAttr', value: a.groupMemberAttr });
    const adminBase = control('Admin search base DN', { name: 'adminSearchBaseDN', value: a.searchBaseDN });
    const adminFilter = control('Admin search filter', { name: 'adminSearchFilter', value: a.searchFilter });
    const adminSubtree = control('Search the subtree for admins', { type: 'checkbox', name: 'adminSearchScopeSubtree', checked: a.searchScopeSubtree });

    function settings() {
      return {
        enabled: enabled.control.checked,
        jitUserProvisioning: jit.control.checked,
        syncIntervalHours: Number(interval.control.value),
        deactivateMissingUsers: deactivate.control.checked,
        servers: servers.values(),
        userSearchConfigs: searches.values(),
        adminSyncOpts: {
          enableSync: adminSync.control.checked,
          selectGroupMembers: adminGroup.control.checked,
          groupDN: adminGroupDN.control.value.trim(),
          groupMemberAttr: adminMemberAttr.control.value.trim(),
          searchBaseDN: adminBase.control.value.trim(),
          searchFilter: adminFilter.control.value.trim(),
          searchScopeSubtree: adminSubtree.control.checked,
        },
      };
    }

    const form = h('form', { novalidate: true },
      message.el,
      card('General', enabled.field, jit.field, deactivate.field, interval.field),
      card('Servers', h('p', { class: 'muted' }, 'The first server is the default; others serve the domains (base DNs) they name.'), servers.el),
      card('User search configurations', h('p', { class: 'muted' }, 'Searched in order; the first that finds a username wins.'), searches.el),
      card('Admin sync',
        adminSync.field,
        h('fieldset', {}, h('legend', {}, 'How administrators are found'), adminGroup.field, adminSearch.field),
        h('div', { class: 'form-grid' }, adminGroupDN.field, adminMemberAttr.field, adminBase.field, adminFilter.field),
        adminSubtree.field),
      h('div', { class: 'form-actions' }, button('Save LDAP settings', { type: 'submit', kind: 'primary' })));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      message.hide();
      try {
        await api.put('/api/ucp/config/auth/ldap', settings());
        message.show('LDAP settings saved.', 'success');
      } catch (error) {
        if (!error.sessionExpired) message.show(error.message);
      }
      message.el.scrollIntoView({ block: 'center' });
    });

    // -- test login --
    const testMessage = messageArea();
    const testUser = control('Username', { name: 'testUser', autocomplete: 'off' });
    const testPassword = control('Password', { type: 'password', name: 'testPassword', autocomplete: 'off' });
    const testForm = h('form', { novalidate: true },
      h('p', { class: 'muted' }, 'Tries a login with the settings on this page, saved or not.'),
      testMessage.el, h('div', { class: 'form-grid' }, testUser.field, testPassword.field),
      h('div', { class: 'form-actions' }, button('Test login', { type: 'submit' })));
    testForm.addEventListener('submit', async (event) => {
      event.preventDefault();
      testMessage.hide();
      try {
        const r = await api.post('/api/ucp/config/auth/ldap/test', {
          username: testUser.control.value.trim(),
          password: testPassword.control.value,
          config: settings(),
        });
        if (r.ok) testMessage.show(`Login works: ${r.dn} (${r.fullName || r.username}) on ${r.server}.`, 'success');
        else testMessage.show(`Login fails: ${r.error}`);
      } catch (error) {
        if (!error.sessionExpired) testMessage.show(error.message);
      }
    });

    // -- sync --
    const syncMessage = messageArea();
    const statusArea = h('div', { 'aria-live': 'polite' }, statusView(status));
    const syncButton = button('Sync now', {
      onClick: async () => {
        syncMessage.hide();
        syncButton.disabled = true;
        try {
          const job = await api.post('/api/ucp/config/auth/ldap/sync');
          if (job.alreadyRunning) syncMessage.show('A sync is already running.', 'info');
          let current = job;
          while (ctx.isCurrent()) {
            current = await api.get('/api/ucp/config/auth/ldap/sync');
            statusArea.replaceChildren(statusView(current));
            if (current.state !== 'running') break;
            await new Promise((resolve) => setTimeout(resolve, 1000));
          }
        } catch (error) {
          if (!error.sessionExpired) syncMessage.show(error.message);
        } finally {
          syncButton.disabled = false;
        }
      },
    });

    ctx.root.append(
      pageHeader('LDAP', { crumbs: [['Admin settings', '#/settings']], description: 'Authenticate users against LDAP or Active Directory and keep accounts, admins and teams in sync.' }),
      h('div', { class: 'card-row' },
        card('Test login', testForm),
        card('Sync', h('p', { class: 'muted' }, 'Syncs run every interval while LDAP is enabled.'), syncMessage.el, statusArea,
          h('div', { class: 'form-actions' }, syncButton))),
      form);
  },
};
