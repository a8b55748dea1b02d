// Shared helpers of the browser tests: Debian's Chromium driven by
// playwright-core (no browser download), and the real `sep serve`.
import { spawn } from 'node:child_process';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

export const root = resolve(import.meta.dirname, '..', '..');
export const sepBin = join(root, 'bin', 'sep');
const chromiumPath = '/usr/bin/chromium';

// launchBrowser starts headless Chromium with the flags this closed network needs.
export async function launchBrowser() {
  if (!existsSync(chromiumPath)) {
    throw new Error(`${chromiumPath} is missing: run scripts/install-test-deps.sh (make test does)`);
  }
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    // Playwright gives each launch a fresh temporary profile.
  });
}

// startServe runs `sep serve` on a free loopback port with the built page and
// resolves to its base URL; stop() ends it.
export async function startServe(site = join(root, 'dist', 'site')) {
  if (!existsSync(sepBin)) throw new Error(`${sepBin} is missing: run make build`);
  const data = mkdtempSync(join(tmpdir(), 'sep-serve-'));
  const proc = spawn(sepBin, ['serve', '--addr', '127.0.0.1:0', '--data', data, '--site', site], { stdio: ['ignore', 'pipe', 'inherit'] });
  const base = await new Promise((ok, fail) => {
    let out = '';
    proc.stdout.on('data', (b) => {
      out += b;
      const m = out.match(/http:\/\/\S+/);
      if (m) ok(m[0]);
    });
    proc.on('exit', (code) => fail(new Error(`sep serve exited with ${code}`)));
  });
  return { base, stop: () => proc.kill() };
}

// run runs a command (in opts.cwd when given) and returns its stdout.
export function run(cmd, args, opts = {}) {
  return new Promise((ok, fail) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], cwd: opts.cwd });
    const chunks = [];
    p.stdout.on('data', (b) => chunks.push(b));
    p.on('exit', (code) => (code === 0 ? ok(Buffer.concat(chunks).toString()) : fail(new Error(`${cmd} ${args.join(' ')}: exit ${code}`))));
  });
}
