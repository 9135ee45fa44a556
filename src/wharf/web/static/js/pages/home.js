// Overview: who you are, where to go, and whether Wharf is healthy. (The control-plane
// dashboard — nodes, services — will extend this page.)

import { request } from '../api.js';
import { badge, card, h } from '../dom.js';
import { pageHeader } from '../components.js';
import { NAVIGATION } from '../nav.js';

const BLURBS = {
  repositories: 'Browse, create and share image repositories; inspect tags and layers.',
  users: 'Create users, make administrators, deactivate accounts.',
  orgs: 'Organizations, their owners, teams and team members.',
  roles: 'Built-in and custom roles: sets of operations.',
  collections: 'The collection tree that groups cluster resources.',
  grants: 'Who may do what, where: subject + role + collection.',
  explain: 'Why a user may or may not perform an operation.',
  settings: 'Sessions, account lockout, new-user role, registry.',
  ldap: 'Directory servers, user search, sync.',
};

export default {
  title: 'Overview',
  async render(ctx) {
    const { me } = ctx;
    const health = h('dd', {}, 'checking…');
    ctx.root.append(
      pageHeader(`Welcome, ${me.fullName || me.name}`, {
        description: 'Wharf — trusted registry and access control for your swarm.',
      }),
      h('div', { class: 'tiles' },
        NAVIGATION.filter((e) => !e.hidden && e.id !== 'home' && (!e.admin || me.isAdmin)).map((e) => h('a', { class: 'tile', href: `#/${e.id}` },
          h('span', { class: 'tile-title' }, e.label),
          h('span', { class: 'tile-text' }, BLURBS[e.id] || '')))),
      h('div', { class: 'card-row' },
        card('Your account',
          h('dl', { class: 'facts' },
            h('dt', {}, 'Username'), h('dd', {}, me.name),
            h('dt', {}, 'Full name'), h('dd', {}, me.fullName || '—'),
            h('dt', {}, 'Role'), h('dd', {}, me.isAdmin ? badge('Administrator', 'info') : badge('User')),
            h('dt', {}, 'Source'), h('dd', {}, me.isImported ? 'LDAP' : 'Managed by Wharf')),
          h('p', {}, h('a', { href: '#/profile' }, 'Access tokens, password and default collection →'))),
        card('Health', h('dl', { class: 'facts' }, h('dt', {}, 'Registry and API'), health))));
    try {
      const body = await request('GET', '/_ping', { session: false, anonymous: true });
      health.replaceChildren(body?.Healthy ? badge('Healthy', 'success') : badge('Unhealthy', 'danger'));
    } catch (error) {
      health.replaceChildren(badge('Unhealthy', 'danger'), ' ', error.message);
    }
  },
};
