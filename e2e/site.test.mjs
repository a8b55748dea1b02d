// End-to-end tests of the online calculator in real Chromium: the page served
// by the real `sep serve`, exports made by the real CLI, and every number on
// screen compared with `sep score --json --tz ZONE` on the same file, in
// several places (browser time zone and locale): the page counts days in the
// browser's zone by default, and the fixture's events sit around midnight UTC,
// so a page that used another zone would show other numbers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, startServe, run, sepBin, root } from './harness/browser.mjs';
import { segmentAtNight, amplitudeExportZip } from './harness/fixtures.mjs';

const artifacts = join(root, 'e2e', 'artifacts');
const tmp = mkdtempSync(join(tmpdir(), 'sep-e2e-'));
const demoDir = join(root, 'dist', 'site', 'demo');
const exportName = 'product.jsonl';
const zipName = 'amplitude-export.zip';
let browser, server;

// The places the page is tried in: a browser time zone and its locale.
const PARIS = { tz: 'Europe/Paris', locale: 'fr-FR', lang: 'fr', tag: 'paris-fr' };
const LA = { tz: 'America/Los_Angeles', locale: 'en-US', lang: 'en', tag: 'la-en' };
const UTC = { tz: 'UTC', locale: 'en-US', lang: 'en', tag: 'utc-en' };
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  // Segment: 150 users over 100 days, moved 11 hours later so that the
  // generator's 07:00-19:00 UTC working day straddles midnight UTC.
  const segment = await run(sepBin, ['gen', '--users', '150', '--days', '100', '--seed', '11', '--format', 'segment']);
  writeFileSync(join(tmp, exportName), segmentAtNight(segment, 11));
  const amplitude = await run(sepBin, ['gen', '--users', '80', '--days', '62', '--seed', '5', '--format', 'amplitude']);
  writeFileSync(join(tmp, zipName), amplitudeExportZip(amplitude, 11));
  server = await startServe();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

// cli returns `sep score --json` of a file of tmp (run there, with the bare
// name the page also sees), as text and parsed; results are kept.
const cliCache = new Map();
async function cli(file, args, cwd = tmp) {
  const key = JSON.stringify([file, args, cwd]);
  if (!cliCache.has(key)) {
    const text = await run(sepBin, ['score', '--json', ...args, file], { cwd });
    cliCache.set(key, { text, json: JSON.parse(text) });
  }
  return cliCache.get(key);
}

// byId orders account ids as people do (acct-2 before acct-10), as the page does.
const byId = new Intl.Collator('en', { numeric: true }).compare;

// one formats a component as the page does in that language.
const one = (v, lang = 'en') => (v === null ? '–' : new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(v));

// openPage opens the calculator in a place and waits for the Go core to be
// ready (the manual calculator has answered). It records every request.
async function openPage(place, query = '', viewport = DESKTOP) {
  const context = await browser.newContext({ timezoneId: place.tz, locale: place.locale, acceptDownloads: true, viewport });
  const page = await context.newPage();
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${server.base}/${query}`);
  await page.getByTestId('manual-pes').filter({ hasNotText: '–' }).waitFor({ state: 'attached' });
  return { context, page, requests, errors };
}

// openSettings unfolds the settings panel (folded by default; its summary
// says what is in force).
async function openSettings(page) {
  if (!(await page.locator('#settings-panel').evaluate((d) => d.open))) await page.locator('#settings-panel > summary').click();
}

async function waitForResult(page) {
  await page.locator('#result:not([hidden])').waitFor();
  await page.getByTestId('pes').filter({ hasNotText: '–' }).waitFor();
}

// assertScores checks the four components and the quick ratio on screen.
async function assertScores(page, want, lang) {
  for (const k of ['pes', 'adoption', 'stickiness', 'growth']) {
    assert.equal(await page.getByTestId(k).textContent(), one(want[k], lang), k);
  }
  assert.equal(await page.getByTestId('quick-ratio').textContent(), want.quick_ratio === 'inf' ? '∞' : one(want.quick_ratio, lang));
}

// assertUsable checks what any error must leave: the message, the controls
// enabled, no progress and no result that could pass for this input's; a
// settings error outlines its field.
async function assertUsable(page, pattern, field) {
  await page.getByTestId('error').filter({ hasText: pattern }).waitFor();
  assert.deepEqual(await page.locator('[aria-invalid=true]').evaluateAll((els) => els.map((e) => `#${e.id}`)), field ? [field] : []);
  assert.equal(await page.locator('#result').isHidden(), true, 'the previous result is cleared');
  assert.equal(await page.getByTestId('progress').isHidden(), true, 'no progress bar left');
  for (const id of ['#demo', '#file', '#tz', '#window', '#as-of', '#unit', '#ratio']) {
    assert.equal(await page.locator(id).isEnabled(), true, `${id} is enabled`);
  }
}

