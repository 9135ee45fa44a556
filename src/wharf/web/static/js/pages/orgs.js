// Organizations and teams: the list of organizations (search, paging), create (admins);
// an organization's members (with the owner flag) and teams; a team's members and its
// LDAP member sync.

import { api, url } from '../api.js';
import {
  act, badge, button, card, confirm, control, date, dialog, h, messageArea, table, toast,
} from '../dom.js';
import { accountField, pageHeader, pagedList, tabs } from '../components.js';

const enc = encodeURIComponent;

async function renderList(ctx) {
  const list = pagedList({
    caption: 'Organizations',
    search: { label: 'Search organizations', placeholder: 'Name or full name' },
    empty: 'No organizations.',
    columns: [
      { label: 'Organization', render: (a) => h('a', { href: `#/orgs/${enc(a.name)}` }, a.name) },
      { label: 'Full name', render: (a) => a.fullName || '—' },
      { label: 'Created', render: (a) => date(a.createdAt) },
    ],
    async load(p) {
      const page = await api.get('/accounts/', { ...p, filter: 'orgs' });
      return { rows: page.accounts, next: page.nextPageStart };
    },
  });
  const actions = ctx.me.isAdmin ? [button('Create organization', {
    kind: 'primary',
    onClick: async () => {
      const org = await dialog({
        title: 'Create organization',
        submitLabel: 'Create',
        build(body) {
          body.append(
            control('Organization name', { name: 'name', required: true, hint: 'Lower-case letters, digits and . _ - separators.' }).field,
            control('Full name', { name: 'fullName' }).field);
        },
        onSubmit: (f) => api.post('/accounts/', { name: f.elements.name.value.trim(), fullName: f.elements.fullName.value.trim(), isOrg: true }),
      });
      if (org) {
        toast(`Organization ${org.name} created`);
        ctx.go(`#/orgs/${enc(org.name)}`);
      }
    },
  })] : [];
  ctx.root.append(pageHeader('Organizations & teams', {
    actions,
    description: ctx.me.isAdmin ? 'Organizations group users; teams inside them receive grants and repository access.'
      : 'The organizations you belong to.',
  }), list.el);
  await list.reload();
}

// -- one organization ---------------------------------------------------------------------------

function membersPanel(ctx, org, manage) {
  return async (panel) => {
    const listArea = h('div', {});
    const message = messageArea();
    async function load() {
      const { members } = await api.get(url`/accounts/${org}/members`);
      listArea.replaceChildren(table([
        { label: 'Member', render: (m) => (ctx.me.isAdmin ? h('a', { href: `#/users/${enc(m.member.name)}` }, m.member.name) : m.member.name) },
        { label: 'Full name', render: (m) => m.member.fullName || '—' },
        { label: 'Owner', render: (m) => (m.isAdmin ? badge('Owner', 'info') : '—') },
        ...(manage ? [{
          label: 'Actions',
          class: 'actions',
          render: (m) => [
            button(m.isAdmin ? 'Remove owner' : 'Make owner', {
              small: true,
              ariaLabel: `${m.isAdmin ? 'Remove owner flag of' : 'Make owner'} ${m.member.name}`,
              onClick: () => act(async () => {
                await api.put(url`/accounts/${org}/members/${m.member.name}`, { isAdmin: !m.isAdmin });
                await load();
              }, `${m.member.name} updated`),
            }),
            button('Remove', {
              small: true,
              kind: 'danger',
              ariaLabel: `Remove ${m.member.name} from ${org}`,
              onClick: async () => {
                if (!await confirm(`Remove ${m.member.name}?`, `${m.member.name} leaves ${org} and all its teams.`, 'Remove')) return;
                await act(async () => {
                  await api.del(url`/accounts/${org}/members/${m.member.name}`);
                  await load();
                }, `${m.member.name} removed`);
              },
            }),
          ],
        }] : []),
      ], members, { caption: `Members of ${org}`, empty: 'No members yet.' }));
    }
    if (manage) {
      const who = accountField('User to add', { name: 'member', required: true });
      const owner = control('Owner', { type: 'checkbox', name: 'isAdmin', hint: 'Owners manage the organization, its teams and repositories.' });
      const form = h('form', { class: 'toolbar', novalidate: true },
        who.field, owner.field, button('Add member', { type: 'submit', kind: 'primary' }));
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        const name = who.control.value.trim();
        if (!name) {
          message.show('Enter the name of the user to add.');
          return;
        }
        message.hide();
        try {
          await api.put(url`/accounts/${org}/members/${name}`, { isAdmin: owner.control.checked });
          toast(`${name} added to ${org}`);
          who.control.value = '';
          owner.control.checked = false;
          await load();
        } catch (error) {
          if (!error.sessionExpired) message.show(error.message);
        }
      });
      panel.append(h('h2', { class: 'sr-only' }, 'Add a member'), message.el, form);
    }
    panel.append(listArea);
    await load().catch((error) => !error.sessionExpired && message.show(error.message));
  };
}

