// The page as a first-time visitor meets it (issue 13): the demo's answer on
// the first screen, the accounts needing attention in their documented
// order, an account opened, each chart drawn with data, the manual score in
// sight while typing on a phone, no English left in French, Cancel, and
// axe-core with no serious or critical violation on each view. In two
// places (Los Angeles in English on a desktop, Paris in French on a phone)
// and both sizes; screenshots of each view go to e2e/artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { launchBrowser, startServe, run, sepBin, root } from './harness/browser.mjs';
import { englishPageWords } from './harness/english.mjs';

const artifacts = join(root, 'e2e', 'artifacts');
const demoDir = join(root, 'dist', 'site', 'demo');
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const LA_EN = { tz: 'America/Los_Angeles', locale: 'en-US', lang: 'en', tag: 'la-en' };
const PARIS_FR = { tz: 'Europe/Paris', locale: 'fr-FR', lang: 'fr', tag: 'paris-fr' };
let browser, server;

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  server = await startServe();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  server?.stop();
});

const byId = new Intl.Collator('en', { numeric: true }).compare;

// attentionOrder ranks a report's accounts by the priority docs/page.md
// documents: PES under 60 (lowest first), a fall of 10 points or more
// (biggest first), a lone champion, seat use under 50%, a renewal at risk.
function attentionOrder(report) {
  const base = new Map(report.accounts.map((a) => [a.id, a]));
  const rules = [
    [(a) => a.pes !== null && a.pes < 60, (a) => a.pes],
    [(a) => a.pes !== null && a.previous_pes != null && a.previous_pes - a.pes >= 10, (a) => a.pes - a.previous_pes],
    [(a) => a.single_champion, (a) => a.pes ?? 0],
    [(a) => a.seat_usage != null && a.seat_usage < 50, (a) => a.seat_usage],
    [(a) => a.renewal_at_risk, (a) => a.pes ?? 0],
  ];
  return report.insights.accounts.map((x) => ({ ...base.get(x.id), ...x }))
    .map((a) => ({ a, r: rules.findIndex(([hit]) => hit(a)) }))
    .filter((x) => x.r >= 0)
    .map((x) => ({ ...x, k: rules[x.r][1](x.a) }))
    .sort((p, q) => p.r - q.r || p.k - q.k || byId(p.a.id, q.a.id))
    .map((x) => x.a.id);
}

async function open(place, viewport) {
  const context = await browser.newContext({ timezoneId: place.tz, locale: place.locale, viewport });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(`${server.base}/`);
  await page.getByTestId('manual-pes').filter({ hasNotText: '–' }).waitFor({ state: 'attached' });
  return { context, page, errors };
}

