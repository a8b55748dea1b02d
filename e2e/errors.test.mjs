// Every kind of error the page can show, on a French page in Paris (issue
// 13): a bad time zone, day or window, a binary file, JSON of no known
// export, a CSV of no known layout, a broken zip, a cut gzip, a line over the
// page's limit and the manual calculator's counts. Each is worded in French
// from its key (no English left), a setting's field is outlined, and the page
// stays usable; switching to English words the error again. Screenshots go
// to e2e/artifacts/ (error-fr-*.png).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { launchBrowser, startServe, sepBin, run, root } from './harness/browser.mjs';
import { englishPageWords, englishWords } from './harness/english.mjs';

const artifacts = join(root, 'e2e', 'artifacts');
const PARIS = { tz: 'Europe/Paris', locale: 'fr-FR' };
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const FILE_PREFIX = 'Impossible de noter ce fichier : ';
const SETTING_PREFIX = 'Ce réglage ne peut pas être utilisé (les fichiers sont gardés ; changez-le pour les noter) : ';
let browser, server, good;

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  good = Buffer.from(await run(sepBin, ['gen', '--users', '40', '--days', '70', '--seed', '3', '--format', 'segment']));
  server = await startServe();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  server?.stop();
});

async function openParis(query = '', viewport = DESKTOP) {
  const context = await browser.newContext({ timezoneId: PARIS.tz, locale: PARIS.locale, viewport });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${server.base}/${query}`);
  await page.getByTestId('manual-pes').filter({ hasNotText: '–' }).waitFor({ state: 'attached' });
  return { context, page, errors };
}

// frenchError waits for the error that starts with prefix and matches
// pattern, and checks it has no English left (data: the file names and
// values it quotes), the outlined field (none for a file) and a usable page.
async function frenchError(page, prefix, pattern, field, data = []) {
  const err = page.getByTestId('error');
  await err.filter({ hasText: pattern }).waitFor();
  const text = await err.textContent();
  assert.ok(text.startsWith(prefix), text);
  assert.deepEqual(englishWords(text, data), [], `English words in ${JSON.stringify(text)}`);
  assert.deepEqual(englishPageWords(text), [], `the page's English words in ${JSON.stringify(text)}`);
  assert.doesNotMatch(text, /use --format|--csv-columns|sep reads/, 'no command-line talk beyond the page\'s hint');
  assert.deepEqual(await page.locator('[aria-invalid=true]').evaluateAll((els) => els.map((e) => `#${e.id}`)), field ? [field] : []);
  assert.equal(await page.locator('#result').isHidden(), true, 'no result left on screen');
  assert.equal(await page.getByTestId('progress').isHidden(), true, 'no progress bar left');
  for (const id of ['#demo', '#file', '#tz', '#window', '#as-of']) assert.equal(await page.locator(id).isEnabled(), true, `${id} is enabled`);
  return text;
}

async function shoot(page, name) {
  for (const [size, vp] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    await page.setViewportSize(vp);
    await page.waitForFunction((w) => document.documentElement.scrollWidth <= w, vp.width);
    await page.screenshot({ path: join(artifacts, `${name}-${size}.png`), fullPage: true });
  }
  await page.setViewportSize(DESKTOP);
}

const upload = (page, name, buffer) => page.getByTestId('file-input').setInputFiles({ name, mimeType: 'application/octet-stream', buffer });

async function openSettings(page) {
  if (!(await page.locator('#settings-panel').evaluate((d) => d.open))) await page.locator('#settings-panel > summary').click();
}

