// The application shell: login screen, header with the user menu, sidebar navigation
// built from NAVIGATION, and a hash router that loads one page module per first path
// segment (#/users/alice → ./pages/users.js with params ['alice']).

import {
  api, cancelAll, getToken, onSessionExpired, request, setToken,
} from './api.js';
import { button, clear, control, h, messageArea } from './dom.js';
import { HOME, NAVIGATION, SECTIONS } from './nav.js';

const app = document.getElementById('app');
const state = { me: null, renderId: 0, returnTo: null };

// -- session -------------------------------------------------------------------------------------

/** The page on screen is over (logout, expiry): its pending work and timers stop
 * (pages check ctx.isCurrent()). */
function endPage() {
  state.renderId += 1;
  cancelAll();
}

onSessionExpired(() => {
  if (!state.me) return;
  endPage();
  state.me = null;
  state.returnTo = location.hash;
  showLogin('Your session expired, please log in again');
});

async function logout() {
  endPage();
  const token = getToken();
  if (token) {
    try {
      await request('POST', '/auth/logout', { session: false });
    } catch {
      // already ended: nothing to do
    }
  }
  setToken(null);
  state.me = null;
  state.returnTo = null;
  history.replaceState(null, '', '#/');
  showLogin('You have logged out.', 'info');
}

function showLogin(notice, kind = 'warning') {
  document.title = 'Log in · Wharf';
  const message = messageArea();
  const username = control('Username', { autocomplete: 'username', required: true, name: 'username' });
  const password = control('Password', { type: 'password', autocomplete: 'current-password', required: true, name: 'password' });
  const submit = button('Log in', { type: 'submit', kind: 'primary', class: 'btn-block' });
  const form = h('form', { class: 'login-form', novalidate: true, 'aria-labelledby': 'login-title' },
    h('div', { class: 'login-brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }), 'Wharf'),
    h('h1', { id: 'login-title', class: 'login-title' }, 'Log in'),
    message.el, username.field, password.field, submit);
  if (notice) message.show(notice, kind);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!username.control.value || !password.control.value) {
      message.show('Enter your username and password.');
      return;
    }
    submit.disabled = true;
    try {
      const body = await request('POST', '/auth/login', {
        session: false,
        anonymous: true,
        body: { username: username.control.value.trim(), password: password.control.value },
      });
      setToken(body.auth_token);
      await start();
    } catch (error) {
      message.show(error.status === 401 ? 'Wrong username or password, or the account is inactive.' : error.message);
      submit.disabled = false;
      password.control.value = '';
      password.control.focus();
    }
  });
  clear(app).append(h('main', { class: 'login-page', id: 'main' }, form));
  username.control.focus();
}

async function start() {
  try {
    state.me = await api.get('/auth/whoami');
  } catch (error) {
    showLogin(error.sessionExpired ? 'Your session expired, please log in again' : error.message,
      error.sessionExpired ? 'warning' : 'error');
    return;
  }
  renderShell();
  const target = state.returnTo && state.returnTo !== '#/login' ? state.returnTo : location.hash;
  state.returnTo = null;
  if (target && target !== location.hash) location.hash = target;
  else route();
}

// -- shell ---------------------------------------------------------------------------------------

function visibleEntries() {
  return NAVIGATION.filter((e) => !e.hidden && (!e.admin || state.me?.isAdmin));
}

function renderShell() {
  const me = state.me;
  const sections = SECTIONS.map((section) => {
    const entries = visibleEntries().filter((e) => e.section === section);
    if (!entries.length) return null;
    const headingId = `nav-${section.replace(/\W+/g, '-').toLowerCase()}`;
    return h('div', { class: 'nav-section' },
      h('h2', { class: 'nav-heading', id: headingId }, section),
      h('ul', { 'aria-labelledby': headingId },
        entries.map((e) => h('li', {}, h('a', { href: `#/${e.id}`, 'data-nav': e.id }, e.label)))));
  });
  const userMenu = h('div', { class: 'user-menu' },
    h('a', { href: '#/profile', class: 'user-link', 'data-nav': 'profile', title: 'My profile' },
      h('span', { class: 'avatar', 'aria-hidden': 'true' }, (me.name || '?').slice(0, 1).toUpperCase()),
      h('span', {}, me.name),
      me.isAdmin ? h('span', { class: 'badge badge-info' }, 'admin') : null),
    button('Log out', { onClick: logout, kind: 'ghost', class: 'logout' }));
  // (the hash is the router's: the skip link moves focus itself)
  const skip = h('a', { href: '#main', class: 'skip-link' }, 'Skip to content');
  skip.addEventListener('click', (event) => {
    event.preventDefault();
    document.getElementById('main')?.focus();
  });
  clear(app).append(
    skip,
    h('header', { class: 'topbar' },
      h('a', { href: `#/${HOME}`, class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }), 'Wharf'),
      userMenu),
    h('div', { class: 'layout' },
      h('nav', { class: 'sidebar', 'aria-label': 'Main' }, sections),
      h('main', { id: 'main', class: 'content', tabindex: '-1' })));
}

function markCurrent(id) {
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === id) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

// -- router --------------------------------------------------------------------------------------

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = raw.split('?');
  const segments = path.split('/').filter(Boolean).map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  return { segments, query: new URLSearchParams(query) };
}

export function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

async function route() {
  if (!state.me) return;
  const main = document.getElementById('main');
  if (!main) return;
  const { segments, query } = parseHash();
  const id = segments[0] || HOME;
  const entry = NAVIGATION.find((e) => e.id === id);
  markCurrent(entry?.id);
  const renderId = ++state.renderId;
  const view = h('div', { class: 'page' });
  // Pages append optional parts (`condition ? node : null`): skip the empty ones.
  view.append = (...nodes) => Element.prototype.append.apply(
    view, nodes.flat(Infinity).filter((n) => n !== null && n !== undefined && n !== false));
  clear(main).append(view);
  if (!entry) {
    notice(view, 'Page not found', 'There is no page at this address.');
    return;
  }
  if (entry.admin && !state.me.isAdmin) {
    notice(view, 'Not available', 'This page is for administrators.');
    return;
  }
  view.append(h('p', { class: 'loading', role: 'status' }, 'Loading…'));
  let page;
  try {
    page = (await import(entry.module)).default;
  } catch (error) {
    notice(view, 'Could not load this page', String(error.message || error));
    return;
  }
  if (renderId !== state.renderId) return;
  clear(view);
  document.title = `${page.title || entry.label} · Wharf`;
  const ctx = {
    root: view,
    params: segments.slice(1),
    query,
    me: state.me,
    go,
    refresh: route,
    isCurrent: () => renderId === state.renderId,
    updateMe: (me) => {
      state.me = me;
    },
  };
  try {
    await page.render(ctx);
  } catch (error) {
    if (error?.sessionExpired || renderId !== state.renderId) return;
    clear(view);
    notice(view, error.status === 404 ? 'Not found' : 'Something went wrong', error.message || String(error));
  }
  if (renderId === state.renderId && state.focusMain) {
    const heading = view.querySelector('h1');
    if (heading) {
      heading.setAttribute('tabindex', '-1');
      heading.focus({ preventScroll: true });
    }
  }
  state.focusMain = true;
}

function notice(view, title, text) {
  document.title = `${title} · Wharf`;
  view.append(h('div', { class: 'page-header' }, h('h1', {}, title)),
    h('div', { class: 'message message-error', role: 'alert' }, text),
    h('p', {}, h('a', { href: `#/${HOME}` }, 'Back to the dashboard')));
}

window.addEventListener('hashchange', route);

if (getToken()) start();
else showLogin();
