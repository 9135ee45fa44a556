// My profile: client bundles (download a new one, list, revoke), access tokens (create —
// shown once —, list, revoke), password, default collection, and the account's facts.

import { api, request, url } from '../api.js';
import {
  act, badge, button, card, confirm, control, date, dialog, h, messageArea, table, toast,
} from '../dom.js';
import { collectionField, pageHeader } from '../components.js';

function tokensCard(me) {
  const listArea = h('div', {});
  const message = messageArea();
  async function load() {
    const { tokens } = await api.get(url`/accounts/${me.name}/tokens`);
    listArea.replaceChildren(table([
      { label: 'Label', render: (t) => t.label || '—' },
      { label: 'Created', render: (t) => date(t.createdAt) },
      { label: 'Last used', render: (t) => (t.lastUsedAt ? date(t.lastUsedAt) : 'Never') },
      { label: 'Expires', render: (t) => (t.expiresAt ? date(t.expiresAt) : 'Never') },
      {
        label: 'Actions',
        class: 'actions',
        render: (t) => button('Revoke', {
          small: true,
          kind: 'danger',
          ariaLabel: `Revoke token ${t.label || t.id}`,
          onClick: async () => {
            if (!await confirm('Revoke this token?', `Clients using "${t.label || t.id}" can no longer authenticate.`, 'Revoke')) return;
            await act(async () => {
              await api.del(url`/accounts/${me.name}/tokens/${t.id}`);
              await load();
            }, 'Token revoked');
          },
        }),
      },
    ], tokens, { caption: 'Access tokens', empty: 'No access tokens.' }));
  }
  const create = button('Create token', {
    kind: 'primary',
    onClick: async () => {
      const created = await dialog({
        title: 'Create an access token',
        submitLabel: 'Create',
        build(body) {
          body.append(
            control('Label', { name: 'label', required: true, hint: 'What the token is for, e.g. "CI pipeline".' }).field,
            control('Expires in (days)', { name: 'days', type: 'number', min: 1, hint: 'Leave empty for a token that does not expire.' }).field);
        },
        onSubmit(f) {
          const days = f.elements.days.value.trim();
          return api.post(url`/accounts/${me.name}/tokens`, {
            label: f.elements.label.value.trim(),
            expiresInDays: days ? Number(days) : undefined,
          });
        },
      });
      if (!created) return;
      await dialog({
        title: 'Your new access token',
        build(body) {
          body.append(
            h('p', { class: 'message message-warning' }, 'Copy it now: Wharf shows it only once.'),
            h('p', { class: 'token-box', 'data-token': '' }, created.token),
            h('p', { class: 'hint' }, 'Use it as a password: docker login -u ', me.name, ', or as a Bearer token for the API.'));
        },
      });
      await load();
    },
  });
  const el = card('Access tokens',
    h('p', { class: 'muted' }, 'Tokens let scripts and registry clients act as you without your password.'),
    h('div', { class: 'toolbar' }, create), message.el, listArea);
  load().catch((error) => !error.sessionExpired && message.show(error.message));
  return el;
}

/** POST /api/clientbundle → the zip, saved by the browser under the server's name. */
async function downloadBundle(me, label) {
  const response = await request('POST', '/api/clientbundle', { query: { label }, raw: true });
  const blob = await response.blob();
  const disposition = response.headers.get('content-disposition') || '';
  const filename = /filename="?([^";]+)"?/.exec(disposition)?.[1] || `ucp-bundle-${me.name}.zip`;
  const href = URL.createObjectURL(blob);
  const link = h('a', { href, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60000);
  return filename;
}

function bundlesCard(me) {
  const listArea = h('div', {});
  const message = messageArea();
  async function load() {
    const { accountPublicKeys: keys } = await api.get(url`/accounts/${me.name}/publicKeys`, { limit: 200 });
    listArea.replaceChildren(table([
      { label: 'Label', render: (k) => k.label || '—' },
      { label: 'Fingerprint', render: (k) => h('code', { class: 'digest' }, k.fingerprint) },
      { label: 'Created', render: (k) => date(k.createdAt) },
      { label: 'Expires', render: (k) => date(k.expiresAt) },
      {
        label: 'Actions',
        class: 'actions',
        render: (k) => button('Revoke', {
          small: true,
          kind: 'danger',
          ariaLabel: `Revoke client bundle ${k.label || k.fingerprint}`,
          onClick: async () => {
            if (!await confirm('Revoke this client bundle?', `The certificate of "${k.label || k.fingerprint}" no longer gets access to the Docker API.`, 'Revoke')) return;
            await act(async () => {
              await api.del(url`/accounts/${me.name}/publicKeys/${k.id}`);
              await load();
            }, 'Client bundle revoked');
          },
        }),
      },
    ], keys, { caption: 'Client bundles', empty: 'No client bundles.' }));
  }
  const label = control('Bundle label', { name: 'bundleLabel', placeholder: 'e.g. laptop', hint: 'Optional: where you will use it. Empty: the creation time.', class: 'field-inline field-grow' });
  const create = button('New client bundle', {
    kind: 'primary',
    onClick: async () => {
      message.hide();
      create.disabled = true;
      try {
        const filename = await downloadBundle(me, label.control.value.trim());
        label.control.value = '';
        toast(`Client bundle downloaded: ${filename}`);
        await load();
      } catch (error) {
        if (!error.sessionExpired) message.show(error.message);
      } finally {
        create.disabled = false;
      }
    },
  });
  const el = card('Client bundles',
    h('p', { class: 'muted' }, 'A client bundle is a certificate and key for the docker CLI: unzip it, then ',
      h('code', {}, 'eval "$(<env.sh)"'), ' and docker commands reach the swarm as you, with your grants.'),
    h('div', { class: 'toolbar' }, label.field, create), message.el, listArea);
  load().catch((error) => !error.sessionExpired && message.show(error.message));
  return el;
}

