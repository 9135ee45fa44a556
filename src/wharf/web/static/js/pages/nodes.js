// Nodes: the swarm's nodes the user may see — hostname, role, availability, state,
// address, engine, collection (the node's access label; nodes without one are in /System
// for managers and /Shared for workers) — filtered by hostname, 50 to a page.
// Administrators get "Add node": the manager and worker join commands with the swarm's
// join tokens.

import {
  badge, button, control, dialog, h, messageArea, table, toast,
} from '../dom.js';
import { localPager, pageHeader } from '../components.js';
import {
  docker, hostname, joinCommand, listNodes, managerAddress, nodeCollection, poll, stateBadge,
} from '../docker.js';

async function copy(text, what) {
  try {
    await navigator.clipboard.writeText(text);
    toast(`${what} copied`);
  } catch {
    toast('Select the command and copy it (the browser did not allow copying).', 'info');
  }
}

function commandBlock(title, help, command, testId) {
  return h('section', { class: 'join-command', 'data-join': testId },
    h('h3', {}, title),
    h('p', { class: 'hint' }, help),
    h('pre', { class: 'token-box command' }, command),
    button(`Copy the ${testId} command`, { small: true, onClick: () => copy(command, `The ${testId} join command`) }));
}

async function addNodeDialog() {
  const [swarm, info] = await Promise.all([docker.get('/swarm'), docker.get('/info')]);
  const tokens = swarm.JoinTokens || {};
  const address = managerAddress(info);
  return dialog({
    title: 'Add a node',
    wide: true,
    build(body) {
      body.append(
        h('p', {}, 'On the new node, with Docker installed, run one of these commands. The node joins the swarm; Wharf files it in /System (managers) or /Shared (workers).'),
        commandBlock('Add a manager', 'Managers run the swarm\'s control plane and keep its state (run an odd number of them).',
          joinCommand(tokens.Manager, address), 'manager'),
        commandBlock('Add a worker', 'Workers run the tasks of services.', joinCommand(tokens.Worker, address), 'worker'),
        h('p', { class: 'hint' }, `The new node must reach ${address}. Anyone with a token can join the swarm: keep them secret.`));
    },
  });
}

export default {
  title: 'Nodes',
  async render(ctx) {
    const { me } = ctx;
    const message = messageArea();
    const filter = control('Filter by hostname', { type: 'search', name: 'filter', class: 'field-inline filter-field', placeholder: 'Part of a hostname' });
    const area = h('div', {}, h('p', { class: 'loading' }, 'Loading…'));
    const readiness = h('p', { class: 'hint', 'data-readiness': '' });
    const pager = localPager(() => draw());
    let nodes = [];

    function draw() {
      const wanted = filter.control.value.trim().toLowerCase();
      const matching = nodes.filter((n) => hostname(n).toLowerCase().includes(wanted));
      const rows = pager.page(matching, nodes.length, 'nodes');
      area.replaceChildren(table([
        { label: 'Hostname', render: (n) => h('span', { 'data-node': hostname(n) }, hostname(n)) },
        {
          label: 'Role',
          render: (n) => [n.Spec?.Role || '—', n.ManagerStatus?.Leader ? [' ', badge('leader', 'info')] : null],
        },
        { label: 'Availability', render: (n) => stateBadge(n.Spec?.Availability) },
        { label: 'State', render: (n) => [stateBadge(n.Status?.State), n.Status?.Message ? h('span', { class: 'hint' }, ` ${n.Status.Message}`) : null] },
        { label: 'Address', render: (n) => h('code', {}, n.ManagerStatus?.Addr || n.Status?.Addr || '—') },
        { label: 'Engine', render: (n) => n.Description?.Engine?.EngineVersion || '—' },
        { label: 'Collection', render: (n) => h('code', {}, nodeCollection(n)) },
      ], rows, { caption: 'Nodes', empty: wanted ? 'No node matches.' : 'No node you may see.' }));
    }

    async function load() {
      const list = await listNodes();
      if (!ctx.isCurrent()) return;
      nodes = list.sort((a, b) => (a.Spec?.Role || '').localeCompare(b.Spec?.Role || '') || hostname(a).localeCompare(hostname(b)));
      const ready = nodes.filter((n) => n.Status?.State === 'ready').length;
      readiness.textContent = `${ready} of ${nodes.length} node(s) ready`;
      draw();
    }

    const actions = me.isAdmin ? [button('Add node', {
      kind: 'primary',
      onClick: async () => {
        message.hide();
        try {
          await addNodeDialog();
        } catch (error) {
          if (!error.sessionExpired) message.show(error.message);
        }
      },
    })] : [];
    ctx.root.append(
      pageHeader('Nodes', {
        actions,
        description: me.isAdmin
          ? 'Every node of the swarm. A node\'s collection decides who may schedule on it.'
          : 'The nodes you may see. A node\'s collection decides who may schedule on it.',
      }),
      h('div', { class: 'toolbar' }, filter.field, readiness),
      message.el, area, pager.el);
    filter.control.addEventListener('input', () => { pager.reset(); draw(); });
    await load();
    poll(ctx, load, { every: 10000, area });
  },
};
