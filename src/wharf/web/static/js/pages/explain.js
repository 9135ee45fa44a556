// Explain: may this user perform this operation (with these sub-options) on this
// collection? Shows allowed/denied, the reason, and the grants that justify it.
// Non-administrators may only ask about themselves.

import { api } from '../api.js';
import {
  badge, button, card, control, h, messageArea, table,
} from '../dom.js';
import { accountField, collectionField, pageHeader } from '../components.js';
import { catalogue } from './roles.js';

const TYPE_LABELS = { user: 'User', team: 'Team', org: 'Organization' };

function result(answer) {
  const allowed = answer.allowed;
  return card('Answer',
    h('div', { class: 'verdict', 'data-verdict': allowed ? 'allowed' : 'denied' },
      badge(allowed ? 'Allowed' : 'Denied', allowed ? 'success' : 'danger'),
      h('span', {}, `${answer.user} — ${answer.operation}${answer.subOptions.length ? ` (${answer.subOptions.join(', ')})` : ''} on `, h('code', {}, answer.collection))),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Reason'), h('dd', { class: 'explain-reason' }, answer.reason || '—'),
      answer.message ? [h('dt', {}, 'Message'), h('dd', { class: 'explain-message' }, answer.message)] : null,
      answer.missing.length ? [h('dt', {}, 'Missing sub-options'), h('dd', {}, answer.missing.join(', '))] : null),
    h('h3', {}, allowed ? 'Grants that allow it' : 'Grants that apply'),
    table([
      { label: 'Subject', render: (g) => [badge(TYPE_LABELS[g.subjectType] || g.subjectType, 'info'), ' ', g.subjectName] },
      { label: 'Role', render: (g) => g.roleName },
      { label: 'Collection', render: (g) => h('code', {}, g.collectionPath) },
    ], answer.grants, { caption: 'Justifying grants', empty: 'No grant is involved.' }));
}

export default {
  title: 'Explain access',
  async render(ctx) {
    const { me } = ctx;
    const ops = await catalogue();
    const message = messageArea();
    const output = h('div', { 'aria-live': 'polite' });
    const user = me.isAdmin
      ? accountField('User', { name: 'user', value: ctx.query.get('user') || me.name, required: true })
      : control('User', { name: 'user', value: me.name, readOnly: true, hint: 'You may ask about yourself.' });
    const operation = control('Operation', {
      type: 'select',
      name: 'operation',
      value: ctx.query.get('operation') || 'Service View',
      options: Object.entries(ops).map(([type, list]) => ({ group: type, options: Object.keys(list) })),
    });
    const subArea = h('fieldset', { hidden: true }, h('legend', {}, 'Sub-options'));
    function updateSubs() {
      const op = operation.control.value;
      const subs = Object.values(ops).map((list) => list[op]).find(Boolean) || [];
      subArea.replaceChildren(h('legend', {}, `Sub-options of ${op}`),
        ...subs.map((s) => control(s, { type: 'checkbox', name: 'subOption', value: s }).field));
      subArea.hidden = !subs.length;
    }
    operation.control.addEventListener('change', updateSubs);
    updateSubs();
    const collection = collectionField(me, { label: 'Collection', required: true, value: ctx.query.get('collection') || '/' });
    const form = h('form', { novalidate: true },
      message.el,
      h('div', { class: 'form-grid' }, user.field, operation.field),
      subArea,
      collection.field,
      h('div', { class: 'form-actions' }, button('Explain', { type: 'submit', kind: 'primary' })));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      message.hide();
      const subOptions = [...subArea.querySelectorAll('input:checked')].map((i) => i.value);
      try {
        const answer = await api.get('/api/access/explain', {
          user: user.control.value.trim(),
          operation: operation.control.value,
          collection: collection.control.value.trim(),
          subOptions: subOptions.join(','),
        });
        output.replaceChildren(result(answer));
      } catch (error) {
        if (!error.sessionExpired) {
          output.replaceChildren();
          message.show(error.message);
        }
      }
    });
    ctx.root.append(pageHeader('Explain access', {
      description: 'Ask whether a user may perform an operation on a collection, and why.',
    }), card('Question', form), output);
  },
};
