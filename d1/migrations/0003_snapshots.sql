-- Closed days compacted (core.Compactor, d1/snapshot.go): a day's cells are
-- folded into one snapshot (core.DaySnapshot) stored in parts of at most
-- 1,000,000 bytes (D1 allows 2,000,000 bytes a row or bound value), and a
-- read selects the parts instead of the day's cells.
--
-- Every step is one statement (D1 has no transactions through database/sql):
--   1. INSERT INTO seal moves the cells of the closed days into staged
--      (rows added to staged, deleted from cells, in the trigger's one
--      statement): a late event after it lands in cells again.
--   2. The day's new snapshot (its old parts plus its staged rows) is written
--      as parts of version + 1, which no read uses yet.
--   3. INSERT INTO commit_snapshot switches the day to the new version and
--      deletes its staged rows and old parts, only if its staged rows and
--      version are still those the snapshot was built from.
-- A read adds cells, staged rows and the parts of each day's version, so a
-- report is the same before, during and after a compaction, and after one
-- that died half-way (the next one resumes it).

CREATE TABLE IF NOT EXISTS staged (
  day INTEGER NOT NULL,
  user TEXT NOT NULL,
  account TEXT NOT NULL,
  event TEXT NOT NULL,
  nav INTEGER NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (day, user, account, event, nav)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS snapshot_days (
  day INTEGER PRIMARY KEY,
  version INTEGER NOT NULL,
  parts INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS snapshot_parts (
  day INTEGER NOT NULL,
  version INTEGER NOT NULL,
  part INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (day, version, part)
) WITHOUT ROWID;

CREATE VIEW IF NOT EXISTS seal AS SELECT 0 AS first, 0 AS before;

CREATE TRIGGER IF NOT EXISTS seal_apply INSTEAD OF INSERT ON seal
BEGIN
  INSERT INTO staged (day, user, account, event, nav, n)
    SELECT day, user, account, event, nav, n FROM cells WHERE day >= NEW.first AND day < NEW.before
    ON CONFLICT (day, user, account, event, nav) DO UPDATE SET n = staged.n + excluded.n;
  DELETE FROM cells WHERE day < NEW.before;
END;

CREATE VIEW IF NOT EXISTS commit_snapshot AS
  SELECT 0 AS day, 0 AS version, 0 AS parts, 0 AS staged_rows, 0 AS staged_n;

CREATE TRIGGER IF NOT EXISTS commit_snapshot_apply INSTEAD OF INSERT ON commit_snapshot
WHEN coalesce((SELECT version FROM snapshot_days WHERE day = NEW.day), 0) = NEW.version - 1
 AND (SELECT count(*) FROM staged WHERE day = NEW.day) = NEW.staged_rows
 AND (SELECT coalesce(sum(n), 0) FROM staged WHERE day = NEW.day) = NEW.staged_n
BEGIN
  INSERT INTO snapshot_days (day, version, parts) VALUES (NEW.day, NEW.version, NEW.parts)
    ON CONFLICT (day) DO UPDATE SET version = excluded.version, parts = excluded.parts;
  DELETE FROM staged WHERE day = NEW.day;
  DELETE FROM snapshot_parts WHERE day = NEW.day AND version <> NEW.version;
END;
