// Collections: the tree from "/" (or, for non-administrators, from the collections they
// may see), expanded with "View children"; create a child collection and delete one
// (administrators) — the API's refusal reason is shown when it is not empty — and set
// one's own default collection.

import { api, url } from '../api.js';
import {
  act, button, confirm, control, dialog, h, messageArea, toast,
} from '../dom.js';
import { collectionTree, pageHeader } from '../components.js';

// The collections every installation has; the API refuses to delete them.
const BUILT_IN = new Set(['swarm', 'shared', 'private', 'legacy', 'system']);

export default {
  title: 'Collections',
  async render(ctx) {
    const { me } = ctx;
    const message = messageArea();
    const current = h('code', {}, '…');
    const tree = collectionTree({
      me,
      actions(collection, handle) {
        const buttons = [];
        if (me.isAdmin) {
          buttons.push(button('Create child', {
            small: true,
            ariaLabel: `Create a collection in ${collection.path}`,
            onClick: async () => {
              const created = await dialog({
                title: `Create a collection in ${collection.path}`,
                submitLabel: 'Create',
                build: (body) => body.append(control('Collection name', { name: 'name', required: true, hint: 'Any name without "/".' }).field),
                onSubmit: (f) => api.post('/collections', { name: f.elements.name.value.trim(), parent_id: collection.id }),
              });
              if (created) {
                toast(`Collection ${created.path} created`);
                await handle.reload();
              }
            },
          }));
          if (!BUILT_IN.has(collection.id)) {
            buttons.push(button('Delete', {
              small: true,
              class: 'btn-danger-text',
              ariaLabel: `Delete ${collection.path}`,
              onClick: async () => {
                if (!await confirm(`Delete ${collection.path}?`, 'Only an empty collection (no child collections, no resources) can be deleted.')) return;
                message.hide();
                try {
                  await api.del(url`/collections/${collection.id}`);
                  toast(`Collection ${collection.path} deleted`);
                  await handle.reloadParent();
                } catch (error) {
                  if (!error.sessionExpired) message.show(`Cannot delete ${collection.path}: ${error.message}`);
                }
              },
            }));
          }
        }
        buttons.push(button('Set as default', {
          small: true,
          ariaLabel: `Set ${collection.path} as my default collection`,
          onClick: () => act(async () => {
            const chosen = await api.put(url`/defaultCollection/${me.name}`, { id: collection.id });
            current.textContent = chosen.path;
          }, `Your default collection is now ${collection.path}`),
        }));
        return buttons;
      },
    });
    ctx.root.append(
      pageHeader('Collections', {
        description: 'Collections group swarm resources (services, containers, networks, volumes, secrets, configs, nodes); grants give roles on them and everything below.',
      }),
      h('p', {}, 'Your default collection: ', current),
      message.el,
      h('div', { class: 'card' }, tree.el));
    await Promise.all([
      tree.load(),
      api.get(url`/defaultCollection/${me.name}`).then((c) => {
        current.textContent = c.path;
      }).catch(() => {
        current.textContent = 'unknown';
      }),
    ]);
  },
};