function teamsPanel(ctx, org, manage) {
  return async (panel) => {
    const listArea = h('div', {});
    const message = messageArea();
    async function load() {
      const { teams } = await api.get(url`/accounts/${org}/teams`);
      listArea.replaceChildren(table([
        { label: 'Team', render: (t) => h('a', { href: `#/orgs/${enc(org)}/teams/${enc(t.name)}` }, t.name) },
        { label: 'Description', render: (t) => t.description || '—' },
        { label: 'Members', render: (t) => (t.memberSync ? badge('Synced from LDAP', 'info') : 'Managed here') },
        ...(manage ? [{
          label: 'Actions',
          class: 'actions',
          render: (t) => button('Delete', {
            small: true,
            kind: 'danger',
            ariaLabel: `Delete team ${t.name}`,
            onClick: async () => {
              if (!await confirm(`Delete team ${t.name}?`, `The team ${org}/${t.name} and its grants and repository access are deleted.`)) return;
              await act(async () => {
                await api.del(url`/accounts/${org}/teams/${t.name}`);
                await load();
              }, `Team ${t.name} deleted`);
            },
          }),
        }] : []),
      ], teams, { caption: `Teams of ${org}`, empty: 'No teams yet.' }));
    }
    if (manage) {
      panel.append(h('div', { class: 'toolbar' }, button('Create team', {
        kind: 'primary',
        onClick: async () => {
          const team = await dialog({
            title: `Create a team in ${org}`,
            submitLabel: 'Create',
            build(body) {
              body.append(
                control('Team name', { name: 'name', required: true, hint: 'Lower-case letters, digits and . _ - separators.' }).field,
                control('Description', { name: 'description', type: 'textarea', rows: 2 }).field);
            },
            onSubmit: (f) => api.post(url`/accounts/${org}/teams`, { name: f.elements.name.value.trim(), description: f.elements.description.value.trim() }),
          });
          if (team) {
            toast(`Team ${team.name} created`);
            await load();
          }
        },
      })));
    }
    panel.append(message.el, listArea);
    await load().catch((error) => !error.sessionExpired && message.show(error.message));
  };
}

async function renderOrg(ctx, org) {
  const account = await api.get(url`/accounts/${org}`);
  if (!account.isOrg) {
    ctx.go(ctx.me.isAdmin ? `#/users/${enc(org)}` : '#/orgs');
    return;
  }
  const { members } = await api.get(url`/accounts/${org}/members`);
  const owner = members.some((m) => m.member.name === ctx.me.name && m.isAdmin);
  const manage = ctx.me.isAdmin || owner;
  const actions = ctx.me.isAdmin && org !== 'docker-datacenter' ? [button('Delete organization', {
    kind: 'danger',
    onClick: async () => {
      if (!await confirm(`Delete ${org}?`, `The organization ${org}, its teams and their grants are deleted. This cannot be undone.`)) return;
      await act(async () => {
        await api.del(url`/accounts/${org}`);
        ctx.go('#/orgs');
      }, `${org} deleted`);
    },
  })] : [];
  ctx.root.append(
    pageHeader(account.fullName ? `${account.fullName} (${org})` : org, {
      crumbs: [['Organizations & teams', '#/orgs']],
      actions,
      description: manage ? null : 'You are a member of this organization.',
    }),
    tabs([
      { id: 'teams', label: 'Teams', render: teamsPanel(ctx, org, manage) },
      { id: 'members', label: 'Members', render: membersPanel(ctx, org, manage) },
    ], ctx.query.get('tab') || 'teams'));
}

// -- one team ---------------------------------------------------------------------------------------