// axe checks a view: no serious or critical violation.
async function axe(page, view) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`), [], `axe on the ${view} view`);
}

const shot = (page, name, fullPage = true) => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage });
const box = async (page, testid) => page.getByTestId(testid).first().boundingBox();

for (const [place, viewport, size] of [[LA_EN, DESKTOP, 'desktop'], [PARIS_FR, PHONE, 'phone']]) {
  test(`${place.tz} (${place.locale}, ${size}): the demo answers first, ranks the accounts, opens one, draws every chart`, async () => {
    const expected = JSON.parse(await run(sepBin, ['score', '--json', '--tz', place.tz, 'demo.jsonl.gz'], { cwd: demoDir }));
    const { context, page, errors } = await open(place, viewport);
    await axe(page, `landing (${place.lang})`);
    await shot(page, `landing-${place.tag}-${size}`);
    await page.getByTestId('demo-button').click();
    await page.getByTestId('pes').filter({ hasNotText: '–' }).waitFor();
    await page.locator('#chart[data-points]:not([data-points="0"])').waitFor();
    await page.locator('#matrix-chart[data-points]:not([data-points="0"])').waitFor();

    // The demo looks like a real product.
    const pes = Number(await page.getByTestId('pes').getAttribute('data-value'));
    assert.ok(pes >= 50 && pes <= 75, `demo PES ${pes}`);
    assert.ok(Number(await page.getByTestId('growth').getAttribute('data-value')) > 50, 'positive growth');
    assert.equal(pes, expected.pes);

    // The answer first: score and band on the first screen (and on a
    // desktop the components and the accounts needing attention too).
    const fold = viewport.height;
    const must = size === 'desktop' ? ['pes', 'band', 'adoption', 'stickiness', 'growth', 'attention', 'attention-row'] : ['pes', 'band'];
    for (const id of must) {
      const b = await box(page, id);
      assert.ok(b && b.y >= 0 && b.y + b.height <= fold, `${id} on the first ${viewport.width}x${fold} screen: ${JSON.stringify(b)}`);
    }
    if (size === 'desktop') {
      const b = await box(page, 'attention');
      assert.ok(b.y + b.height <= fold, 'the whole attention list is on the first screen');
    }
    await shot(page, `result-${place.tag}-${size}-first-screen`, false);
    await shot(page, `result-${place.tag}-${size}`);

    // The ranking follows the documented priority.
    const shown = await page.locator('[data-testid=attention-row]').evaluateAll((els) => els.map((e) => e.dataset.account));
    assert.deepEqual(shown, attentionOrder(expected));
    assert.ok(shown.length > 0 && shown.length < expected.accounts.length, `${shown.length} of ${expected.accounts.length} accounts need attention`);

    // Each chart is drawn with data.
    for (const id of ['chart', 'lifecycle-chart', 'daily-chart', 'matrix-chart', 'spread-chart', 'bench-chart']) {
      const n = Number(await page.getByTestId(id).getAttribute('data-points'));
      assert.ok(n > 0, `${id} has ${n} points`);
    }
    assert.equal(await page.locator('#chart canvas').count(), 1, 'the monthly chart is drawn (uPlot)');
    assert.match(await page.locator('#bench-source').textContent(), /June.*Sequoia/);
    if (place.lang === 'en') assert.match(await page.getByTestId('bench-chart').textContent(), new RegExp(`Your product.*${expected.stickiness.toFixed(1)} %`));
    await axe(page, `result (${place.lang})`);

    // A drill-down: the first account needing attention.
    const id = shown[0];
    const acct = expected.insights.accounts.find((a) => a.id === id);
    await page.locator(`[data-testid=attention-row][data-account="${id}"] button`).click();
    await page.getByTestId('account-view').waitFor();
    assert.match(await page.locator('#account-title').textContent(), new RegExp(`\\(${id}\\)$`));
    const facts = await page.locator('#account-facts dd').allTextContents();
    const one = (v) => new Intl.NumberFormat(place.lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(v);
    assert.equal(facts[0], one(acct.pes), 'the account\'s PES');
    assert.equal(facts[4], one(acct.previous_pes), 'its previous PES');
    const alerts = expected.insights.alerts.filter((a) => a.account === id).map((a) => a.message);
    const notes = await page.getByTestId('account-notes').locator('li').allTextContents();
    if (place.lang === 'en') for (const m of alerts) assert.ok(notes.includes(m), `its alert: ${m}`);
    else assert.equal(notes.filter((n) => n.includes(`(${id}) : `)).length, alerts.length, `its alerts, in French: ${JSON.stringify(notes)}`);
    // Its month-by-month trend, as `sep score --trend` has it (SEP and weighted score).
    const trended = JSON.parse(await run(sepBin, ['score', '--json', '--trend', '--tz', place.tz, 'demo.jsonl.gz'], { cwd: demoDir }));
    const months = trended.insights.accounts.find((a) => a.id === id).trend;
    const wantPoints = months.filter((m) => m.pes !== null).length + months.length;
    await page.locator('#account-trend[data-points]:not([data-points="0"])').waitFor();
    assert.equal(Number(await page.getByTestId('account-trend').getAttribute('data-points')), wantPoints, `the trend of ${id} over ${months.length} months`);
    assert.equal(await page.locator('#account-trend canvas').count(), 1, 'the account\'s trend is drawn (uPlot)');
    await axe(page, `account (${place.lang})`);
    await shot(page, `account-${place.tag}-${size}`);

    if (place.lang === 'fr') {
      // No English left in the page's own words (the core's sentences are
      // checked below: the page words them from their keys).
      const text = await page.evaluate(() => {
        // The data's own words (account names, events, files) and the core's sentences are skipped.
        const skip = '.alert, #explanations, #warnings, #account-notes, #error, #event-names, #chips, #result-for, #tz-list, .attention-row button, .alert-group > button, #account-title, #accounts-table tbody, #account-users, #input-files tbody';
        const out = [];
        const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        for (let n = walk.nextNode(); n; n = walk.nextNode()) {
          if (!n.parentElement.closest(skip) && n.parentElement.closest('[hidden]') === null) out.push(n.textContent);
        }
        return out.join('\n');
      });
      assert.deepEqual(englishPageWords(text), [], 'English words on the French page');
      assert.ok(!/\d\.\d MB/.test(text), 'sizes in the French format (0,7 Mo)');
      // The alerts are worded in French from the core's rule, value and threshold.
      const alertTexts = await page.locator('.alert').allTextContents();
      assert.equal(alertTexts.length, expected.insights.alerts.length);
      const englishAlerts = alertTexts.filter((a) => / is below |weighted usage fell|seats active|the top user/.test(a));
      assert.deepEqual(englishAlerts, [], 'English alerts on the French page');
      const low = expected.insights.alerts.find((a) => a.rule === 'pes_below');
      assert.ok(alertTexts.some((a) => a.includes(`(${low.account}) : SEP ${one(low.value)} sous 60 (adoption `)), 'a pes_below alert in French');
      // Explanations and warnings are worded in French from the core's
      // message keys: as many as the report has, none of the core's English.
      const coreEnglish = /fell from|moved most|went dormant|no longer used|Seat usage went|records were skipped|The input starts|Growth needs|No core events|never appears|belong to no account|repeat an earlier|was active between/;
      const why = expected.insights.accounts.filter((x) => x.explanation);
      assert.ok(why.length > 0 && expected.warnings.length > 0, 'the demo has explanations and warnings to word');
      const whyTexts = await page.locator('#explanations li').allTextContents();
      assert.equal(whyTexts.length, why.length);
      assert.deepEqual(whyTexts.filter((w) => coreEnglish.test(w)), [], 'English explanations on the French page');
      const first = why[0].explanation;
      assert.ok(whyTexts[0].startsWith(`${why[0].id} : Le SEP est passé de ${one(first.keys[0].values.from)} à ${one(first.keys[0].values.to)}`), whyTexts[0]);
      const warnTexts = await page.locator('#warnings li').allTextContents();
      assert.equal(warnTexts.length, expected.warnings.length);
      assert.deepEqual(warnTexts.filter((w) => coreEnglish.test(w)), [], 'English warnings on the French page');
      assert.ok(notes.every((n) => !coreEnglish.test(n)), `the account's explanation in French: ${JSON.stringify(notes)}`);
      // An error message from the core, in French: a file with no activity.
      await page.getByTestId('file-input').setInputFiles({ name: 'identify-only.jsonl', mimeType: 'application/json', buffer: Buffer.from('{"type":"identify","userId":"u1","messageId":"i1","timestamp":"2026-09-01T23:30:00+05:30"}\n') });
      const err = page.getByTestId('error');
      await err.filter({ hasText: /^Impossible de noter ce fichier : / }).waitFor();
      const errText = await err.textContent();
      assert.match(errText, /aucun événement d’activité .*identify-only\.jsonl lu comme segment, 1 enregistrements/);
      assert.doesNotMatch(errText, /could be read|read as|say which/);
    }
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test('Paris (fr-FR, phone): the manual score stays in sight while typing', async () => {
  const { context, page, errors } = await open(PARIS_FR, PHONE);
  await page.locator('#tab-manual').click();
  await page.getByTestId('m-dropped').scrollIntoViewIfNeeded();
  await page.getByTestId('m-dropped').fill('0');
  await page.waitForFunction(() => document.querySelector('[data-testid=manual-qr]').textContent === '∞');
  const b = await box(page, 'manual-pes');
  const input = await box(page, 'm-dropped');
  assert.ok(b.y >= 0 && b.y + b.height <= PHONE.height && input.y + input.height <= PHONE.height, `score ${JSON.stringify(b)} and input ${JSON.stringify(input)} both in sight`);
  assert.equal(await page.getByTestId('manual-pes').textContent(), '63,9');
  await axe(page, 'manual (fr)');
  await shot(page, 'manual-paris-fr-phone', false);
  assert.deepEqual(errors, []);
  await context.close();
});

test('Cancel stops a read: the page says so, keeps no result and scores the next file', async () => {
  const { context, page, errors } = await open(LA_EN, DESKTOP);
  // A 60 MB export made in the page (one event line repeated: the read is
  // long enough for Cancel to land in the middle of it).
  await page.evaluate(() => {
    const line = '{"type":"track","event":"Report Created","userId":"u1","messageId":"m1","timestamp":"2026-09-01T10:00:00Z"}\n';
    const blob = new Blob(new Array(550000).fill(line));
    const dt = new DataTransfer();
    dt.items.add(new File([blob], 'big.jsonl'));
    document.getElementById('drop').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    document.getElementById('cancel').click();
  });
  await page.getByTestId('error').filter({ hasText: 'Reading cancelled.' }).waitFor();
  assert.equal(await page.locator('#result').isHidden(), true);
  assert.equal(await page.getByTestId('progress').isHidden(), true);
  assert.equal(await page.locator('#demo').isEnabled(), true);
  await page.getByTestId('demo-button').click();
  await page.getByTestId('pes').filter({ hasNotText: '–' }).waitFor();
  assert.equal(await page.getByTestId('error').isHidden(), true);
  assert.deepEqual(errors, []);
  await context.close();
});
