// Registry: repositories (paged list, create, edit visibility and descriptions, delete),
// a repository's tags (paged, filtered by name, with digest and size) and team access,
// and a tag's detail — digest, size, the platforms of a multi-arch index, and the layers
// next to the Dockerfile line that made each.

import { api, url } from '../api.js';
import {
  act, badge, button, bytes, card, confirm, control, date, dialog, h, messageArea, shortDigest, table, toast,
} from '../dom.js';
import { accountField, pageHeader, pagedList } from '../components.js';

const enc = encodeURIComponent;
const LEVELS = [
  { value: 'read-only', label: 'Read only' },
  { value: 'read-write', label: 'Read & write' },
  { value: 'admin', label: 'Admin' },
];

function repoHash(ns, repo, ...rest) {
  return ['#/repositories', enc(ns), enc(repo), ...rest.map(enc)].join('/');
}

function visibilityBadge(visibility) {
  return visibility === 'public' ? badge('Public', 'success') : badge('Private');
}

async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // plain HTTP on a non-local address has no Clipboard API
  const area = h('textarea', { class: 'sr-only', readOnly: true });
  area.value = text;
  document.body.append(area);
  area.select();
  const copied = document.execCommand('copy');
  area.remove();
  if (!copied) throw new Error('Copying is not allowed here; select the text instead');
}

function copyButton(text, label) {
  return button('Copy', {
    small: true,
    ariaLabel: label,
    onClick: () => act(() => copyText(text), 'Copied'),
  });
}

// -- list -----------------------------------------------------------------------------------------

function createRepositoryDialog(me) {
  return dialog({
    title: 'Create repository',
    submitLabel: 'Create',
    build(body) {
      body.append(
        accountField('Namespace', { filter: 'all', name: 'namespace', value: me.name, required: true, hint: 'Your user name or an organization you manage.' }).field,
        control('Repository name', { name: 'name', required: true, hint: 'Lower-case letters, digits, and . _ - / separators.' }).field,
        control('Visibility', { type: 'select', name: 'visibility', value: 'private', options: [{ value: 'private', label: 'Private — only those with access' }, { value: 'public', label: 'Public — anyone may pull' }] }).field,
        control('Short description', { name: 'shortDescription', hint: 'Up to 140 characters.' }).field,
        control('Long description', { type: 'textarea', name: 'longDescription', rows: 4 }).field);
    },
    onSubmit(f) {
      const e = f.elements;
      return api.post(url`/api/v0/repositories/${e.namespace.value.trim()}`, {
        name: e.name.value.trim(),
        visibility: e.visibility.value,
        shortDescription: e.shortDescription.value.trim(),
        longDescription: e.longDescription.value,
      });
    },
  });
}

async function renderList(ctx) {
  const list = pagedList({
    caption: 'Repositories',
    filters: [{
      name: 'namespace',
      label: 'Namespace',
      build: () => accountField('Namespace', { filter: 'all', name: 'namespace', hint: 'Press Enter to filter; empty for all.' }),
    }],
    empty: 'No repositories you may see.',
    columns: [
      { label: 'Repository', render: (r) => h('a', { href: repoHash(r.namespace, r.name) }, r.fullName) },
      { label: 'Visibility', render: (r) => visibilityBadge(r.visibility) },
      { label: 'Description', render: (r) => r.shortDescription || h('span', { class: 'muted' }, '—') },
      { label: 'Updated', render: (r) => date(r.updatedAt) },
    ],
    async load({ namespace, start, limit }) {
      const path = namespace ? url`/api/v0/repositories/${namespace}` : '/api/v0/repositories';
      const page = await api.get(path, { start, limit });
      return { rows: page.repositories, next: page.nextPageStart };
    },
  });
  const create = button('Create repository', {
    kind: 'primary',
    onClick: async () => {
      const repo = await createRepositoryDialog(ctx.me);
      if (repo) {
        toast(`Repository ${repo.fullName} created`);
        ctx.go(repoHash(repo.namespace, repo.name));
      }
    },
  });
  ctx.root.append(pageHeader('Repositories', {
    actions: [create],
    description: 'Image repositories you may pull from. Push with docker push <host>/<namespace>/<name>:<tag>.',
  }), list.el);
  await list.reload();
}

// -- one repository -----------------------------------------------------------------------------------

