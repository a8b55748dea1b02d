package d1

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/sep-project/sep/core"
)

// bumpGeneration counts one more delivery in meta's "gen" row (one row
// written). Ingest calls it after its writes, whether they all succeeded or
// not: a read that saw the old generation cannot have seen what came after.
const bumpGeneration = `INSERT INTO meta (key, value) VALUES ('gen', '1')
ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1`

func (s *Store) bumpGeneration(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, bumpGeneration); err != nil {
		return fmt.Errorf("d1: generation: %w", err)
	}
	return nil
}

// Generation is meta's delivery counter (one row read) and the store's day
// (which moves retention and "today"): the API's report cache is valid while
// it stays the same, across every Worker instance that reads it.
func (s *Store) Generation(ctx context.Context) (string, error) {
	var gen string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'gen'`).Scan(&gen)
	if errors.Is(err, sql.ErrNoRows) {
		gen, err = "0", nil
	}
	if err != nil {
		return "", fmt.Errorf("d1: generation: %w", err)
	}
	r, err := core.NewRollup(s.tz)
	if err != nil {
		return "", err
	}
	return gen + "/" + strconv.Itoa(int(r.DayOf(s.now().UnixMilli()))), nil
}