function syncForm(ctx, org, team) {
  const wrap = h('div', {}, h('p', { class: 'loading' }, 'Loading…'));
  (async () => {
    let config;
    try {
      config = await api.get(url`/accounts/${org}/teams/${team}/memberSyncConfig`);
    } catch (error) {
      if (!error.sessionExpired) wrap.replaceChildren(h('p', { class: 'message message-error' }, error.message));
      return;
    }
    const message = messageArea();
    const enable = control('Sync team members from LDAP', { type: 'checkbox', name: 'enableSync', checked: config.enableSync });
    const byGroup = control('Match group members', { type: 'radio', name: 'mode', value: 'group', checked: config.selectGroupMembers });
    const bySearch = control('Match search results', { type: 'radio', name: 'mode', value: 'search', checked: !config.selectGroupMembers });
    const groupDN = control('Group DN', { name: 'groupDN', value: config.groupDN, placeholder: 'cn=dev,ou=groups,dc=example,dc=org' });
    const memberAttr = control('Group member attribute', { name: 'groupMemberAttr', value: config.groupMemberAttr || 'member' });
    const baseDN = control('Search base DN', { name: 'searchBaseDN', value: config.searchBaseDN });
    const filter = control('Search filter', { name: 'searchFilter', value: config.searchFilter, placeholder: '(department=dev)' });
    const subtree = control('Search subtree instead of just one level', { type: 'checkbox', name: 'searchScopeSubtree', checked: config.searchScopeSubtree });
    const immediate = control('Immediately sync team members', { type: 'checkbox', name: 'immediateSync', checked: config.immediateSync });
    const groupSet = h('fieldset', {}, h('legend', {}, 'Group'), groupDN.field, memberAttr.field);
    const searchSet = h('fieldset', {}, h('legend', {}, 'Search'), baseDN.field, filter.field, subtree.field);
    const modeSet = h('fieldset', {}, h('legend', {}, 'How members are found'), byGroup.field, bySearch.field);
    function update() {
      const on = enable.control.checked;
      for (const el of [modeSet, groupSet, searchSet, immediate.field]) el.hidden = !on;
      groupSet.hidden = !on || !byGroup.control.checked;
      searchSet.hidden = !on || byGroup.control.checked;
    }
    for (const c of [enable, byGroup, bySearch]) c.control.addEventListener('change', update);
    update();
    const form = h('form', { novalidate: true }, message.el, enable.field, modeSet, groupSet, searchSet, immediate.field,
      h('div', { class: 'form-actions' }, button('Save sync settings', { type: 'submit', kind: 'primary' })));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      message.hide();
      try {
        const result = await api.put(url`/accounts/${org}/teams/${team}/memberSyncConfig`, {
          enableSync: enable.control.checked,
          selectGroupMembers: byGroup.control.checked,
          groupDN: groupDN.control.value.trim(),
          groupMemberAttr: memberAttr.control.value.trim(),
          searchBaseDN: baseDN.control.value.trim(),
          searchFilter: filter.control.value.trim(),
          searchScopeSubtree: subtree.control.checked,
          immediateSync: immediate.control.checked,
        });
        if (result.syncError) toast(`Saved, but the sync failed: ${result.syncError}`, 'error');
        else if (result.sync) toast(`Saved and synced: ${result.sync.added} added, ${result.sync.removed} removed, ${result.sync.members} members`);
        else toast('Sync settings saved');
        ctx.refresh();
      } catch (error) {
        if (!error.sessionExpired) message.show(error.message);
      }
    });
    wrap.replaceChildren(form);
  })();
  return wrap;
}

async function renderTeam(ctx, org, teamName) {
  const [team, { members: orgMembers }] = await Promise.all([
    api.get(url`/accounts/${org}/teams/${teamName}`),
    api.get(url`/accounts/${org}/members`),
  ]);
  const manage = ctx.me.isAdmin || orgMembers.some((m) => m.member.name === ctx.me.name && m.isAdmin);
  const message = messageArea();
  const listArea = h('div', {});
  async function load() {
    const { members } = await api.get(url`/accounts/${org}/teams/${teamName}/members`);
    listArea.replaceChildren(table([
      { label: 'Member', render: (m) => m.member.name },
      { label: 'Full name', render: (m) => m.member.fullName || '—' },
      { label: 'Status', render: (m) => (m.member.isActive ? badge('Active', 'success') : badge('Inactive', 'danger')) },
      ...(manage && !team.memberSync ? [{
        label: 'Actions',
        class: 'actions',
        render: (m) => button('Remove', {
          small: true,
          kind: 'danger',
          ariaLabel: `Remove ${m.member.name} from team ${teamName}`,
          onClick: () => act(async () => {
            await api.del(url`/accounts/${org}/teams/${teamName}/members/${m.member.name}`);
            await load();
          }, `${m.member.name} removed from ${teamName}`),
        }),
      }] : []),
    ], members, { caption: `Members of ${org}/${teamName}`, empty: 'No members yet.' }));
  }
  const membersCard = card('Members', message.el);
  if (manage && !team.memberSync) {
    const who = accountField('User to add', { name: 'member', required: true, hint: 'Users who are not yet in the organization join it too.' });
    const form = h('form', { class: 'toolbar', novalidate: true }, who.field, button('Add member', { type: 'submit', kind: 'primary' }));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const name = who.control.value.trim();
      if (!name) {
        message.show('Enter the name of the user to add.');
        return;
      }
      message.hide();
      try {
        await api.put(url`/accounts/${org}/teams/${teamName}/members/${name}`, {});
        toast(`${name} added to ${teamName}`);
        who.control.value = '';
        await load();
      } catch (error) {
        if (!error.sessionExpired) message.show(error.message);
      }
    });
    membersCard.append(form);
  } else if (team.memberSync) {
    membersCard.append(h('p', { class: 'message message-info' }, 'This team\'s members are synced from LDAP.'));
  }
  membersCard.append(listArea);
  ctx.root.append(
    pageHeader(`Team ${teamName}`, {
      crumbs: [['Organizations & teams', '#/orgs'], [org, `#/orgs/${enc(org)}`]],
      description: team.description || null,
    }),
    membersCard,
    ctx.me.isAdmin ? card('LDAP member sync', syncForm(ctx, org, teamName)) : null);
  await load();
}

export default {
  title: 'Organizations & teams',
  async render(ctx) {
    const [org, sub, team] = ctx.params;
    if (org && sub === 'teams' && team) await renderTeam(ctx, org, team);
    else if (org) await renderOrg(ctx, org);
    else await renderList(ctx);
  },
};
