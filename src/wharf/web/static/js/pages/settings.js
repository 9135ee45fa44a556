// Admin settings: one form per section of GET /api/ucp/config, saved with
// PUT /api/ucp/config/{section}. Known sections get titles, labels and help; a section
// added to the server later (scheduler, logging, ...) shows up with generic fields.

import { api, url } from '../api.js';
import {
  button, card, control, h, messageArea,
} from '../dom.js';
import { pageHeader } from '../components.js';

const SECTIONS = {
  'auth.sessions': {
    title: 'Sessions',
    description: 'How long a login lasts and how many sessions a user may hold.',
    fields: {
      lifetime_minutes: ['Session lifetime (minutes)', 'At least 10.'],
      renewal_threshold_minutes: ['Renewal threshold (minutes)', 'Using a session with less time left than this extends it; at most the lifetime minus 5.'],
      per_user_limit: ['Sessions per user', 'The least recently used session ends when a user exceeds it; 0 means unlimited.'],
    },
  },
  'auth.account_lock': {
    title: 'Account lockout',
    description: 'Lock an account after repeated failed logins (never administrators).',
    fields: {
      enabled: ['Lock accounts after failed logins'],
      failure_triggers: ['Failed logins before the lock'],
      duration_seconds: ['Lock duration (seconds)'],
    },
  },
  auth: {
    title: 'New users',
    description: 'The role each new user receives on their private collection.',
    fields: { default_new_user_role: ['Default role of a new user'] },
  },
  'auth.client_bundles': {
    title: 'Client bundles',
    description: 'How long the certificates of a client bundle stay valid.',
    fields: {
      lifetime_days: ['Lifetime of a user\'s bundle (days)'],
      automation_lifetime_days: ['Lifetime of a service account\'s bundle (days)'],
    },
  },
  scheduling_configuration: {
    title: 'Scheduler',
    description: 'Who may run workloads on manager nodes.',
    fields: {
      enable_admin_ucp_scheduling: ['Allow administrators to deploy on managers'],
      enable_user_ucp_scheduling: ['Allow users to deploy on managers', 'Users also need Node Schedule on the managers\' collection.'],
    },
  },
  log_configuration: {
    title: 'Logging',
    fields: { level: ['Log level', null, ['DEBUG', 'INFO', 'WARNING', 'ERROR']] },
  },
  audit_log_configuration: {
    title: 'Audit log',
    description: 'What the audit log records about each API request.',
    fields: {
      level: ['Audit level', null, [['', 'Off'], ['metadata', 'Metadata (who, what, where, decision)'], ['request', 'Request (metadata and body)']]],
      support_dump_include_audit_logs: ['Include audit logs in support dumps'],
    },
  },
  registry: {
    title: 'Registry',
    description: 'How the trusted registry treats pushes.',
    fields: { create_repository_on_push: ['Create a repository on the first push', 'Otherwise repositories must be created first (Repositories → Create repository).'] },
  },
};

function humanize(key) {
  const text = key.replace(/[._]/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function sectionCard(key, values, roles) {
  const meta = SECTIONS[key] || { title: humanize(key), fields: {} };
  const message = messageArea();
  const controls = Object.entries(values).map(([field, value]) => {
    const [label, hint, choices] = meta.fields[field] || [humanize(field)];
    let c;
    if (choices) {
      const options = choices.map((o) => (Array.isArray(o) ? { value: o[0], label: o[1] } : { value: o, label: o }));
      c = control(label, { type: 'select', name: field, value, hint: hint || undefined, options });
    } else if (value !== null && typeof value === 'object') {
      c = control(label, { type: 'textarea', name: field, value: JSON.stringify(value, null, 2), hint: hint || 'JSON' });
    } else if (typeof value === 'boolean') {
      c = control(label, { type: 'checkbox', name: field, checked: value, hint });
    } else if (typeof value === 'number') {
      c = control(label, { type: 'number', name: field, value, hint, min: 0 });
    } else if (field === 'default_new_user_role') {
      c = control(label, { type: 'select', name: field, value, hint, options: roles.map((r) => ({ value: r.id, label: r.name })) });
    } else {
      c = control(label, { name: field, value: value ?? '', hint });
    }
    return [field, typeof value, c];
  });
  const form = h('form', { novalidate: true, 'data-section': key },
    meta.description ? h('p', { class: 'muted' }, meta.description) : null,
    message.el,
    controls.map(([, , c]) => c.field),
    h('div', { class: 'form-actions' }, button(`Save ${meta.title.toLowerCase()}`, { type: 'submit', kind: 'primary' })));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.hide();
    const body = {};
    for (const [field, type, c] of controls) {
      if (type === 'boolean') body[field] = c.control.checked;
      else if (type === 'number') body[field] = Number(c.control.value);
      else if (type === 'object') {
        try {
          body[field] = JSON.parse(c.control.value);
        } catch {
          message.show(`${field}: not valid JSON`);
          return;
        }
      } else body[field] = c.control.value;
    }
    try {
      await api.put(url`/api/ucp/config/${key}`, body);
      message.show('Saved.', 'success');
    } catch (error) {
      if (!error.sessionExpired) message.show(error.message);
    }
  });
  return card(meta.title, form);
}

export default {
  title: 'Admin settings',
  async render(ctx) {
    const [config, roles] = await Promise.all([api.get('/api/ucp/config'), api.get('/roles')]);
    const known = Object.keys(SECTIONS).filter((k) => k in config);
    const others = Object.keys(config).filter((k) => !(k in SECTIONS)).sort();
    ctx.root.append(
      pageHeader('Admin settings', {
        description: 'Cluster-wide settings. LDAP has its own page.',
        actions: [h('a', { href: '#/ldap', class: 'btn btn-secondary' }, 'LDAP settings')],
      }),
      h('div', { class: 'card-row' }, [...known, ...others].map((key) => sectionCard(key, config[key], roles))));
  },
};