function settingsForm(ctx, ns, name, repo) {
  const message = messageArea();
  const visibility = control('Visibility', { type: 'select', name: 'visibility', value: repo.visibility, options: [{ value: 'private', label: 'Private' }, { value: 'public', label: 'Public' }] });
  const short = control('Short description', { name: 'shortDescription', value: repo.shortDescription });
  const long = control('Long description', { type: 'textarea', name: 'longDescription', value: repo.longDescription, rows: 4 });
  const form = h('form', { novalidate: true }, message.el, visibility.field, short.field, long.field,
    h('div', { class: 'form-actions' }, button('Save repository', { type: 'submit', kind: 'primary' })));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.hide();
    try {
      await api.patch(url`/api/v0/repositories/${ns}/${name}`, {
        visibility: visibility.control.value,
        shortDescription: short.control.value.trim(),
        longDescription: long.control.value,
      });
      toast('Repository saved');
      ctx.refresh();
    } catch (error) {
      if (!error.sessionExpired) message.show(error.message);
    }
  });
  return form;
}

function teamAccessCard(ns, name) {
  const message = messageArea();
  const listArea = h('div', {});
  const teamSelect = control('Team', { type: 'select', name: 'team', options: [] });
  const level = control('Permission', { type: 'select', name: 'accessLevel', value: 'read-only', options: LEVELS });
  const form = h('form', { class: 'toolbar', novalidate: true }, teamSelect.field, level.field, button('Set access', { type: 'submit', kind: 'primary' }));
  async function put(team, accessLevel) {
    await api.put(url`/api/v0/repositories/${ns}/${name}/teamAccess/${team}`, { accessLevel });
  }
  async function load() {
    const [{ teamAccessList }, { teams }] = await Promise.all([
      api.get(url`/api/v0/repositories/${ns}/${name}/teamAccess`),
      api.get(url`/accounts/${ns}/teams`),
    ]);
    teamSelect.control.replaceChildren(...(teams.length
      ? teams.map((t) => h('option', { value: t.name }, t.name))
      : [h('option', { value: '' }, `${ns} has no teams`)]));
    listArea.replaceChildren(table([
      { label: 'Team', render: (t) => h('a', { href: `#/orgs/${enc(ns)}/teams/${enc(t.team.name)}` }, t.team.name) },
      {
        label: 'Permission',
        render: (t) => {
          const c = control(`Permission of ${t.team.name}`, { type: 'select', name: `level-${t.team.name}`, value: t.accessLevel, options: LEVELS, class: 'field-inline' });
          c.field.querySelector('label').classList.add('sr-only');
          c.control.addEventListener('change', () => act(() => put(t.team.name, c.control.value), `${t.team.name}: ${c.control.value}`));
          return c.field;
        },
      },
      {
        label: 'Actions',
        class: 'actions',
        render: (t) => button('Remove', {
          small: true,
          kind: 'danger',
          ariaLabel: `Remove access of team ${t.team.name}`,
          onClick: () => act(async () => {
            await api.del(url`/api/v0/repositories/${ns}/${name}/teamAccess/${t.team.name}`);
            await load();
          }, `${t.team.name} has no access any more`),
        }),
      },
    ], teamAccessList, { caption: 'Team access', empty: 'No team has access yet.' }));
  }
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.hide();
    if (!teamSelect.control.value) return;
    try {
      await put(teamSelect.control.value, level.control.value);
      toast(`${teamSelect.control.value}: ${level.control.value}`);
      await load();
    } catch (error) {
      if (!error.sessionExpired) message.show(error.message);
    }
  });
  load().catch((error) => !error.sessionExpired && message.show(error.message));
  return card('Team access', h('p', { class: 'muted' }, `Teams of ${ns} and what they may do here; permissions of a user's teams add up.`), message.el, form, listArea);
}

