// Lectern watch page: /watch/<id> — one video in the full-width player (lib/player.js).
import { mountPlayer, videoIdFromPath } from './lib/player.js';
import { loginUrl } from './lib/nav.js';

const params = new URLSearchParams(location.search);
mountPlayer(document.getElementById('player'), {
  videoId: videoIdFromPath(location.pathname) || params.get('id') || '',
  params,
  title: document.getElementById('title'),
  subtitle: document.getElementById('subtitle'),
  // A signed-out visitor (no session cookie) is sent to sign in and back.
  onUnauthorized: () => location.assign(loginUrl(location)),
});
