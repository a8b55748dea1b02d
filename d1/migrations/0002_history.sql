-- The scheduled run's state (README "Scores that reach people"): each day's
-- scores of the product (account '') and of each account, kept after the
-- rollups they came from age out, and the small state that makes alerts and
-- trait pushes once-only (namespaces "alerts", "traits", "status").

CREATE TABLE IF NOT EXISTS history (
  day TEXT NOT NULL,      -- YYYY-MM-DD, the report's as-of day
  account TEXT NOT NULL,  -- '' for the product
  data TEXT NOT NULL,     -- the row as JSON
  PRIMARY KEY (day, account)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS state (
  ns TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (ns, key)
) WITHOUT ROWID;