async function renderRepository(ctx, ns, name) {
  const [repo, { actions }] = await Promise.all([
    api.get(url`/api/v0/repositories/${ns}/${name}`),
    api.get(url`/api/v0/repositories/${ns}/${name}/myAccess`),
  ]);
  const isAdmin = actions.includes('admin');
  let namespaceIsOrg = false;
  if (isAdmin && ns !== ctx.me.name) {
    try {
      namespaceIsOrg = (await api.get(url`/accounts/${ns}`)).isOrg;
    } catch (error) {
      if (error.sessionExpired) throw error;
    }
  }
  const pull = `docker pull ${location.host}/${repo.fullName}:<tag>`;
  const tags = pagedList({
    caption: `Tags of ${repo.fullName}`,
    search: { label: 'Filter tags', placeholder: 'Tag name' },
    empty: 'No tags yet.',
    columns: [
      { label: 'Tag', render: (t) => h('a', { href: repoHash(ns, name, 'tags', t.name) }, t.name) },
      { label: 'Digest', render: (t) => h('code', { title: t.digest }, shortDigest(t.digest)) },
      { label: 'Size', class: 'num', render: (t) => bytes(t.size) },
      { label: 'Type', render: (t) => (t.platforms.length ? `Multi-platform: ${t.platforms.join(', ')}` : t.artifactType ? `Artifact (${t.artifactType})` : 'Image') },
      { label: 'Pushed', render: (t) => date(t.updatedAt) },
    ],
    async load(p) {
      const page = await api.get(url`/api/v0/repositories/${ns}/${name}/images`, p);
      return { rows: page.tags, next: page.nextPageStart };
    },
  });
  const headerActions = isAdmin ? [button('Delete repository', {
    kind: 'danger',
    onClick: async () => {
      if (!await confirm(`Delete ${repo.fullName}?`, 'Its tags, manifests and team access are deleted. This cannot be undone.')) return;
      await act(async () => {
        await api.del(url`/api/v0/repositories/${ns}/${name}`);
        ctx.go('#/repositories');
      }, `${repo.fullName} deleted`);
    },
  })] : [];
  ctx.root.append(
    pageHeader(repo.fullName, { crumbs: [['Repositories', '#/repositories']], actions: headerActions, description: repo.shortDescription || null }),
    h('div', { class: 'card-row' },
      card('Repository',
        h('dl', { class: 'facts' },
          h('dt', {}, 'Visibility'), h('dd', {}, visibilityBadge(repo.visibility)),
          h('dt', {}, 'Tags'), h('dd', {}, String(repo.tagCount ?? '—')),
          h('dt', {}, 'Your access'), h('dd', {}, actions.join(', ')),
          h('dt', {}, 'Created'), h('dd', {}, date(repo.createdAt)),
          h('dt', {}, 'Updated'), h('dd', {}, date(repo.updatedAt))),
        repo.longDescription ? h('p', { class: 'repo-description' }, repo.longDescription) : null,
        h('div', { class: 'pull-command' }, h('code', {}, pull), copyButton(pull, 'Copy the pull command'))),
      isAdmin ? card('Settings', settingsForm(ctx, ns, name, repo)) : null),
    card('Tags', tags.el),
    isAdmin && namespaceIsOrg ? teamAccessCard(ns, name) : null);
  await tags.reload();
}

// -- one tag or manifest ------------------------------------------------------------------------------

function layersTable(image) {
  return table([
    { label: '#', class: 'num', render: (l) => String(l.index + 1) },
    { label: 'Dockerfile line', class: 'cmd', render: (l) => (l.createdBy ? h('span', { class: 'created-by' }, l.createdBy) : h('span', { class: 'muted' }, 'unknown')) },
    { label: 'Size', class: 'num', render: (l) => bytes(l.size) },
    { label: 'Digest', render: (l) => h('code', { title: l.digest, class: 'layer-digest' }, shortDigest(l.digest)) },
  ], image.layers.map((l, index) => ({ ...l, index })), { caption: 'Layers', empty: 'No layers.' });
}

function configFacts(config) {
  const rows = [
    ['Platform', [config.os, config.architecture, config.variant].filter(Boolean).join('/') || '—'],
    ['Created', date(config.created)],
    ['Author', config.author],
    ['Entrypoint', config.entrypoint ? JSON.stringify(config.entrypoint) : null],
    ['Command', config.cmd ? JSON.stringify(config.cmd) : null],
    ['Working directory', config.workingDir],
    ['User', config.user],
    ['Exposed ports', (config.exposedPorts || []).join(', ') || null],
    ['Config digest', config.digest],
  ].filter(([, v]) => v);
  return h('div', {},
    h('dl', { class: 'facts' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', { class: k.includes('digest') ? 'digest' : null }, v)])),
    (config.env || []).length ? h('details', {}, h('summary', {}, `Environment (${config.env.length})`), h('ul', { class: 'mono' }, config.env.map((e) => h('li', {}, e)))) : null,
    Object.keys(config.labels || {}).length ? h('details', {}, h('summary', {}, `Labels (${Object.keys(config.labels).length})`),
      h('dl', { class: 'facts' }, Object.entries(config.labels).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]))) : null);
}

