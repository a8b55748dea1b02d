// Cross-site writes from a real browser (issue #11, item 8): a page served by
// a second loopback origin tries to plant an event in the real `sep serve`
// with the requests a page may send without a CORS preflight; none may be
// stored. The same write from sep's own page is stored (the control).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, startServe } from './harness/browser.mjs';

let browser, sep, evil, evilBase;

before(async () => {
  const site = mkdtempSync(join(tmpdir(), 'sep-hostile-site-'));
  writeFileSync(join(site, 'index.html'), '<!doctype html><title>sep</title><p>sep');
  sep = await startServe(site);
  // The attacker's page: another origin (another port on loopback, and the
  // name localhost instead of 127.0.0.1, so that it is cross-site too).
  evil = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><title>evil</title><p>evil');
  });
  await new Promise((ok) => evil.listen(0, '127.0.0.1', ok));
  evilBase = `http://localhost:${evil.address().port}`;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  evil?.close();
  sep?.stop();
});

const event = (id) => JSON.stringify({ type: 'track', messageId: id, userId: 'planted', event: 'Report Created', timestamp: '2026-09-01T10:00:00Z' });

async function storedEvents() {
  const r = await fetch(`${sep.base}/v1/score`);
  assert.equal(r.status, 200);
  return (await r.json()).input.events;
}

// attempts runs in the page: every kind of write a page can make to another
// origin without a preflight; the answers are opaque, so only the store tells.
async function attempts({ url, bodies }) {
  const sent = [];
  const tries = [
    (b) => fetch(url, { method: 'POST', mode: 'no-cors', body: b }), // text/plain
    (b) => fetch(url, { method: 'POST', mode: 'no-cors', body: new Blob([b]) }), // no Content-Type
    (b) => fetch(url, { method: 'POST', mode: 'no-cors', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: b }),
    (b) => fetch(url, { method: 'POST', mode: 'no-cors', body: new URLSearchParams({ [b]: '' }) }),
    (b) => fetch(url, { method: 'POST', mode: 'no-cors', body: new Blob([b], { type: 'application/json' }) }), // dropped to no-cors rules
    (b) => navigator.sendBeacon(url, b),
    (b) => navigator.sendBeacon(url, new Blob([b], { type: 'text/plain' })),
  ];
  for (let i = 0; i < tries.length; i++) {
    try {
      await tries[i](bodies[i]);
      sent.push(i);
    } catch (e) {
      sent.push(`${i}: ${e}`);
    }
  }
  // A form posted into a hidden frame.
  const frame = document.createElement('iframe');
  frame.name = 'sink';
  document.body.append(frame);
  const form = document.createElement('form');
  form.method = 'POST';
  form.action = url;
  form.target = 'sink';
  form.enctype = 'text/plain';
  const input = document.createElement('input');
  input.name = bodies[tries.length].slice(0, -2) + '"';
  input.value = '}';
  form.append(input);
  document.body.append(form);
  const loaded = new Promise((ok) => { frame.onload = ok; setTimeout(ok, 3000); });
  form.submit();
  await loaded;
  return sent;
}

test('a page on another origin cannot store an event in sep serve', async () => {
  const page = await browser.newPage();
  const seen = [];
  page.on('request', (r) => { if (r.url().startsWith(sep.base)) seen.push(r.url()); });
  await page.goto(evilBase + '/');
  const bodies = Array.from({ length: 8 }, (_, i) => event(`planted-${i}`));
  const sent = await page.evaluate(attempts, { url: `${sep.base}/v1/events`, bodies });
  assert.ok(sent.length >= 7, `attempts: ${sent}`);
  // sendBeacon delivers in the background: wait until the browser has sent them.
  await new Promise((ok) => setTimeout(ok, 1500));
  assert.ok(seen.length >= 4, `the browser sent ${seen.length} requests to sep`);
  assert.equal(await storedEvents(), 0, 'a cross-site write was stored');
  await page.close();
});

test('sep\'s own page can write (the control)', async () => {
  const page = await browser.newPage();
  await page.goto(sep.base + '/');
  const status = await page.evaluate(async ({ url, body }) => {
    const r = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    return r.status;
  }, { url: `${sep.base}/v1/events`, body: event('own-page') });
  assert.equal(status, 200);
  assert.equal(await storedEvents(), 1);
  await page.close();
});

test('a rebound host name gets no answer from the loopback server', async () => {
  // DNS rebinding: the attacker's name resolves to 127.0.0.1, the browser
  // sends Host: evil.example. Chromium's resolver is mapped to do just that.
  const ctxBrowser = await (await import('playwright-core')).chromium.launch({
    executablePath: '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', `--host-resolver-rules=MAP evil.example 127.0.0.1`],
  });
  try {
    const page = await ctxBrowser.newPage();
    const port = new URL(sep.base).port;
    const resp = await page.goto(`http://evil.example:${port}/v1/score`);
    assert.equal(resp.status(), 421);
    assert.doesNotMatch(await resp.text(), /"accounts"/);
  } finally {
    await ctxBrowser.close();
  }
});
