// End-to-end tests of the online calculator in real Chromium: the page served
// by the real `sep serve`, exports made by the real CLI, and every number on
// screen compared with `sep score --json` on the same file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, startServe, run, sepBin, root } from './harness/browser.mjs';

const artifacts = join(root, 'e2e', 'artifacts');
const tmp = mkdtempSync(join(tmpdir(), 'sep-e2e-'));
let browser, server, exportFile, expected, expectedText;

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  exportFile = join(tmp, 'product.jsonl');
  await run(sepBin, ['gen', '--users', '150', '--days', '100', '--seed', '11', '--format', 'segment', '-o', exportFile]);
  expectedText = await run(sepBin, ['score', '--json', '--tz', 'UTC', exportFile]);
  expected = JSON.parse(expectedText);
  server = await startServe();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

const one = (v) => (v === null ? '–' : new Intl.NumberFormat('en', { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(v));

// openPage opens the calculator in UTC and English and waits for the Go core to
// be ready (the manual calculator has answered). It records every request.
async function openPage(query = '', opts = {}) {
  const context = await browser.newContext({ timezoneId: 'UTC', locale: opts.locale || 'en-US', acceptDownloads: true, viewport: opts.viewport });
  const page = await context.newPage();
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${server.base}/${query}`);
  await page.getByTestId('manual-pes').filter({ hasNotText: '–' }).waitFor({ state: 'attached' });
  return { context, page, requests, errors };
}

async function waitForResult(page) {
  await page.getByTestId('pes').filter({ hasNotText: '–' }).waitFor();
}

test('scoring an uploaded export shows exactly the CLI report, with no request during scoring', async () => {
  const { context, page, requests, errors } = await openPage();
  const loaded = requests.length;
  for (const url of requests) assert.ok(url.startsWith(server.base), `request to another origin: ${url}`);
  await page.getByTestId('file-input').setInputFiles(exportFile);
  await waitForResult(page);
  assert.deepEqual(requests.slice(loaded), [], 'requests made while scoring');

  for (const k of ['pes', 'adoption', 'stickiness', 'growth']) {
    assert.equal(await page.getByTestId(k).textContent(), one(expected[k]), k);
  }
  assert.equal(await page.getByTestId('quick-ratio').textContent(), expected.quick_ratio === 'inf' ? '∞' : one(expected.quick_ratio));
  const rows = page.getByTestId('accounts-table').locator('tbody tr');
  assert.equal(await rows.count(), expected.accounts.length);
  const first = [...expected.accounts].sort((a, b) => (a.pes ?? 1e9) - (b.pes ?? 1e9) || (a.id < b.id ? -1 : 1))[0];
  assert.equal(await rows.first().getAttribute('data-account'), first.id, 'sorted by SEP, lowest first');
  assert.equal(await page.getByTestId('warnings').locator('li').count(), expected.warnings.length);
  // Beyond the standard score: the same alerts, explanations and weighted score as the CLI.
  const ins = expected.insights;
  assert.ok(ins.alerts.length > 0, 'the generated product has alerts');
  assert.deepEqual(await page.getByTestId('alerts').locator('li').allTextContents(), ins.alerts.map((a) => a.message));
  assert.equal(await page.getByTestId('explanations').locator('li').count(), ins.accounts.filter((a) => a.explanation).length);
  assert.match(await page.getByTestId('weighted').textContent(), new RegExp(`^Weighted ${one(ins.weighted.mean)} `));

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-json').click()]);
  const saved = join(tmp, 'report.json');
  await download.saveAs(saved);
  assert.equal(readFileSync(saved, 'utf8'), expectedText, 'the downloaded JSON is byte for byte `sep score --json`');

  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-csv').click()]);
  await csv.saveAs(join(tmp, 'accounts.csv'));
  const csvLines = readFileSync(join(tmp, 'accounts.csv'), 'utf8').trim().split('\n');
  assert.equal(csvLines.length, expected.accounts.length + 1);
  const [traits] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-traits').click()]);
  await traits.saveAs(join(tmp, 'traits.csv'));
  const traitLines = readFileSync(join(tmp, 'traits.csv'), 'utf8').trim().split('\n');
  assert.match(traitLines[0], /^account_id,name,sep_pes,sep_band,sep_adoption,sep_stickiness,sep_growth,sep_weighted_score,sep_seat_usage,sep_at_risk,sep_single_champion,sep_scored_at$/);
  assert.equal(traitLines.length, expected.accounts.length + 1, 'one traits row per account');

  await page.screenshot({ path: join(artifacts, 'result.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});

test('settings in the URL apply before the first score, and a change rescores without reading again', async () => {
  const { context, page, requests } = await openPage('?window=14&core_events=Report%20Created,Query%20Run&ratio=wau/mau');
  const want = JSON.parse(await run(sepBin, ['score', '--json', '--tz', 'UTC', '--window', '14', '--core-events', 'Report Created,Query Run', '--ratio', 'wau/mau', exportFile]));
  await page.getByTestId('file-input').setInputFiles(exportFile);
  await waitForResult(page);
  for (const k of ['pes', 'adoption', 'stickiness', 'growth']) assert.equal(await page.getByTestId(k).textContent(), one(want[k]), k);

  const loaded = requests.length;
  const unit = JSON.parse(await run(sepBin, ['score', '--json', '--tz', 'UTC', '--window', '14', '--core-events', 'Report Created,Query Run', '--ratio', 'wau/mau', '--unit', 'account', exportFile]));
  await page.locator('#unit').selectOption('account');
  await page.waitForFunction((v) => document.querySelector('[data-testid=adoption]').textContent === v, one(unit.adoption));
  assert.equal(await page.getByTestId('pes').textContent(), one(unit.pes));
  assert.match(page.url(), /unit=account/);
  assert.deepEqual(requests.slice(loaded), []);
  await context.close();
});

test('the manual calculator gives the seed example and updates as one types', async () => {
  const { context, page } = await openPage();
  await page.locator('#tab-manual').click();
  assert.equal(await page.getByTestId('manual-pes').textContent(), '51.2');
  assert.equal(await page.getByTestId('manual-adoption').textContent(), '66.7');
  assert.equal(await page.getByTestId('manual-stickiness').textContent(), '25.0');
  assert.equal(await page.getByTestId('manual-growth').textContent(), '61.9');
  await page.getByTestId('m-dropped').fill('0');
  await page.waitForFunction(() => document.querySelector('[data-testid=manual-qr]').textContent === '∞');
  assert.equal(await page.getByTestId('manual-growth').textContent(), '100.0');
  await context.close();
});

test('a broken file shows a clear error and the page keeps working', async () => {
  const { context, page } = await openPage();
  const broken = join(tmp, 'broken.txt');
  writeFileSync(broken, 'this is not an analytics export\n');
  await page.getByTestId('file-input').setInputFiles(broken);
  await page.getByTestId('error').waitFor();
  assert.match(await page.getByTestId('error').textContent(), /broken\.txt.*(format|detect)/);
  await page.getByTestId('file-input').setInputFiles(exportFile);
  await waitForResult(page);
  assert.equal(await page.getByTestId('pes').textContent(), one(expected.pes));
  await context.close();
});

test('French: the switch translates the page and formats numbers the French way', async () => {
  const { context, page } = await openPage('', { locale: 'en-US' });
  await page.getByTestId('lang-switch').click();
  assert.equal(await page.locator('html').getAttribute('lang'), 'fr');
  assert.equal(await page.locator('h1').textContent(), "Calculateur du Score d'Engagement Produit");
  await page.locator('#tab-manual').click();
  assert.equal(await page.getByTestId('manual-pes').textContent(), '51,2');
  assert.match(page.url(), /lang=fr/);
  await context.close();
  // A French browser gets French from the start.
  const fr = await openPage('', { locale: 'fr-FR' });
  assert.equal(await fr.page.locator('html').getAttribute('lang'), 'fr');
  await fr.context.close();
});

test('the demo button scores the bundled export, on a phone-width screen', async () => {
  const { context, page, requests } = await openPage('', { viewport: { width: 390, height: 844 } });
  await page.getByTestId('demo-button').click();
  await waitForResult(page);
  for (const url of requests) assert.ok(url.startsWith(server.base), url);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the page is ${width}px wide on a 390px screen`);
  await page.screenshot({ path: join(artifacts, 'demo-phone.png'), fullPage: true });
  await context.close();
});