async function renderManifest(ctx, ns, name, { tag, digest }) {
  const data = tag
    ? await api.get(url`/api/v0/repositories/${ns}/${name}/tags/${tag}`)
    : await api.get(url`/api/v0/repositories/${ns}/${name}/manifests/${digest}`);
  const title = tag ? `${data.repository}:${tag}` : `${data.repository}@${shortDigest(data.digest)}`;
  const reference = tag ? `${location.host}/${data.repository}:${tag}` : `${location.host}/${data.repository}@${data.digest}`;
  const kind = { index: 'Multi-platform index', image: 'Image', other: 'Artifact' }[data.kind];
  const summary = card('Summary',
    h('dl', { class: 'facts' },
      h('dt', {}, 'Digest'), h('dd', { class: 'digest', 'data-digest': data.digest }, data.digest, ' ', copyButton(data.digest, 'Copy the digest')),
      h('dt', {}, 'Type'), h('dd', {}, kind),
      h('dt', {}, 'Media type'), h('dd', {}, h('code', {}, data.mediaType)),
      data.artifactType ? [h('dt', {}, 'Artifact type'), h('dd', {}, h('code', {}, data.artifactType))] : null,
      h('dt', {}, 'Size'), h('dd', { 'data-size': String(data.size) }, `${bytes(data.size)} (manifest ${bytes(data.manifestSize)})`),
      h('dt', {}, 'Pushed'), h('dd', {}, date(data.pushedAt)),
      tag ? [h('dt', {}, 'Tag updated'), h('dd', {}, date(data.updatedAt))] : null),
    h('div', { class: 'pull-command' }, h('code', {}, `docker pull ${reference}`), copyButton(`docker pull ${reference}`, 'Copy the pull command')));
  const parts = [summary];
  if (data.kind === 'index') {
    parts.push(card('Platforms', table([
      { label: 'Platform', render: (p) => h('a', { href: repoHash(ns, name, 'manifests', p.digest) }, p.label || 'unknown') },
      { label: 'Digest', render: (p) => h('code', { title: p.digest }, shortDigest(p.digest)) },
      { label: 'Size', class: 'num', render: (p) => bytes(p.size) },
      { label: 'Layers', class: 'actions', render: (p) => h('a', { href: repoHash(ns, name, 'manifests', p.digest), class: 'btn btn-small btn-secondary', 'aria-label': `View the layers of ${p.label || p.digest}` }, 'View layers') },
    ], data.platforms, { caption: 'Platforms of the index', empty: 'No platforms.' })));
  } else if (data.kind === 'image') {
    if (data.configError) parts.push(h('p', { class: 'message message-warning' }, data.configError));
    parts.push(card(`Layers (${data.layers.length})`,
      h('p', { class: 'muted' }, 'Each layer with the Dockerfile instruction that made it, from the image configuration\'s history.'),
      layersTable(data)));
    parts.push(card('Configuration', configFacts(data.config)));
    if (data.history.length) {
      parts.push(card('Full history',
        h('details', {}, h('summary', {}, `All ${data.history.length} history entries, including those that made no layer`),
          table([
            { label: 'Instruction', class: 'cmd', render: (e) => e.createdBy || '—' },
            { label: 'Layer', render: (e) => (e.emptyLayer ? h('span', { class: 'muted' }, 'none') : 'yes') },
            { label: 'Created', render: (e) => date(e.created) },
          ], data.history, { caption: 'Image history' }))));
    }
  }
  const crumbs = [['Repositories', '#/repositories'], [data.repository, repoHash(ns, name)]];
  ctx.root.append(pageHeader(title, { crumbs }), ...parts);
}

export default {
  title: 'Repositories',
  async render(ctx) {
    const [ns, name, kind, ref] = ctx.params;
    if (ns && name && kind === 'tags' && ref) await renderManifest(ctx, ns, name, { tag: ref });
    else if (ns && name && kind === 'manifests' && ref) await renderManifest(ctx, ns, name, { digest: ref });
    else if (ns && name) await renderRepository(ctx, ns, name);
    else await renderList(ctx);
  },
};
