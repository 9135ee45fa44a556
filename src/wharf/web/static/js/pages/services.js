// Services: the swarm services the user may see (name, image, running/desired replicas,
// collection), create one (name, image, command, replicas, environment, ports published
// in host mode, collection), a service's page with its tasks, scale and remove. A
// refusal shows the API's message ("access denied: Service Delete on /...").
//
// #/services            the list
// #/services/new        create
// #/services/<id>       one service and its tasks

import { api, url } from '../api.js';
import {
  act, button, card, confirm, control, date, dialog, h, messageArea, table, toast, uid,
} from '../dom.js';
import { localPager, pageHeader } from '../components.js';
import {
  ACCESS_LABEL, docker, hostname, imageName, inspectService, listNodes, listServices, listTasks,
  poll, portsText, replicaCounts, replicasBadge, serviceCollection, serviceMode, stateBadge,
  visibleCollections,
} from '../docker.js';

const REFRESH_MS = 3000;

function serviceLink(service) {
  return h('a', { href: `#/services/${encodeURIComponent(service.ID)}` }, service.Spec?.Name || service.ID);
}

function isReplicated(service) {
  return !!service?.Spec?.Mode?.Replicated;
}

/** Scale: a fresh read of the service (its current version), then an update of the
 * whole spec with the new replica count. Resolves to the new count, or null. */
function scaleDialog(service) {
  const name = service.Spec?.Name || service.ID;
  return dialog({
    title: `Scale ${name}`,
    submitLabel: 'Scale',
    build(body) {
      body.append(control('Replicas', {
        name: 'replicas', type: 'number', min: 0, required: true,
        value: service.Spec?.Mode?.Replicated?.Replicas ?? 1,
        hint: 'How many tasks of the service should run.',
      }).field);
    },
    async onSubmit(form) {
      const replicas = Number(form.elements.replicas.value);
      if (!Number.isInteger(replicas) || replicas < 0) throw new Error('Replicas must be a whole number, 0 or more.');
      const current = await inspectService(service.ID);
      const spec = structuredClone(current.Spec);
      spec.Mode = { Replicated: { Replicas: replicas } };
      await docker.post(url`/services/${service.ID}/update`, spec, { version: current.Version?.Index });
      return replicas;
    },
  });
}

/** Remove, after a confirmation; the API's refusal goes to `message`. True when removed. */
async function removeService(service, message) {
  const name = service.Spec?.Name || service.ID;
  if (!await confirm(`Remove service ${name}?`, 'Its tasks stop and the service is deleted.', 'Remove')) return false;
  message.hide();
  try {
    await docker.del(url`/services/${service.ID}`);
    toast(`Service ${name} removed`);
    return true;
  } catch (error) {
    if (!error.sessionExpired) message.show(`Cannot remove ${name}: ${error.message}`);
    return false;
  }
}

// -- the list ----------------------------------------------------------------------------------------

