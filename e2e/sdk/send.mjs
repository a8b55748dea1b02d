// Sends one product's events with a real SDK to a tracking API host, the way
// an application would, then flushes and exits. Driven by the Go tests of
// internal/sdktest (cmd/sep and lambda); run by hand:
//
//   SDK=segment HOST=http://127.0.0.1:8080 WRITE_KEY=tok node e2e/sdk/send.mjs
//
// SDK is segment (@segment/analytics-node) or rudderstack
// (@rudderstack/rudder-sdk-node). It prints {"calls": n, "unique": m} on
// stdout (unique: the distinct messageIds) and exits 1 on any delivery error.
import { Analytics } from '@segment/analytics-node';
import RudderAnalytics from '@rudderstack/rudder-sdk-node';

const sdk = process.env.SDK;
const host = process.env.HOST;
const writeKey = process.env.WRITE_KEY;
if (!host || !writeKey || !['segment', 'rudderstack'].includes(sdk)) {
  console.error('usage: SDK=segment|rudderstack HOST=http://... WRITE_KEY=... node send.mjs');
  process.exit(2);
}

const errors = [];
let client;
if (sdk === 'segment') {
  client = new Analytics({ writeKey, host, flushAt: 7, flushInterval: 200, maxRetries: 5 });
  client.on('error', (err) => errors.push(String(err?.reason ?? err?.message ?? err)));
} else {
  client = new RudderAnalytics(writeKey, {
    dataPlaneUrl: host, flushAt: 7, flushInterval: 200, retryCount: 5, logLevel: 'error',
    errorHandler: (err) => errors.push(String(err?.message ?? err)),
  });
}

// Both SDKs take the same call shapes; rudder's calls return nothing useful,
// Segment's take a callback: wrap them the same way.
function call(method, msg) {
  return new Promise((resolve) => {
    client[method](msg, (err) => {
      if (err) errors.push(`${method}: ${err?.message ?? err}`);
      resolve();
    });
  });
}

const day = 24 * 3600 * 1000;
const now = Date.now();
const at = (daysAgo, hour) => new Date(now - daysAgo * day - (now % day) + hour * 3600 * 1000);

const accounts = { acme: ['u1', 'u2', 'u3'], globex: ['u4', 'u5'], initech: ['u6'] };
const events = ['Report Created', 'Dashboard Shared', 'Export Run', 'Invite Sent'];
let calls = 0;
const ids = new Set();
const pending = [];
function send(method, msg) {
  calls++;
  if (msg.messageId) ids.add(msg.messageId);
  pending.push(call(method, msg));
}

// Group calls with traits (seats as a number and as a string), identifies.
for (const [acct, users] of Object.entries(accounts)) {
  for (const [i, u] of users.entries()) {
    send('group', { userId: u, groupId: acct, traits: { name: acct.toUpperCase(), seats: i ? `${users.length + 2}` : users.length + 2, plan: 'pro' }, timestamp: at(45, 8), messageId: `${sdk}-g-${u}` });
    send('identify', { userId: u, traits: { role: i === 0 ? 'admin' : 'member', email: `${u}@example.com` }, timestamp: at(45, 8), messageId: `${sdk}-i-${u}` });
  }
}
// Activity over 40 days: each user on some days, a few core events, pages and screens.
let n = 0;
for (const [acct, users] of Object.entries(accounts)) {
  for (const [ui, u] of users.entries()) {
    for (let d = 40; d >= 0; d -= 3 + ui) {
      const ev = events[(d + ui) % events.length];
      const msg = { userId: u, event: ev, properties: { size: d, plan: null }, timestamp: at(d, 9 + ui), messageId: `${sdk}-t-${n++}` };
      if (acct === 'globex') msg.context = { groupId: acct }; // its own account on the event
      send('track', msg);
      if (d % 2 === 0) send('page', { userId: u, name: 'Settings', properties: { path: '/settings' }, timestamp: at(d, 10 + ui), messageId: `${sdk}-p-${n++}` });
      if (d % 5 === 0) send('screen', { userId: u, name: 'Home', timestamp: at(d, 11 + ui), messageId: `${sdk}-s-${n++}` });
    }
  }
}
// An anonymous visitor, no userId.
send('page', { anonymousId: 'anon-42', name: 'Pricing', timestamp: at(2, 12), messageId: `${sdk}-anon-1` });
await Promise.all(pending);
await client.flush?.();

// The first track call again, same messageId, in a later batch (the
// application's own retry): counted once.
send('track', { userId: 'u1', event: 'Report Created', properties: { size: 40, plan: null }, timestamp: at(40, 9), messageId: `${sdk}-t-0` });
send('track', { userId: 'u2', event: 'Export Run', timestamp: at(0, 15), messageId: `${sdk}-last` });
await Promise.all(pending);
if (sdk === 'segment') {
  await client.closeAndFlush({ timeout: 20000 });
} else {
  await client.flush();
}
if (errors.length) {
  console.error(`${sdk}: ${errors.length} delivery error(s): ${errors.slice(0, 5).join('; ')}`);
  process.exit(1);
}
console.log(JSON.stringify({ calls, unique: ids.size }));
