// The dashboard (the landing page): the swarm's nodes and services with their running /
// desired replicas, the health of the control plane and of the registry, recent access
// denials (administrators), and the way to every other screen.
//
// Everything comes from public APIs: the Docker API at /docker/v1.41 (lists already
// filtered to what the user may see), /_ping, and /api/audit?denied=true (admins).

import { request, api } from '../api.js';
import {
  badge, button, card, date, h, table,
} from '../dom.js';
import { pageHeader } from '../components.js';
import {
  docker, hostname, imageName, listNodes, listServices, listTasks, nodeCollection, poll,
  replicaCounts, replicasBadge, serviceCollection, stateBadge,
} from '../docker.js';
import { NAVIGATION } from '../nav.js';

const BLURBS = {
  services: 'Deploy, scale and remove swarm services; see their tasks.',
  nodes: 'The swarm\'s managers and workers; join commands for new nodes.',
  repositories: 'Browse, create and share image repositories; inspect tags and layers.',
  users: 'Create users, make administrators, deactivate accounts.',
  orgs: 'Organizations, their owners, teams and team members.',
  roles: 'Built-in and custom roles: sets of operations.',
  collections: 'The collection tree that groups cluster resources.',
  grants: 'Who may do what, where: subject + role + collection.',
  explain: 'Why a user may or may not perform an operation.',
  settings: 'Sessions, scheduler, logging, audit log, registry.',
  ldap: 'Directory servers, user search, sync.',
};

// How many rows of a list the dashboard shows before "View all".
const MAX_ROWS = 10;

/** `/_ping`'s problems ("database: ...; storage: ...; engine: ...") by component. */
function problems(error) {
  const parts = String(error || '').split('; ').filter(Boolean);
  return {
    engine: parts.filter((p) => p.startsWith('engine:')),
    registry: parts.filter((p) => !p.startsWith('engine:')),
  };
}

function healthRow(label, status, detail) {
  const kinds = { Healthy: 'success', Unhealthy: 'danger', Degraded: 'warning', Unknown: 'neutral' };
  return [
    h('dt', {}, label),
    h('dd', { 'data-health': label }, badge(status, kinds[status] || 'neutral'),
      detail ? h('span', { class: 'health-detail' }, ' ', detail) : null),
  ];
}

function more(total, shown, hash, what) {
  if (total <= shown) return null;
  return h('p', { class: 'card-more' }, h('a', { href: hash }, `View all ${total} ${what} →`));
}

/** Replaces an element's children, skipping the absent ones. */
function fill(el, ...nodes) {
  el.replaceChildren(...nodes.filter((n) => n !== null && n !== undefined));
}

function statTile(label, value, detail, hash) {
  return h(hash ? 'a' : 'div', { class: 'stat', href: hash },
    h('span', { class: 'stat-label' }, label),
    h('span', { class: 'stat-value' }, value),
    h('span', { class: 'stat-detail' }, detail));
}