async function renderList(ctx) {
  const message = messageArea();
  const filter = control('Filter by name', { type: 'search', name: 'filter', class: 'field-inline filter-field', placeholder: 'Part of a service name' });
  const area = h('div', {}, h('p', { class: 'loading' }, 'Loading…'));
  const pager = localPager(() => draw());
  let services = [];
  let counts = {};

  function draw() {
    const wanted = filter.control.value.trim().toLowerCase();
    const matching = services.filter((s) => (s.Spec?.Name || '').toLowerCase().includes(wanted));
    const rows = pager.page(matching, services.length, 'services');
    area.replaceChildren(table([
      { label: 'Name', render: serviceLink },
      { label: 'Image', render: (s) => h('code', {}, imageName(s)) },
      { label: 'Mode', render: serviceMode },
      { label: 'Replicas', render: (s) => replicasBadge(counts[s.ID]) },
      { label: 'Ports', render: portsText },
      { label: 'Collection', render: (s) => h('code', {}, serviceCollection(s)) },
      {
        label: 'Actions',
        class: 'actions',
        render: (s) => [
          isReplicated(s) ? button('Scale', {
            small: true,
            ariaLabel: `Scale ${s.Spec?.Name}`,
            onClick: async () => {
              const replicas = await scaleDialog(s);
              if (replicas !== null) {
                toast(`Service ${s.Spec?.Name} scaled to ${replicas}`);
                await load();
              }
            },
          }) : null,
          button('Remove', {
            small: true,
            kind: 'danger',
            ariaLabel: `Remove ${s.Spec?.Name}`,
            onClick: async () => {
              if (await removeService(s, message)) await load();
            },
          }),
        ],
      },
    ], rows, { caption: 'Services', empty: wanted ? 'No service matches.' : 'No service you may see.' }));
  }

  async function load() {
    const [list, tasks] = await Promise.all([listServices(), listTasks({ 'desired-state': ['running'] })]);
    if (!ctx.isCurrent()) return;
    services = list.sort((a, b) => (a.Spec?.Name || '').localeCompare(b.Spec?.Name || ''));
    counts = replicaCounts(services, tasks);
    draw();
  }

  filter.control.addEventListener('input', () => { pager.reset(); draw(); });
  ctx.root.append(
    pageHeader('Services', {
      description: 'The swarm services you may see. Replicas are running tasks over the desired count.',
      actions: [button('Create service', { kind: 'primary', onClick: () => ctx.go('#/services/new') })],
    }),
    h('div', { class: 'toolbar' }, filter.field),
    message.el, area, pager.el);
  await load();
  poll(ctx, load, { every: REFRESH_MS, area });
}

// -- create ------------------------------------------------------------------------------------------

/** Splits a command line into arguments: spaces separate, '...' and "..." group. */
export function splitArgs(text) {
  const args = [];
  let current = '';
  let quote = null;
  let started = false;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = null;
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      started = true;
    } else if (/\s/.test(ch)) {
      if (started) args.push(current);
      current = '';
      started = false;
    } else {
      current += ch;
      started = true;
    }
  }
  if (quote) throw new Error('The command has an unclosed quote.');
  if (started) args.push(current);
  return args;
}

/** One published port: `n` numbers its labels (never reused, so labels stay unique). */
function portRow(rows, n, onRemove) {
  const published = control(`Published port ${n}`, { type: 'number', name: 'published', min: 1, max: 65535, required: true, class: 'field-inline' });
  const target = control(`Target port ${n}`, { type: 'number', name: 'target', min: 1, max: 65535, required: true, class: 'field-inline' });
  const protocol = control(`Protocol ${n}`, { type: 'select', name: 'protocol', options: ['tcp', 'udp'], class: 'field-inline' });
  const row = h('div', { class: 'port-row', 'data-port-row': '' }, published.field, target.field, protocol.field);
  row.append(button('Remove', {
    small: true,
    class: 'btn-danger-text',
    ariaLabel: `Remove port ${n}`,
    onClick: () => {
      row.remove();
      onRemove();
    },
  }));
  rows.append(row);
  published.control.focus();
}

