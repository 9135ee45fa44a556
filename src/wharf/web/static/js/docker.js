// The Docker Engine API as the UI sees it: /docker/v1.41/... on this origin, with the
// session token, through the same authorization as the TLS Docker endpoint (lists hold
// only what the user may see; refusals are 403 {"message": "access denied: ..."}).
// Shared by the dashboard, Services and Nodes.

import { api, url } from './api.js';
import { badge, h } from './dom.js';

export const DOCKER = '/docker/v1.41';
export const ACCESS_LABEL = 'com.docker.ucp.access.label';

export const docker = {
  get: (path, query) => api.get(DOCKER + path, query),
  post: (path, body, query) => api.post(DOCKER + path, body, { query }),
  del: (path) => api.del(DOCKER + path),
};

/** `filters` query parameter of the Docker API: {service: ['web']} → JSON. */
export function filters(values) {
  return JSON.stringify(values);
}

export function listServices() {
  return docker.get('/services');
}

export function listNodes() {
  return docker.get('/nodes');
}

export function listTasks(values = {}) {
  return docker.get('/tasks', Object.keys(values).length ? { filters: filters(values) } : undefined);
}

export function inspectService(id) {
  return docker.get(url`/services/${id}`);
}

// -- reading objects ------------------------------------------------------------------------------

/** A node's collection: its access label, or where the control plane files nodes
 * without one (managers in /System, workers in /Shared). */
export function nodeCollection(node) {
  const label = node?.Spec?.Labels?.[ACCESS_LABEL];
  if (label) return label;
  return node?.Spec?.Role === 'manager' ? '/System' : '/Shared';
}

export function serviceCollection(service) {
  return service?.Spec?.Labels?.[ACCESS_LABEL] || '—';
}

export function hostname(node) {
  return node?.Description?.Hostname || node?.ID?.slice(0, 12) || '?';
}

/** The image without the digest the engine may have pinned (name:tag@sha256:...). */
export function imageName(service) {
  const image = service?.Spec?.TaskTemplate?.ContainerSpec?.Image || '';
  return image.split('@')[0] || '—';
}

export function serviceMode(service) {
  const mode = service?.Spec?.Mode || {};
  if (mode.Global) return 'global';
  if (mode.ReplicatedJob) return 'replicated job';
  if (mode.GlobalJob) return 'global job';
  return 'replicated';
}

/** Replica counts per service id: running tasks (running and meant to run) over the
 * desired count (replicated: the spec; global: the tasks meant to run). */
export function replicaCounts(services, tasks) {
  const counts = {};
  for (const s of services) counts[s.ID] = { running: 0, desired: 0, scheduled: 0 };
  for (const t of tasks) {
    const c = counts[t.ServiceID];
    if (!c || t.DesiredState !== 'running') continue;
    c.scheduled += 1;
    if (t.Status?.State === 'running') c.running += 1;
  }
  for (const s of services) {
    const c = counts[s.ID];
    const replicated = s.Spec?.Mode?.Replicated;
    c.desired = replicated ? Number(replicated.Replicas ?? 0) : c.scheduled;
  }
  return counts;
}

export function replicasBadge(count) {
  const text = `${count.running}/${count.desired}`;
  const kind = count.desired === 0 ? 'neutral' : count.running >= count.desired ? 'success' : count.running ? 'warning' : 'danger';
  return h('span', { class: 'replicas', 'data-replicas': text }, badge(text, kind));
}

const STATE_KINDS = {
  running: 'success',
  ready: 'success',
  active: 'success',
  complete: 'success',
  new: 'info',
  pending: 'warning',
  assigned: 'info',
  accepted: 'info',
  preparing: 'info',
  starting: 'info',
  pause: 'warning',
  drain: 'warning',
  shutdown: 'neutral',
  orphaned: 'neutral',
  remove: 'neutral',
  down: 'danger',
  disconnected: 'danger',
  unknown: 'danger',
  failed: 'danger',
  rejected: 'danger',
};

export function stateBadge(state) {
  return badge(state || 'unknown', STATE_KINDS[state] || 'neutral');
}

/** "8080:80/tcp (host)" for each published port. */
export function portsText(service) {
  const ports = service?.Spec?.EndpointSpec?.Ports || [];
  if (!ports.length) return '—';
  return ports.map((p) => `${p.PublishedPort ?? '*'}:${p.TargetPort}/${p.Protocol || 'tcp'}${p.PublishMode === 'host' ? ' (host)' : ''}`).join(', ');
}

/** Every collection the user may see, by path (GET /collections, page by page). */
export async function visibleCollections() {
  const paths = [];
  let start = 0;
  for (let page = 0; page < 20; page += 1) {
    const answer = await api.get('/collections', { start, limit: 1000 });
    paths.push(...answer.collections.map((c) => c.path));
    if (!answer.nextPageStart) break;
    start = Number(answer.nextPageStart);
  }
  return paths;
}

/** The join command for a token, as `docker swarm join-token` prints it. */
export function joinCommand(token, address) {
  return `docker swarm join --token ${token} ${address}`;
}

/** The address new nodes join: a manager's from /info (Swarm.RemoteManagers), else
 * this node's address on the default port. */
export function managerAddress(info) {
  const swarm = info?.Swarm || {};
  const own = (swarm.RemoteManagers || []).find((m) => m.NodeID === swarm.NodeID);
  const any = own || (swarm.RemoteManagers || [])[0];
  if (any?.Addr) return any.Addr;
  return swarm.NodeAddr ? `${swarm.NodeAddr}:2377` : '<manager address>:2377';
}

/**
 * Runs `refresh` every `every` ms while the page is on screen — but not while a dialog is
 * open, the tab is hidden, `paused()` says so, or the focus is inside `area` (an element
 * or a list of them: what `refresh` rebuilds — a keyboard user keeps their place). Failures wait for the next round.
 */
export function poll(ctx, refresh, { every = 4000, area = [], paused = () => false } = {}) {
  const areas = [area].flat().filter(Boolean);
  async function tick() {
    if (!ctx.isCurrent()) return;
    const busy = document.hidden || paused() || document.querySelector('dialog[open]')
      || areas.some((a) => a.contains(document.activeElement));
    if (!busy) {
      try {
        await refresh();
      } catch {
        // shown by the next successful round, or by the page's own message
      }
    }
    if (ctx.isCurrent()) setTimeout(tick, every);
  }
  setTimeout(tick, every);
}
