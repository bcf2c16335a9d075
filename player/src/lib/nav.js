// Where a signed-in user may go (by role) and the sign-in round trip. Pure; unit tested.

/** The header's links, in order, each shown when the user holds one of its roles (none listed: everyone). */
export const NAV = [
  { href: '/catalog', label: 'Catalog', roles: [] },
  { href: '/learn', label: 'My learning', roles: [] },
  { href: '/teach', label: 'Teach', roles: ['instructor', 'admin'] },
  { href: '/upload', label: 'Upload', roles: ['instructor', 'admin'] },
  { href: '/admin', label: 'Admin', roles: ['admin'] },
];

/** The nav links a user with roles may see; current marks the one whose section contains pathname. */
export function navFor(roles, pathname = '') {
  const have = new Set(roles || []);
  return NAV.filter((n) => n.roles.length === 0 || n.roles.some((r) => have.has(r)))
    .map(({ href, label }) => ({ href, label, current: sectionOf(pathname) === href }));
}

/** /courses/x and /catalog are the catalog's section; /learn/a/b is "My learning"; /teach/courses/x is "Teach". */
export function sectionOf(pathname) {
  const p = String(pathname || '');
  if (p === '/catalog' || p.startsWith('/courses/')) return '/catalog';
  for (const s of ['/learn', '/teach', '/upload', '/admin']) {
    if (p === s || p.startsWith(`${s}/`)) return s;
  }
  return '';
}

/** May a user with roles open the page at pathname? (the API decides for real; this only avoids dead ends) */
export function allowed(roles, pathname) {
  const s = sectionOf(pathname);
  const item = NAV.find((n) => n.href === s);
  if (!item || item.roles.length === 0) return true;
  const have = new Set(roles || []);
  return item.roles.some((r) => have.has(r));
}

/** The page a user lands on after signing in without a next= target. */
export function homeFor(roles) {
  const have = new Set(roles || []);
  if (have.has('learner')) return '/learn';
  if (have.has('instructor')) return '/teach';
  if (have.has('admin')) return '/admin';
  return '/catalog';
}

/** /login?next=<this page>, for a location-like {pathname, search, hash}. */
export function loginUrl(loc) {
  const here = `${loc.pathname || '/'}${loc.search || ''}${loc.hash || ''}`;
  if (here === '/' || here.startsWith('/login')) return '/login';
  return `/login?next=${encodeURIComponent(here)}`;
}

/** The next= target if it is a path on this site, else null (no open redirects: //evil, http:, \\). */
export function safeNext(next) {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return null;
  if (/[\u0000-\u001f]/.test(next) || next.startsWith('/login')) return null;
  return next;
}
