// Grants: the list (administrators: every grant, filtered by subject, collection, role and
// subject type; others: the grants that apply to them), remove, and the create wizard —
// pick the collection, then the role, then the subject (user, team or organization).

import { api, url } from '../api.js';
import {
  act, badge, button, card, confirm, control, h, messageArea, toast,
} from '../dom.js';
import { accountField, collectionField, pageHeader, pagedList } from '../components.js';

const TYPE_LABELS = { user: 'User', team: 'Team', org: 'Organization' };

function subjectBadge(subject) {
  return [badge(TYPE_LABELS[subject?.subject_type] || 'Subject', subject?.subject_type === 'user' ? 'neutral' : 'info'), ' ', subject?.name || '?'];
}

async function renderList(ctx) {
  const { me } = ctx;
  const roles = await api.get('/roles');
  const roleNames = Object.fromEntries(roles.map((r) => [r.id, r.name]));
  let subjects = {};
  let list;
  const filters = me.isAdmin ? [
    { name: 'subjectID', type: 'text', label: 'Subject', placeholder: 'user, org or org/team + Enter' },
    { name: 'objectID', label: 'Collection', build: () => collectionField(me, { label: 'Collection', name: 'objectID', hint: null, class: 'field-inline field-grow' }) },
    { name: 'roleID', label: 'Role', options: [{ value: '', label: 'Any role' }, ...roles.map((r) => ({ value: r.id, label: r.name }))] },
    { name: 'subjectType', label: 'Subject type', options: [{ value: '', label: 'Any' }, { value: 'user', label: 'Users' }, { value: 'team', label: 'Teams' }, { value: 'org', label: 'Organizations' }] },
  ] : [];
  list = pagedList({
    caption: 'Grants',
    filters,
    empty: me.isAdmin ? 'No grants match.' : 'No grant applies to you.',
    columns: [
      { label: 'Subject', render: (g) => subjectBadge(subjects[g.subjectID]) },
      { label: 'Role', render: (g) => h('a', { href: `#/roles/${encodeURIComponent(g.roleID)}` }, roleNames[g.roleID] || g.roleID) },
      { label: 'Collection', render: (g) => h('code', {}, g.collectionPath || g.objectID) },
      ...(me.isAdmin ? [{
        label: 'Actions',
        class: 'actions',
        render: (g) => button('Remove', {
          small: true,
          kind: 'danger',
          ariaLabel: `Remove ${roleNames[g.roleID] || g.roleID} on ${g.collectionPath} from ${subjects[g.subjectID]?.name}`,
          onClick: async () => {
            const who = subjects[g.subjectID]?.name || g.subjectID;
            if (!await confirm('Remove this grant?', `${who} loses ${roleNames[g.roleID] || g.roleID} on ${g.collectionPath}.`, 'Remove')) return;
            await act(async () => {
              await api.del(url`/collectionGrants/${g.subjectID}/${g.objectID}/${g.roleID}`);
              await list.refresh();
            }, 'Grant removed');
          },
        }),
      }] : []),
    ],
    async load(p) {
      const query = { ...p, showPaths: 1 };
      if (query.objectID && query.objectID.startsWith('/')) {
        query.objectID = (await api.get('/collectionByPath', { path: query.objectID })).id;
      }
      const page = await api.get('/collectionGrants', query);
      subjects = Object.fromEntries(page.subjects.map((s) => [s.id, s]));
      return { rows: page.grants, next: page.nextPageStart };
    },
  });
  const actions = me.isAdmin ? [button('Create grant', { kind: 'primary', onClick: () => ctx.go('#/grants/new') })] : [];
  ctx.root.append(pageHeader(me.isAdmin ? 'Grants' : 'My grants', {
    actions,
    description: me.isAdmin
      ? 'A grant gives a subject (user, team or organization) a role on a collection and everything below it.'
      : 'The grants that apply to you: yours, your teams\' and your organizations\'.',
  }), list.el);
  await list.reload();
}

