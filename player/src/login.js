// Sign-in page: /login?next=<path>. POST /api/v1/sessions sets the HttpOnly
// lectern_session cookie; every other page then just fetches same-origin.
import { api, ApiError } from './lib/api.js';
import { onSubmit } from './lib/app.js';
import { safeNext, homeFor } from './lib/nav.js';

const form = document.getElementById('login');
const next = safeNext(new URLSearchParams(location.search).get('next'));

// Already signed in (a valid cookie): go on at once.
api('/api/v1/me').then((me) => {
  location.replace(next || homeFor(me.roles || (me.user && me.user.roles)));
}).catch(() => { /* not signed in: stay */ });

onSubmit(form, async (data) => {
  const body = { email: (data.email || '').trim(), password: data.password || '' };
  if ((data.org || '').trim()) body.org = data.org.trim();
  if (!body.email) throw new ApiError(400, 'invalid', 'Enter your email address.', 'email');
  if (!body.password) throw new ApiError(400, 'invalid', 'Enter your password.', 'password');
  try {
    const res = await api('/api/v1/sessions', { method: 'POST', body });
    const roles = (res && res.user && res.user.roles) || [];
    location.assign(next || homeFor(roles));
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      // don't say which of the two was wrong
      const e = new ApiError(401, err.code, 'That email and password do not match an account.', 'password');
      document.getElementById('password').value = '';
      throw e;
    }
    if (err instanceof ApiError && err.field === 'org') document.getElementById('org-details').open = true;
    throw err;
  }
});