export default {
  title: 'Dashboard',
  async render(ctx) {
    const { me } = ctx;
    const stats = h('div', { class: 'stats', 'aria-live': 'polite' });
    const health = h('dl', { class: 'facts health' }, healthRow('Control plane', 'Unknown', 'checking…'), healthRow('Registry and API', 'Unknown', 'checking…'));
    const nodesArea = h('div', {}, h('p', { class: 'loading' }, 'Loading…'));
    const servicesArea = h('div', {}, h('p', { class: 'loading' }, 'Loading…'));
    const denialsArea = h('div', {}, h('p', { class: 'loading' }, 'Loading…'));
    const updated = h('span', { class: 'muted updated' });
    const refresh = button('Refresh', { onClick: () => load() });

    ctx.root.append(
      pageHeader(`Welcome, ${me.fullName || me.name}`, {
        description: me.isAdmin
          ? 'Your swarm at a glance: nodes, services, health and recent access denials.'
          : 'The nodes and services you may see, and the health of Wharf.',
        actions: [updated, refresh],
      }),
      stats,
      h('div', { class: 'card-row' },
        card('Health', health),
        card('Your account',
          h('dl', { class: 'facts' },
            h('dt', {}, 'Username'), h('dd', {}, me.name),
            h('dt', {}, 'Full name'), h('dd', {}, me.fullName || '—'),
            h('dt', {}, 'Role'), h('dd', {}, me.isAdmin ? badge('Administrator', 'info') : badge('User')),
            h('dt', {}, 'Source'), h('dd', {}, me.isImported ? 'LDAP' : 'Managed by Wharf')),
          h('p', {}, h('a', { href: '#/profile' }, 'Client bundles, access tokens, password and default collection →')))),
      card('Nodes', nodesArea),
      card('Services', servicesArea),
      me.isAdmin ? card('Recent access denials', denialsArea) : null,
      h('h2', { class: 'section-title' }, 'Go to'),
      h('div', { class: 'tiles' },
        NAVIGATION.filter((e) => !e.hidden && e.id !== 'home' && (!e.admin || me.isAdmin)).map((e) => h('a', { class: 'tile', href: `#/${e.id}` },
          h('span', { class: 'tile-title' }, e.label),
          h('span', { class: 'tile-text' }, BLURBS[e.id] || '')))));

    async function load() {
      // One batch of requests, all at once (nothing waits on another).
      const settle = (promise) => promise.then((value) => ({ value }), (error) => ({ error }));
      const ping = await settle(request('GET', '/_ping', { session: false, anonymous: true }));
      // A server without the Docker API (no --docker-listen) has no swarm to show.
      const dockerOn = (ping.value || ping.error?.body || {}).DockerAPI !== false;
      const off = { error: { message: 'the Docker API is not enabled on this server' } };
      const [info, nodes, services, tasks, denials] = await Promise.all([
        dockerOn ? settle(docker.get('/info')) : Promise.resolve(off),
        dockerOn ? settle(listNodes()) : Promise.resolve(off),
        dockerOn ? settle(listServices()) : Promise.resolve(off),
        dockerOn ? settle(listTasks({ 'desired-state': ['running'] })) : Promise.resolve(off),
        me.isAdmin ? settle(api.get('/api/audit', { denied: 'true', limit: 20 })) : Promise.resolve(null),
      ]);
      if (!ctx.isCurrent()) return;
      if ([ping, info, nodes, services, tasks, denials].some((r) => r?.error?.sessionExpired)) return;

      // -- health ------------------------------------------------------------------------
      const found = problems(ping.error?.message);
      const pingDown = ping.error && ping.error.status === 0;
      let control;
      if (info.error) control = ['Unhealthy', info.error.message];
      else if (found.engine.length) control = ['Unhealthy', found.engine.join('; ')];
      else {
        const swarm = info.value?.Swarm || {};
        if (swarm.LocalNodeState !== 'active') {
          control = ['Degraded', `the engine is not in an active swarm (${swarm.LocalNodeState || 'unknown'})`];
        } else {
          const counts = swarm.Nodes !== undefined ? ` · ${swarm.Managers} manager(s), ${swarm.Nodes} node(s)` : '';
          control = ['Healthy', `swarm active${counts} · engine ${info.value?.ServerVersion || ''}`.trim()];
        }
      }
      let registry;
      if (pingDown) registry = ['Unknown', ping.error.message];
      else if (found.registry.length) registry = ['Unhealthy', found.registry.join('; ')];
      else if (ping.error && !found.engine.length) registry = ['Unhealthy', ping.error.message];
      else registry = ['Healthy', 'database and storage answer'];
      health.replaceChildren(...healthRow('Control plane', ...control), ...healthRow('Registry and API', ...registry));

      // -- nodes -----------------------------------------------------------------------------
      const nodeList = nodes.value || [];
      if (nodes.error) nodesArea.replaceChildren(h('p', { class: 'message message-error' }, nodes.error.message));
      else {
        nodeList.sort((a, b) => hostname(a).localeCompare(hostname(b)));
        fill(nodesArea, table([
          { label: 'Node', render: (n) => hostname(n) },
          { label: 'Role', render: (n) => [n.Spec?.Role || '—', n.ManagerStatus?.Leader ? [' ', badge('leader', 'info')] : null] },
          { label: 'Availability', render: (n) => stateBadge(n.Spec?.Availability) },
          { label: 'State', render: (n) => stateBadge(n.Status?.State) },
          { label: 'Collection', render: (n) => h('code', {}, nodeCollection(n)) },
        ], nodeList.slice(0, MAX_ROWS), { caption: 'Nodes', empty: 'No node you may see.' }),
        more(nodeList.length, MAX_ROWS, '#/nodes', 'nodes'));
      }

      // -- services ----------------------------------------------------------------------------
      const serviceList = services.value || [];
      const counts = replicaCounts(serviceList, tasks.value || []);
      if (services.error || tasks.error) {
        servicesArea.replaceChildren(h('p', { class: 'message message-error' }, (services.error || tasks.error).message));
      } else {
        serviceList.sort((a, b) => (a.Spec?.Name || '').localeCompare(b.Spec?.Name || ''));
        fill(servicesArea, table([
          { label: 'Service', render: (s) => h('a', { href: `#/services/${encodeURIComponent(s.ID)}` }, s.Spec?.Name || s.ID) },
          { label: 'Image', render: (s) => h('code', {}, imageName(s)) },
          { label: 'Replicas', render: (s) => replicasBadge(counts[s.ID]) },
          { label: 'Collection', render: (s) => h('code', {}, serviceCollection(s)) },
        ], serviceList.slice(0, MAX_ROWS), { caption: 'Services', empty: 'No service you may see.' }),
        more(serviceList.length, MAX_ROWS, '#/services', 'services'),
        h('p', {}, h('a', { href: '#/services/new' }, 'Create a service →')));
      }

      // -- denials -----------------------------------------------------------------------------
      if (denials) {
        if (denials.error) denialsArea.replaceChildren(h('p', { class: 'message message-error' }, denials.error.message));
        else {
          denialsArea.replaceChildren(table([
            { label: 'When', render: (e) => h('span', { class: 'nowrap' }, date(e.time)) },
            { label: 'User', render: (e) => e.user || '—' },
            { label: 'Operation', render: (e) => e.operations || `${e.method} ${e.path}` },
            { label: 'Collection', render: (e) => (e.collections ? h('code', {}, e.collections) : '—') },
            { label: 'Answer', render: (e) => [badge(String(e.status), e.status === 404 ? 'neutral' : 'danger'), ' ', e.message || ''] },
          ], denials.value.events || [], { caption: 'Recent access denials', empty: 'No access was denied recently.' }));
        }
      }

      // -- the numbers ----------------------------------------------------------------------------
      const ready = nodeList.filter((n) => n.Status?.State === 'ready').length;
      const running = Object.values(counts).reduce((sum, c) => sum + c.running, 0);
      const desired = Object.values(counts).reduce((sum, c) => sum + c.desired, 0);
      const converged = Object.values(counts).filter((c) => c.running >= c.desired).length;
      stats.replaceChildren(
        statTile('Nodes', nodes.error ? '—' : String(nodeList.length), nodes.error ? 'unavailable' : `${ready} ready`, '#/nodes'),
        statTile('Services', services.error ? '—' : String(serviceList.length), services.error ? 'unavailable' : `${converged} at their desired replicas`, '#/services'),
        statTile('Tasks running', tasks.error ? '—' : `${running}/${desired}`, 'running / desired replicas', '#/services'),
        statTile('Health', control[0] === 'Healthy' && registry[0] === 'Healthy' ? 'Healthy' : 'Attention', `control plane ${control[0].toLowerCase()}, registry ${registry[0].toLowerCase()}`));
      updated.textContent = `Updated ${new Date().toLocaleTimeString(undefined, { timeStyle: 'medium' })}`;
    }

    await load();
    poll(ctx, load, { every: 10000, area: [stats, nodesArea, servicesArea, denialsArea] });
  },
};
