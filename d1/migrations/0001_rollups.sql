-- sep's rollups in Cloudflare D1 (SQLite). Applied with
--   wrangler d1 migrations apply sep --remote   (or --local for wrangler dev)
-- Stored state is rollups: counts per user, account, event and day, the latest
-- group call of each user, the latest traits, the input counters, and the
-- messageIds of the last days (to deduplicate webhook retries).

CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

-- messageIds already stored; rows older than the dedup TTL (7 days) are pruned.
-- delivery tells the request that stored them (its answer counts them).
CREATE TABLE IF NOT EXISTS seen (
  id TEXT PRIMARY KEY,
  at INTEGER NOT NULL,
  delivery TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS seen_at ON seen (at);
CREATE INDEX IF NOT EXISTS seen_delivery ON seen (delivery);

CREATE TABLE IF NOT EXISTS cells (
  user TEXT NOT NULL,
  account TEXT NOT NULL,
  event TEXT NOT NULL,
  nav INTEGER NOT NULL,
  day INTEGER NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (user, account, event, nav, day)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS members (
  user TEXT PRIMARY KEY,
  account TEXT NOT NULL,
  ts INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS traits (
  kind TEXT NOT NULL, -- 'u' user, 'a' account
  id TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  ts INTEGER NOT NULL,
  PRIMARY KEY (kind, id, key)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS input (name TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;

-- Events come in through this view, one row each; the trigger applies a row
-- only when its messageId was not stored before, and records the messageId in
-- the same statement: one INSERT is atomic, so an event is counted exactly
-- once however often its delivery is retried or wherever a request dies.
CREATE VIEW IF NOT EXISTS incoming AS
  SELECT '' AS id, 0 AS at, '' AS delivery, '' AS user, '' AS account,
         NULL AS event, 0 AS nav, 0 AS day, NULL AS skip;

CREATE TRIGGER IF NOT EXISTS incoming_apply INSTEAD OF INSERT ON incoming
WHEN NEW.id = '' OR NOT EXISTS (SELECT 1 FROM seen WHERE id = NEW.id)
BEGIN
  INSERT INTO seen (id, at, delivery) SELECT NEW.id, NEW.at, NEW.delivery WHERE NEW.id <> '';
  INSERT INTO cells (user, account, event, nav, day, n)
    SELECT NEW.user, NEW.account, NEW.event, NEW.nav, NEW.day, 1 WHERE NEW.event IS NOT NULL
    ON CONFLICT (user, account, event, nav, day) DO UPDATE SET n = n + 1;
  INSERT INTO input (name, n) VALUES ('events', 1)
    ON CONFLICT (name) DO UPDATE SET n = n + 1;
  INSERT INTO input (name, n) SELECT 'activity_events', 1 WHERE NEW.event IS NOT NULL
    ON CONFLICT (name) DO UPDATE SET n = n + 1;
  INSERT INTO input (name, n) SELECT 'skipped', 1 WHERE NEW.skip IS NOT NULL
    ON CONFLICT (name) DO UPDATE SET n = n + 1;
  INSERT INTO input (name, n) SELECT 'skip:' || NEW.skip, 1 WHERE NEW.skip IS NOT NULL
    ON CONFLICT (name) DO UPDATE SET n = n + 1;
END;