// shoot saves a full-page screenshot at desktop and phone widths.
async function shoot(page, name) {
  for (const [size, vp] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    await page.setViewportSize(vp);
    await page.waitForFunction((w) => document.documentElement.scrollWidth <= w, vp.width);
    await page.screenshot({ path: join(artifacts, `${name}-${size}.png`), fullPage: true });
  }
}

test('the fixture scores differently in each zone (a page in the wrong zone would fail)', async () => {
  const [p, l, u] = await Promise.all([PARIS, LA, UTC].map((pl) => cli(exportName, ['--tz', pl.tz])));
  for (const [a, b] of [[p, l], [p, u], [l, u]]) {
    assert.notEqual(a.json.stickiness, b.json.stickiness, `${a.json.settings.tz} vs ${b.json.settings.tz}`);
  }
});

for (const place of [PARIS, LA, UTC]) {
  test(`${place.tz} (${place.locale}): an uploaded export shows exactly \`sep score --tz ${place.tz}\`, with no request while scoring`, async () => {
    const { context, page, requests, errors } = await openPage(place);
    const { text: expectedText, json: expected } = await cli(exportName, ['--tz', place.tz]);
    assert.equal(await page.locator('#tz').inputValue(), place.tz, "the page defaults to the browser's zone");
    const loaded = requests.length;
    for (const url of requests) assert.ok(url.startsWith(server.base), `request to another origin: ${url}`);
    await page.getByTestId('file-input').setInputFiles(join(tmp, exportName));
    await waitForResult(page);
    assert.deepEqual(requests.slice(loaded), [], 'requests made while scoring');

    await assertScores(page, expected, place.lang);
    // Advice by band: under the low mark, between the marks, from the high mark.
    for (const [k, low, high] of [['adoption', 60, 80], ['stickiness', 20, 50], ['growth', 40, 60]]) {
      const band = expected[k] === null ? '' : expected[k] < low ? 'low' : expected[k] < high ? 'mid' : 'high';
      assert.equal(await page.getByTestId(`hint-${k}`).getAttribute('data-band'), band, `advice for ${k} ${expected[k]}`);
    }
    assert.match(await page.getByTestId('result-for').textContent(), new RegExp(`${exportName} · .* ${place.tz}$`));
    const rows = page.getByTestId('accounts-table').locator('tbody tr');
    assert.equal(await rows.count(), expected.accounts.length);
    const first = [...expected.accounts].sort((a, b) => (a.pes ?? 1e9) - (b.pes ?? 1e9) || byId(a.id, b.id))[0];
    assert.equal(await rows.first().getAttribute('data-account'), first.id, 'sorted by SEP, lowest first');
    assert.equal(await page.getByTestId('warnings').locator('li').count(), expected.warnings.length);
    // Beyond the standard score: the same alerts, explanations and weighted score as the CLI.
    const ins = expected.insights;
    assert.ok(ins.alerts.length > 0, 'the generated product has alerts');
    // Alerts grouped by account, accounts in numeric order (acct-2 before acct-10).
    const grouped = [...ins.alerts].sort((a, b) => byId(a.account, b.account)).map((a) => a.message);
    // English shows the core's sentences; French words them from rule and values (page.test.mjs).
    const shownAlerts = await page.locator('#alerts .alert, #alerts-more-list .alert').allTextContents();
    if (place.lang === 'en') assert.deepEqual(shownAlerts, grouped);
    else assert.equal(shownAlerts.length, grouped.length);
    assert.deepEqual(await page.locator('#alerts > li, #alerts-more-list > li').evaluateAll((els) => els.map((e) => e.dataset.account)),
      [...new Set(grouped.length ? [...ins.alerts].sort((a, b) => byId(a.account, b.account)).map((a) => a.account) : [])]);
    assert.equal(await page.getByTestId('explanations').locator('li').count(), ins.accounts.filter((a) => a.explanation).length);
    assert.match(await page.getByTestId('weighted').textContent(), new RegExp(`^${place.lang === 'fr' ? 'Pondéré' : 'Weighted'} ${one(ins.weighted.mean, place.lang)} `));
    // How each file was read: shown when the report has input.files.
    const filesRead = expected.input.files || [];
    assert.equal(await page.getByTestId('input-files').isHidden(), filesRead.length === 0);
    assert.equal(await page.getByTestId('input-files').locator('tbody tr').count(), filesRead.length);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-json').click()]);
    const saved = join(tmp, `report-${place.tag}.json`);
    await download.saveAs(saved);
    assert.equal(readFileSync(saved, 'utf8'), expectedText, `the downloaded JSON is byte for byte \`sep score --json --tz ${place.tz}\``);

    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-csv').click()]);
    await csv.saveAs(join(tmp, `accounts-${place.tag}.csv`));
    const csvLines = readFileSync(join(tmp, `accounts-${place.tag}.csv`), 'utf8').trim().split('\n');
    assert.equal(csvLines.length, expected.accounts.length + 1);
    const [traits] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-traits').click()]);
    await traits.saveAs(join(tmp, `traits-${place.tag}.csv`));
    const traitLines = readFileSync(join(tmp, `traits-${place.tag}.csv`), 'utf8').trim().split('\n');
    assert.match(traitLines[0], /^account_id,name,sep_pes,sep_band,sep_adoption,sep_stickiness,sep_growth,sep_weighted_score,sep_seat_usage,sep_at_risk,sep_single_champion,sep_scored_at$/);
    assert.equal(traitLines.length, expected.accounts.length + 1, 'one traits row per account');

    if (place !== UTC) await shoot(page, `result-${place.tag}`);
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test('an Amplitude Export API zip (hourly gzipped JSON lines) scores as the CLI scores it', async () => {
  const { context, page, errors } = await openPage(LA, '', PHONE);
  const { text: expectedText, json: expected } = await cli(zipName, ['--tz', LA.tz]);
  assert.ok(expected.input.events > 1000, 'the zip was read');
  assert.notEqual(expected.pes, null, 'a full score (growth needs 60 days)');
  await page.getByTestId('file-input').setInputFiles(join(tmp, zipName));
  await waitForResult(page);
  await assertScores(page, expected, 'en');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-json').click()]);
  await download.saveAs(join(tmp, 'report-zip.json'));
  assert.equal(readFileSync(join(tmp, 'report-zip.json'), 'utf8'), expectedText);
  assert.deepEqual(errors, []);
  await context.close();
});

test('settings in the URL apply before the first score, and a change rescores without reading again', async () => {
  const { context, page, requests } = await openPage(UTC, '?window=14&core_events=Report%20Created,Query%20Run&ratio=wau/mau');
  const args = ['--tz', 'UTC', '--window', '14', '--core-events', 'Report Created,Query Run', '--ratio', 'wau/mau'];
  const { json: want } = await cli(exportName, args);
  await page.getByTestId('file-input').setInputFiles(join(tmp, exportName));
  await waitForResult(page);
  await assertScores(page, want, 'en');

  const loaded = requests.length;
  const { json: unit } = await cli(exportName, [...args, '--unit', 'account']);
  assert.match(await page.getByTestId('settings-summary').textContent(), /^2 core events · 14 days · WAU\/MAU · users · UTC · As of /);
  await openSettings(page);
  await page.locator('#unit').selectOption('account');
  await page.waitForFunction((v) => document.querySelector('[data-testid=adoption]').textContent === v, one(unit.adoption));
  assert.equal(await page.getByTestId('pes').textContent(), one(unit.pes));
  assert.match(page.url(), /unit=account/);
  assert.deepEqual(requests.slice(loaded), []);
  await context.close();
});

test('the manual calculator gives the seed example and updates as one types', async () => {
  const { context, page } = await openPage(UTC);
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

test('Paris: a broken file after a result clears it, says which file, and the page keeps working', async () => {
  const { context, page, errors } = await openPage(PARIS);
  const { json: expected } = await cli(exportName, ['--tz', PARIS.tz]);
  await page.getByTestId('file-input').setInputFiles(join(tmp, exportName));
  await waitForResult(page);
  const broken = join(tmp, 'broken.txt');
  writeFileSync(broken, 'this is not an analytics export\n');
  await page.getByTestId('file-input').setInputFiles(broken);
  await assertUsable(page, /^Impossible de noter ce fichier : .*broken\.txt/);
  // A readable file with no activity is an error too, as in `sep score` (exit 1).
  const idOnly = join(tmp, 'identify-only.jsonl');
  writeFileSync(idOnly, '{"type":"identify","userId":"u1","messageId":"i1","timestamp":"2026-09-01T23:30:00+05:30","traits":{"plan":null}}\n');
  await page.getByTestId('file-input').setInputFiles(idOnly);
  await assertUsable(page, /aucun événement d’activité \(track, page ou screen\) n’a pu être lu : identify-only\.jsonl lu comme segment, 1 enregistrements/);
  await page.getByTestId('file-input').setInputFiles(join(tmp, exportName));
  await waitForResult(page);
  await assertScores(page, expected, 'fr');
  assert.deepEqual(errors, []);
  await context.close();
});

test('Los Angeles: a bad time zone typed in the field is an error, and a good one reads the files again', async () => {
  const { context, page, errors } = await openPage(LA);
  await page.getByTestId('file-input').setInputFiles(join(tmp, exportName));
  await waitForResult(page);
  await openSettings(page);
  await page.locator('#tz').fill('Mars/Olympus');
  await page.locator('#tz').press('Enter');
  await assertUsable(page, /^This setting cannot be used.*unknown time zone "Mars\/Olympus"/, '#tz');
  await shoot(page, `error-${LA.tag}`);
  await page.setViewportSize(DESKTOP);

  const { json: paris } = await cli(exportName, ['--tz', 'Europe/Paris']);
  await page.locator('#tz').fill('europe/paris'); // spelled as the zone database does by the page
  await page.locator('#tz').press('Enter');
  await waitForResult(page);
  assert.equal(await page.locator('#tz').inputValue(), 'Europe/Paris');
  await assertScores(page, paris, 'en');
  assert.equal(await page.getByTestId('error').isHidden(), true);
  assert.match(page.url(), /tz=Europe%2FParis/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('Paris: a garbage as-of day and a window of 0 are errors; fixing them scores as the CLI does', async () => {
  const { context, page, errors } = await openPage(PARIS, '?as_of=garbage', PHONE);
  // Checked on load, before any file.
  await page.getByTestId('error').filter({ hasText: /«\sgarbage\s» n’est pas une date AAAA-MM-JJ/ }).waitFor();
  await page.getByTestId('file-input').setInputFiles(join(tmp, exportName));
  await assertUsable(page, /^Ce réglage ne peut pas être utilisé.*jour de fin \(«\sAu\s»\) : «\sgarbage\s»/, '#as-of');
  await shoot(page, `error-${PARIS.tag}`);

  const day = '2026-09-20';
  const { json: asOf } = await cli(exportName, ['--tz', PARIS.tz, '--as-of', day]);
  await page.locator('#as-of').fill(day);
  await waitForResult(page);
  await assertScores(page, asOf, 'fr');

  await page.locator('#window').selectOption('custom');
  await page.locator('#window-days').fill('0');
  await page.locator('#window-days').press('Tab');
  await assertUsable(page, /la fenêtre doit compter de 1 à 3\u202f660 jours, pas 0\./, '#window-days');
  assert.equal(await page.locator('#chips .chip').count(), 0, 'no chips left from the cleared result (no core events chosen)');

  const { json: w14 } = await cli(exportName, ['--tz', PARIS.tz, '--as-of', day, '--window', '14']);
  await page.locator('#window-days').fill('14');
  await page.locator('#window-days').press('Tab');
  await waitForResult(page);
  await assertScores(page, w14, 'fr');
  assert.equal(await page.locator('[aria-invalid=true]').count(), 0);
  assert.match(page.url(), /window=14/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('French: the switch translates the page and formats numbers the French way', async () => {
  const { context, page } = await openPage(LA);
  await page.getByTestId('lang-switch').click();
  assert.equal(await page.locator('html').getAttribute('lang'), 'fr');
  assert.equal(await page.locator('h1').textContent(), "Calculateur du Score d'Engagement Produit");
  await page.locator('#tab-manual').click();
  assert.equal(await page.getByTestId('manual-pes').textContent(), '51,2');
  assert.match(page.url(), /lang=fr/);
  await context.close();
  // A French browser gets French from the start.
  const fr = await openPage(PARIS);
  assert.equal(await fr.page.locator('html').getAttribute('lang'), 'fr');
  await fr.context.close();
});

test('Paris: the demo button scores the bundled export in Paris time, on a phone-width screen', async () => {
  const { context, page, requests, errors } = await openPage(PARIS, '', PHONE);
  const { json: expected } = await cli('demo.jsonl.gz', ['--tz', PARIS.tz], demoDir);
  await page.getByTestId('demo-button').click();
  await waitForResult(page);
  await assertScores(page, expected, 'fr');
  for (const url of requests) assert.ok(url.startsWith(server.base), url);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= PHONE.width, `the page is ${width}px wide on a ${PHONE.width}px screen`);
  await page.screenshot({ path: join(artifacts, 'demo-paris-fr-phone.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});