async function renderNew(ctx) {
  const { me } = ctx;
  if (!me.isAdmin) {
    ctx.root.append(pageHeader('Create grant'), h('p', { class: 'message message-error' }, 'Only administrators may create grants.'));
    return;
  }
  const roles = await api.get('/roles');
  const message = messageArea();

  const collection = collectionField(me, { label: 'Collection', required: true, value: ctx.query.get('collection') || '' });
  const roleRadios = roles.map((r) => control(r.name, { type: 'radio', name: 'role', value: r.id }));
  const types = [['user', 'User'], ['org', 'Organization'], ['team', 'Team']].map(([value, label], i) => control(label, { type: 'radio', name: 'subjectType', value, checked: i === 0 }));
  const userName = accountField('User name', { filter: 'users', name: 'user' });
  const orgName = accountField('Organization name', { filter: 'orgs', name: 'org' });
  const teamSelect = control('Team in the organization', { type: 'select', name: 'team', options: [{ value: '', label: 'Choose the organization first' }] });
  const teamSet = h('div', {}, teamSelect.field);
  let teams = [];
  async function loadTeams() {
    const org = orgName.control.value.trim();
    teams = [];
    teamSelect.control.replaceChildren(h('option', { value: '' }, org ? 'Loading…' : 'Choose the organization first'));
    if (!org || subjectType() !== 'team') return;
    try {
      ({ teams } = await api.get(url`/accounts/${org}/teams`));
      teamSelect.control.replaceChildren(...(teams.length
        ? [h('option', { value: '' }, 'Choose a team'), ...teams.map((t) => h('option', { value: t.id }, t.name))]
        : [h('option', { value: '' }, `${org} has no teams`)]));
    } catch (error) {
      if (!error.sessionExpired) teamSelect.control.replaceChildren(h('option', { value: '' }, error.message));
    }
  }
  orgName.control.addEventListener('change', loadTeams);
  function subjectType() {
    return types.find((t) => t.control.checked)?.control.value;
  }
  function updateSubject() {
    const type = subjectType();
    userName.field.hidden = type !== 'user';
    orgName.field.hidden = type === 'user';
    teamSet.hidden = type !== 'team';
    if (type === 'team') loadTeams();
  }
  for (const t of types) t.control.addEventListener('change', updateSubject);
  updateSubject();

  const form = h('form', { novalidate: true },
    message.el,
    h('fieldset', {}, h('legend', {}, '1. Collection'),
      h('p', { class: 'muted' }, 'The grant applies to this collection and every collection below it.'), collection.field),
    h('fieldset', {}, h('legend', {}, '2. Role'), h('div', { class: 'form-grid' }, roleRadios.map((r) => r.field))),
    h('fieldset', {}, h('legend', {}, '3. Subject'),
      h('div', { class: 'form-grid', role: 'radiogroup', 'aria-label': 'Subject type' }, types.map((t) => t.field)),
      userName.field, orgName.field, teamSet),
    h('div', { class: 'form-actions' },
      button('Create grant', { type: 'submit', kind: 'primary' }),
      button('Cancel', { onClick: () => ctx.go('#/grants') })));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.hide();
    try {
      const path = collection.control.value.trim();
      if (!path) throw new Error('Choose a collection.');
      const role = roleRadios.find((r) => r.control.checked)?.control.value;
      if (!role) throw new Error('Choose a role.');
      const type = subjectType();
      let subjectId;
      let subjectName;
      if (type === 'team') {
        const team = teams.find((t) => t.id === teamSelect.control.value);
        if (!team) throw new Error('Choose the organization and the team.');
        subjectId = team.id;
        subjectName = `${team.orgName}/${team.name}`;
      } else {
        const name = (type === 'user' ? userName : orgName).control.value.trim();
        if (!name) throw new Error(`Enter the ${type === 'user' ? 'user' : 'organization'} name.`);
        const account = await api.get(url`/accounts/${name}`);
        if (account.isOrg !== (type === 'org')) throw new Error(`${name} is ${account.isOrg ? 'an organization' : 'a user'}, not ${type === 'org' ? 'an organization' : 'a user'}.`);
        subjectId = account.id;
        subjectName = account.name;
      }
      const target = await api.get('/collectionByPath', { path });
      await api.put(url`/collectionGrants/${subjectId}/${target.id}/${role}`);
      toast(`Granted ${roles.find((r) => r.id === role)?.name} on ${target.path} to ${subjectName}`);
      ctx.go('#/grants');
    } catch (error) {
      if (!error.sessionExpired) message.show(error.message);
    }
  });
  ctx.root.append(pageHeader('Create grant', {
    crumbs: [['Grants', '#/grants']],
    description: 'Pick the collection, then the role, then who receives it.',
  }), card('New grant', form));
}

export default {
  title: 'Grants',
  async render(ctx) {
    if (ctx.params[0] === 'new') await renderNew(ctx);
    else await renderList(ctx);
  },
};
