// Smoke test of the browser itself: Debian chromium starts under playwright-core
// and can play what Lectern produces (MSE + H.264/AAC in fragmented MP4).
// Needs no running stack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from './lib/browser.js';

test('chromium starts and supports MSE with H.264 + AAC', async () => {
  const browser = await launch();
  try {
    const page = await browser.newPage();
    await page.setContent('<video></video>');
    const caps = await page.evaluate(() => ({
      mse: typeof MediaSource === 'function',
      h264: typeof MediaSource === 'function' && MediaSource.isTypeSupported('video/mp4; codecs="avc1.64001f"'),
      aac: typeof MediaSource === 'function' && MediaSource.isTypeSupported('audio/mp4; codecs="mp4a.40.2"'),
      userAgent: navigator.userAgent,
    }));
    assert.ok(caps.mse, `no MediaSource in ${caps.userAgent}`);
    assert.ok(caps.h264, `chromium cannot play H.264 in MSE (${caps.userAgent})`);
    assert.ok(caps.aac, `chromium cannot play AAC in MSE (${caps.userAgent})`);
  } finally {
    await browser.close();
  }
});
