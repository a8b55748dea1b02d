package d1

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/sep-project/sep/core"
)

// The scheduled run's state (core.HistoryStore) in the tables of
// migrations/0002_history.sql. Each write is one statement over a JSON array
// (json_each), atomic on its own like the rollups' writes.

var _ core.HistoryStore = (*Store)(nil)

const upsertHistory = `INSERT INTO history (day, account, data)
SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]') FROM json_each(?) WHERE true
ON CONFLICT (day, account) DO UPDATE SET data = excluded.data`

// PutHistory upserts the rows by day and account.
func (s *Store) PutHistory(ctx context.Context, rows []core.HistoryRow) error {
	all := make([][]any, 0, len(rows))
	for _, r := range rows {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		all = append(all, []any{r.Day, r.Account, string(b)})
	}
	if err := s.execChunks(ctx, upsertHistory, all); err != nil {
		return fmt.Errorf("d1 history (is migration 0002 applied?): %w", err)
	}
	return nil
}

func (s *Store) execChunks(ctx context.Context, query string, all [][]any) error {
	for i := 0; i < len(all); i += chunk {
		b, err := json.Marshal(all[i:min(i+chunk, len(all))])
		if err != nil {
			return err
		}
		if _, err := s.db.ExecContext(ctx, query, string(b)); err != nil {
			return err
		}
	}
	return nil
}

// History returns the rows of the days from..to, by day then account.
func (s *Store) History(ctx context.Context, from, to string) ([]core.HistoryRow, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT data FROM history WHERE day >= ? AND day <= ? ORDER BY day, account`, from, to)
	if err != nil {
		return nil, fmt.Errorf("d1 history: %w", err)
	}
	defer rows.Close()
	out := []core.HistoryRow{}
	for rows.Next() {
		var data string
		var r core.HistoryRow
		if err := rows.Scan(&data); err != nil {
			return nil, fmt.Errorf("d1 history: %w", err)
		}
		if err := json.Unmarshal([]byte(data), &r); err != nil {
			return nil, fmt.Errorf("d1 history: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// State returns a namespace's keys and values.
func (s *Store) State(ctx context.Context, ns string) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT key, value FROM state WHERE ns = ?`, ns)
	if err != nil {
		return nil, fmt.Errorf("d1 state %s: %w", ns, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, fmt.Errorf("d1 state %s: %w", ns, err)
		}
		out[k] = v
	}
	return out, rows.Err()
}

// SetState upserts the changed keys and deletes those set to "" (two
// statements; each is atomic, and a repeat of the same changes is harmless).
func (s *Store) SetState(ctx context.Context, ns string, changes map[string]string) error {
	var put [][]any
	var del []string
	for k, v := range changes {
		if v == "" {
			del = append(del, k)
		} else {
			put = append(put, []any{ns, k, v})
		}
	}
	var errs []error
	if len(put) > 0 {
		errs = append(errs, s.execChunks(ctx, `INSERT INTO state (ns, key, value)
SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]') FROM json_each(?) WHERE true
ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value`, put))
	}
	for i := 0; i < len(del); i += chunk {
		b, _ := json.Marshal(del[i:min(i+chunk, len(del))])
		_, err := s.db.ExecContext(ctx, `DELETE FROM state WHERE ns = ? AND key IN (SELECT value FROM json_each(?))`, ns, string(b))
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("d1 state %s: %w", ns, err)
	}
	return nil
}