test('Paris (fr-FR): each setting error is worded in French and outlines its field', async () => {
  const { context, page, errors } = await openParis('?as_of=garbage');
  // A bad day from a link, said before any file.
  let text = await frenchError(page, SETTING_PREFIX, /jour de fin/, '#as-of', ['garbage']);
  assert.match(text, /jour de fin \(«\sAu\s»\) : «\sgarbage\s» n’est pas une date AAAA-MM-JJ\.$/);
  await openSettings(page);
  await page.locator('#as-of').fill('2026-09-20');
  await page.locator('#as-of').dispatchEvent('change');
  await page.getByTestId('error').waitFor({ state: 'hidden' });

  // A window over the limit: the numbers in the French way (3 660).
  await page.locator('#window').selectOption('custom');
  await page.locator('#window-days').fill('5000');
  await page.locator('#window-days').press('Tab');
  text = await frenchError(page, SETTING_PREFIX, /fenêtre/, '#window-days');
  assert.match(text, /la fenêtre doit compter de 1 à 3\u202f660 jours, pas 5\u202f000\.$/);
  await page.locator('#window-days').fill('0');
  await page.locator('#window-days').press('Tab');
  await frenchError(page, SETTING_PREFIX, /la fenêtre doit compter de 1 à 3\u202f660 jours, pas 0\.$/, '#window-days');
  await page.locator('#window').selectOption('30');

  // A zone no one has, typed.
  await page.locator('#tz').fill('Mars/Olympus');
  await page.locator('#tz').press('Enter');
  text = await frenchError(page, SETTING_PREFIX, /fuseau horaire/, '#tz', ['Mars/Olympus']);
  assert.match(text, /fuseau horaire : «\sMars\/Olympus\s» n’est pas un fuseau connu/);
  await shoot(page, 'error-fr-setting');

  // The language switch words the same error again, in English.
  await page.getByTestId('lang-switch').click();
  await page.getByTestId('error').filter({ hasText: /^This setting cannot be used.*time zone: unknown time zone "Mars\/Olympus"/ }).waitFor();
  await page.getByTestId('lang-switch').click();
  await page.getByTestId('error').filter({ hasText: /^Ce réglage.*fuseau horaire/ }).waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test('Paris (fr-FR): each unreadable file is worded in French, and a good file still scores', async () => {
  const { context, page, errors } = await openParis('', PHONE);
  const cases = [
    ['données.bin', Buffer.from([0x50, 0x4b, 0, 1, 2, 3, 0, 0, 9]), /données\.bin : fichier binaire, ce n’est pas un export/],
    ['autre.json', Buffer.from('{"foo": 1, "bar": 2}\n'), /autre\.json : format non reconnu : aucun enregistrement n’a les clés d’un export que la page lit .*exportez de nouveau le fichier/],
    ['notes.txt', Buffer.from('rien à voir avec un export\n'), /notes\.txt : format non reconnu \(ni JSON ni CSV\)/],
    ['table.csv', Buffer.from('a,b\n1,2\n'), /table\.csv, ligne 1 : l’en-tête CSV ne correspond à aucune disposition connue .*l’en-tête a a, b\.$/],
    ['archive.zip', Buffer.from('PK\u0003\u0004 pas une archive'), /archive\.zip : ce n’est pas une archive \.zip lisible/],
    ['coupé.jsonl.gz', gzipSync(good).subarray(0, 2000), /coupé\.jsonl\.gz : le fichier est tronqué/],
  ];
  for (const [name, buffer, pattern] of cases) {
    await upload(page, name, buffer);
    const text = await frenchError(page, FILE_PREFIX, pattern, '', [name, 'a, b']);
    assert.equal(text.split(name).length, 2, `the file is named once: ${text}`);
    if (name === 'autre.json') await shoot(page, 'error-fr-file');
  }
  // The page's only limit: a line over 4 MiB is skipped, and said so in French.
  const long = `{"type":"track","event":"${'x'.repeat(4 << 20)}","userId":"u1","timestamp":"2026-09-01T10:00:00Z"}\n`;
  await upload(page, 'longue.jsonl', Buffer.concat([good, Buffer.from(long)]));
  await page.locator('#result:not([hidden])').waitFor();
  const warnings = await page.locator('#warnings li').allTextContents();
  assert.ok(warnings.some((w) => /1 enregistrements sur [\d\u202f]+ ont été ignorés \(ligne trop longue : 1\)/.test(w)), JSON.stringify(warnings));
  assert.deepEqual(warnings.flatMap((w) => englishWords(w)), [], `English in the warnings ${JSON.stringify(warnings)}`);
  assert.deepEqual(errors, []);
  await context.close();
});

test('Paris (fr-FR): the manual calculator says in French what is wrong with its counts', async () => {
  const { context, page, errors } = await openParis('', PHONE);
  await page.locator('#tab-manual').click();
  await page.getByTestId('m-adopted').fill('40');
  const err = page.getByTestId('manual-error');
  await err.filter({ hasText: /ne peuvent pas dépasser/ }).waitFor();
  const text = await err.textContent();
  assert.equal(text, 'Les événements clés adoptés (40) ne peuvent pas dépasser le nombre d’événements clés (12).');
  await page.getByTestId('m-adopted').fill('8');
  await page.getByTestId('m-dau').fill('500');
  await err.filter({ hasText: /^Le DAU ne peut pas dépasser le MAU/ }).waitFor();
  assert.deepEqual(englishWords(await err.textContent()), []);
  await page.getByTestId('m-dau').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(artifacts, 'error-fr-manual-phone.png') });
  await page.getByTestId('m-dau').fill('50');
  await err.waitFor({ state: 'hidden' });
  assert.deepEqual(errors, []);
  await context.close();
});