async function renderNew(ctx) {
  const { me } = ctx;
  const message = messageArea();
  const [paths, defaultCollection] = await Promise.all([
    visibleCollections(),
    api.get(url`/defaultCollection/${me.name}`).then((c) => c.path, () => null),
  ]);
  const name = control('Service name', { name: 'name', required: true, hint: 'Letters, digits, "-" and "_", e.g. wordpress.' });
  const image = control('Image', {
    name: 'image', required: true, placeholder: 'e.g. 127.0.0.1:5000/admin/app:v1',
    hint: 'Used as given: Wharf does not resolve it to a digest (like --no-resolve-image); nodes use a local copy or pull it.',
  });
  const command = control('Command', { name: 'command', placeholder: 'e.g. sleep 3600', hint: 'Optional: replaces the image\'s default command; quotes group words.' });
  const replicas = control('Replicas', { name: 'replicas', type: 'number', min: 0, value: 1, required: true });
  const env = control('Environment', { name: 'env', type: 'textarea', rows: 3, placeholder: 'KEY=value, one per line', hint: 'Optional: one KEY=value per line.' });
  const collection = control('Collection', {
    name: 'collection',
    type: 'select',
    value: defaultCollection || '',
    options: [
      ...(defaultCollection ? [] : [{ value: '', label: 'My default collection' }]),
      ...paths.filter((p) => p !== '/').map((p) => ({ value: p, label: p === defaultCollection ? `${p} (my default)` : p })),
    ],
    hint: 'The collection the service belongs to: who may see and manage it follows from the grants on it.',
  });
  const portRows = h('div', { class: 'port-rows' });
  const noPorts = h('p', { class: 'hint' }, 'No published ports.');
  const syncPorts = () => {
    noPorts.hidden = portRows.children.length > 0;
  };
  let portCount = 0;
  const addPort = button('Add port', {
    small: true,
    onClick: () => {
      portCount += 1;
      portRow(portRows, portCount, syncPorts);
      syncPorts();
    },
  });
  const portsHint = uid('ports');

  const form = h('form', { novalidate: true },
    message.el,
    h('div', { class: 'form-grid' }, name.field, image.field),
    command.field,
    h('div', { class: 'form-grid' }, replicas.field, collection.field),
    env.field,
    h('fieldset', { 'aria-describedby': portsHint },
      h('legend', {}, 'Published ports'),
      h('p', { class: 'hint', id: portsHint }, 'Published in host mode: the port opens on the node that runs each task (one task per node and port).'),
      portRows, noPorts, addPort),
    h('div', { class: 'form-actions' },
      button('Create service', { type: 'submit', kind: 'primary' }),
      button('Cancel', { onClick: () => ctx.go('#/services') })));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.hide();
    if (!form.checkValidity()) {
      form.reportValidity();
      return;
    }
    try {
      const args = splitArgs(command.control.value.trim());
      const environment = env.control.value.split('\n').map((l) => l.trim()).filter(Boolean);
      for (const line of environment) {
        if (!/^[^=\s]+=/.test(line)) throw new Error(`Environment: "${line}" is not KEY=value.`);
      }
      const ports = [...portRows.querySelectorAll('[data-port-row]')].map((row) => ({
        Protocol: row.querySelector('[name=protocol]').value,
        TargetPort: Number(row.querySelector('[name=target]').value),
        PublishedPort: Number(row.querySelector('[name=published]').value),
        PublishMode: 'host',
      }));
      const labels = collection.control.value ? { [ACCESS_LABEL]: collection.control.value } : {};
      // The spec as given — no image resolution, no registry lookup (--no-resolve-image).
      const spec = {
        Name: name.control.value.trim(),
        Labels: labels,
        TaskTemplate: {
          ContainerSpec: {
            Image: image.control.value.trim(),
            ...(args.length ? { Args: args } : {}),
            ...(environment.length ? { Env: environment } : {}),
          },
        },
        Mode: { Replicated: { Replicas: Number(replicas.control.value) } },
        ...(ports.length ? { EndpointSpec: { Ports: ports } } : {}),
      };
      const created = await docker.post('/services/create', spec);
      toast(`Service ${spec.Name} created`);
      ctx.go(`#/services/${encodeURIComponent(created.ID)}`);
    } catch (error) {
      if (!error.sessionExpired) message.show(error.message);
    }
  });

  ctx.root.append(
    pageHeader('Create service', {
      crumbs: [['Services', '#/services']],
      description: 'A replicated swarm service. Through Wharf it lands in the collection you choose, if your grants allow it there.',
    }),
    card('New service', form));
}

// -- one service ---------------------------------------------------------------------------------

