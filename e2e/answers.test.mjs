// A big deployment's answers read by a real client (Node's fetch, which asks
// for gzip and inflates it) from the real `sep serve`: the report's accounts
// read page by page (accounts=N, after=page.next) are the whole report's,
// the gzip answer is the plain one, and the CSV export streams every account.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { run, sepBin, startServe } from './harness/browser.mjs';

let sep;

before(async () => {
  const site = mkdtempSync(join(tmpdir(), 'sep-answers-site-'));
  writeFileSync(join(site, 'index.html'), '<!doctype html><title>sep</title><p>sep');
  sep = await startServe(site);
  // 400 users in 50 accounts, delivered in batches as a webhook would.
  const lines = (await run(sepBin, ['gen', '-users', '400', '-days', '30'])).trim().split('\n');
  for (let i = 0; i < lines.length; i += 1000) {
    const r = await fetch(`${sep.base}/v1/events`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: `[${lines.slice(i, i + 1000).join(',')}]`,
    });
    assert.equal(r.status, 200, await r.text());
  }
});

after(() => sep?.stop());

// raw reads an answer without inflating it, with the given Accept-Encoding.
function raw(path, encoding) {
  return new Promise((ok, fail) => {
    const req = request(`${sep.base}${path}`, { headers: { 'Accept-Encoding': encoding } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', fail);
    req.end();
  });
}

test('pages of the accounts add up to the whole report', async () => {
  const whole = await (await fetch(`${sep.base}/v1/score`)).json();
  assert.ok(whole.accounts.length >= 40, `${whole.accounts.length} accounts`);
  const rows = [], insights = [];
  let after = null, pages = 0;
  do {
    const q = `/v1/score?accounts=7${after === null ? '' : `&after=${encodeURIComponent(after)}`}`;
    const r = await fetch(`${sep.base}${q}`);
    assert.equal(r.status, 200);
    const page = await r.json();
    assert.equal(page.page.accounts, whole.accounts.length);
    assert.ok(page.accounts.length <= 7);
    assert.equal(page.pes, whole.pes);
    rows.push(...page.accounts);
    insights.push(...page.insights.accounts);
    after = page.page.next;
    pages++;
  } while (after !== null && pages <= whole.accounts.length);
  assert.equal(pages, Math.ceil(whole.accounts.length / 7));
  assert.deepEqual(rows, whole.accounts);
  assert.deepEqual(insights, whole.insights.accounts);
});

test('the gzip answer is the plain one, about ten times smaller', async () => {
  const plain = await raw('/v1/score', 'identity');
  const zipped = await raw('/v1/score', 'gzip, deflate, br');
  assert.equal(plain.status, 200);
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.equal(zipped.headers['content-encoding'], 'gzip');
  assert.match(zipped.headers.vary, /Accept-Encoding/);
  assert.ok(gunzipSync(zipped.body).equals(plain.body));
  assert.ok(zipped.body.length * 5 < plain.body.length, `${zipped.body.length} gzipped for ${plain.body.length}`);
});

test('the accounts CSV streams every account', async () => {
  const whole = await (await fetch(`${sep.base}/v1/score`)).json();
  const r = await fetch(`${sep.base}/v1/accounts.csv`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/csv/);
  const lines = (await r.text()).trim().split('\n');
  assert.equal(lines.length, whole.accounts.length + 1);
  assert.deepEqual(lines.slice(1).map((l) => l.split(',')[0]), whole.accounts.map((a) => a.id));
});
