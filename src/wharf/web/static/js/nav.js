// The navigation: one entry per page module. The first segment of the location hash
// (#/<id>/...) picks the entry; the module renders everything below it.
//
// Adding a screen is one new module in ./pages/ exporting
//   export default { title: 'Services', async render(ctx) { ... } }
// plus its entry here. `section` groups the sidebar; `admin: true` hides the entry from
// non-administrators and refuses the route (the API refuses the calls anyway);
// `hidden: true` keeps it out of the sidebar (reached from elsewhere).

export const SECTIONS = ['Overview', 'Swarm', 'Registry', 'Access control', 'Administration'];

export const NAVIGATION = [
  { id: 'home', label: 'Dashboard', section: 'Overview', module: './pages/home.js' },
  { id: 'services', label: 'Services', section: 'Swarm', module: './pages/services.js' },
  { id: 'nodes', label: 'Nodes', section: 'Swarm', module: './pages/nodes.js' },
  { id: 'repositories', label: 'Repositories', section: 'Registry', module: './pages/repositories.js' },
  { id: 'users', label: 'Users', section: 'Access control', admin: true, module: './pages/users.js' },
  { id: 'orgs', label: 'Organizations & teams', section: 'Access control', module: './pages/orgs.js' },
  { id: 'roles', label: 'Roles', section: 'Access control', module: './pages/roles.js' },
  { id: 'collections', label: 'Collections', section: 'Access control', module: './pages/collections.js' },
  { id: 'grants', label: 'Grants', section: 'Access control', module: './pages/grants.js' },
  { id: 'explain', label: 'Explain access', section: 'Access control', module: './pages/explain.js' },
  { id: 'settings', label: 'Admin settings', section: 'Administration', admin: true, module: './pages/settings.js' },
  { id: 'ldap', label: 'LDAP', section: 'Administration', admin: true, module: './pages/ldap.js' },
  { id: 'profile', label: 'My profile', hidden: true, module: './pages/profile.js' },
];

export const HOME = 'home';