async function renderService(ctx, id) {
  const message = messageArea();
  let service = await inspectService(id);
  let nodeNames = {};
  let acting = false;
  const name = service.Spec?.Name || id;
  const facts = h('dl', { class: 'facts' });
  const tasksArea = h('div', {}, h('p', { class: 'loading' }, 'Loading…'));
  const showAll = control('Show finished tasks', { type: 'checkbox', name: 'all' });

  function drawFacts(tasks) {
    const spec = service.Spec || {};
    const container = spec.TaskTemplate?.ContainerSpec || {};
    const count = replicaCounts([service], tasks)[service.ID];
    facts.replaceChildren(
      h('dt', {}, 'ID'), h('dd', {}, h('code', {}, service.ID)),
      h('dt', {}, 'Image'), h('dd', {}, h('code', {}, container.Image || '—')),
      h('dt', {}, 'Command'), h('dd', {}, [...(container.Command || []), ...(container.Args || [])].join(' ') || 'the image\'s default'),
      h('dt', {}, 'Mode'), h('dd', {}, serviceMode(service)),
      h('dt', {}, 'Replicas'), h('dd', { 'data-fact': 'replicas' }, replicasBadge(count), ' running / desired'),
      h('dt', {}, 'Ports'), h('dd', {}, portsText(service)),
      h('dt', {}, 'Collection'), h('dd', { 'data-fact': 'collection' }, h('code', {}, serviceCollection(service))),
      h('dt', {}, 'Created'), h('dd', {}, date(service.CreatedAt)),
      h('dt', {}, 'Updated'), h('dd', {}, date(service.UpdatedAt)));
  }

  function drawTasks(tasks) {
    const shown = showAll.control.checked ? tasks : tasks.filter((t) => t.DesiredState === 'running' || t.Status?.State === 'running');
    shown.sort((a, b) => (a.Slot ?? 0) - (b.Slot ?? 0) || String(b.UpdatedAt).localeCompare(String(a.UpdatedAt)));
    tasksArea.replaceChildren(table([
      { label: 'Task', render: (t) => h('code', { title: t.ID }, `${name}.${t.Slot ?? (t.NodeID || '').slice(0, 12)}`) },
      { label: 'Node', render: (t) => (t.NodeID ? nodeNames[t.NodeID] || h('code', { title: t.NodeID }, t.NodeID.slice(0, 12)) : '—') },
      { label: 'State', render: (t) => h('span', { 'data-task-state': t.Status?.State || '' }, stateBadge(t.Status?.State)) },
      { label: 'Desired state', render: (t) => t.DesiredState || '—' },
      { label: 'Error', render: (t) => (t.Status?.Err ? h('span', { class: 'task-error' }, t.Status.Err) : '—') },
      { label: 'Updated', render: (t) => h('span', { class: 'nowrap' }, date(t.Status?.Timestamp || t.UpdatedAt)) },
    ], shown, { caption: `Tasks of ${name}`, empty: showAll.control.checked ? 'No tasks.' : 'No task is meant to run.' }));
  }

  let lastTasks = [];
  let pending = Promise.resolve();
  function load(fresh = true) {
    pending = reload(fresh);
    return pending;
  }
  async function reload(fresh) {
    const [current, tasks, nodes] = await Promise.all([
      fresh ? inspectService(id) : service,
      listTasks({ service: [service.ID] }),
      listNodes().catch(() => []),
    ]);
    if (!ctx.isCurrent() || acting) return;
    service = current;
    nodeNames = Object.fromEntries(nodes.map((n) => [n.ID, hostname(n)]));
    lastTasks = tasks;
    drawFacts(tasks);
    drawTasks(tasks);
  }
  showAll.control.addEventListener('change', () => drawTasks(lastTasks));

  const actions = [];
  if (isReplicated(service)) {
    actions.push(button('Scale', {
      onClick: async () => {
        const replicas = await scaleDialog(service);
        if (replicas !== null) {
          toast(`Service ${name} scaled to ${replicas}`);
          await load();
        }
      },
    }));
  }
  actions.push(button('Remove', {
    kind: 'danger',
    onClick: async () => {
      acting = true;
      try {
        // (a refresh still on its way would ask for the service after it is gone)
        await pending.catch(() => null);
        if (await removeService(service, message)) {
          ctx.go('#/services');
          return;
        }
      } finally {
        acting = false;
      }
    },
  }));

  ctx.root.append(
    pageHeader(`Service ${name}`, { crumbs: [['Services', '#/services']], actions }),
    message.el,
    card('Service', facts),
    card('Tasks', h('div', { class: 'toolbar' }, showAll.field), tasksArea));
  await load(false);
  poll(ctx, load, { every: REFRESH_MS, area: tasksArea, paused: () => acting });
}

export default {
  title: 'Services',
  async render(ctx) {
    const [first] = ctx.params;
    if (first === 'new') await renderNew(ctx);
    else if (first) await renderService(ctx, first);
    else await renderList(ctx);
  },
};