function passwordCard(me) {
  if (me.isImported) {
    return card('Password', h('p', { class: 'muted' }, 'Your password is managed by the directory (LDAP).'));
  }
  const message = messageArea();
  const current = control('Current password', { type: 'password', name: 'current', required: true, autocomplete: 'current-password' });
  const next = control('New password', { type: 'password', name: 'next', required: true, autocomplete: 'new-password', hint: 'At least 8 characters.' });
  const again = control('Repeat the new password', { type: 'password', name: 'again', required: true, autocomplete: 'new-password' });
  // (the user name, for password managers)
  const username = h('input', { type: 'text', name: 'username', autocomplete: 'username', value: me.name, hidden: true, readOnly: true });
  const form = h('form', { novalidate: true }, username, message.el, current.field, next.field, again.field,
    h('div', { class: 'form-actions' }, button('Change password', { type: 'submit', kind: 'primary' })));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.hide();
    if (next.control.value !== again.control.value) {
      message.show('The new passwords differ.');
      return;
    }
    try {
      // Prove the current password with a login of its own, then end that session.
      let proof;
      try {
        proof = await request('POST', '/auth/login', { session: false, anonymous: true, body: { username: me.name, password: current.control.value } });
      } catch (error) {
        throw new Error(error.status === 401 ? 'The current password is wrong.' : error.message);
      }
      await request('POST', '/auth/logout', { session: false, token: proof.auth_token }).catch(() => null);
      await api.patch(url`/accounts/${me.name}`, { password: next.control.value });
      form.reset();
      message.show('Your password has been changed.', 'success');
    } catch (error) {
      if (!error.sessionExpired) message.show(error.message);
    }
  });
  return card('Password', form);
}

function defaultCollectionCard(me) {
  const message = messageArea();
  const field = collectionField(me, { label: 'Default collection', name: 'defaultCollection', required: true });
  const form = h('form', { novalidate: true }, message.el,
    h('p', { class: 'muted' }, 'New resources you create go here unless you name another collection.'),
    field.field,
    h('div', { class: 'form-actions' }, button('Save default collection', { type: 'submit', kind: 'primary' })));
  api.get(url`/defaultCollection/${me.name}`).then((c) => {
    field.control.value = c.path;
  }).catch((error) => !error.sessionExpired && message.show(error.message));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.hide();
    try {
      const chosen = await api.put(url`/defaultCollection/${me.name}`, { path: field.control.value.trim() });
      field.control.value = chosen.path;
      toast(`Your default collection is now ${chosen.path}`);
    } catch (error) {
      if (!error.sessionExpired) message.show(error.message);
    }
  });
  return card('Default collection', form);
}

export default {
  title: 'My profile',
  async render(ctx) {
    const me = await api.get('/auth/whoami');
    ctx.updateMe(me);
    ctx.root.append(
      pageHeader('My profile', { description: `Signed in as ${me.name}.` }),
      card('Account', h('dl', { class: 'facts' },
        h('dt', {}, 'Username'), h('dd', {}, me.name),
        h('dt', {}, 'Full name'), h('dd', {}, me.fullName || '—'),
        h('dt', {}, 'Role'), h('dd', {}, me.isAdmin ? badge('Administrator', 'info') : 'User'),
        h('dt', {}, 'Source'), h('dd', {}, me.isImported ? 'LDAP' : 'Wharf'),
        h('dt', {}, 'Member since'), h('dd', {}, date(me.createdAt)))),
      bundlesCard(me),
      tokensCard(me),
      h('div', { class: 'card-row' }, passwordCard(me), defaultCollectionCard(me)));
  },
};
