package bolt

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/sep-project/sep/core"
	bbolt "go.etcd.io/bbolt"
)

// The scheduled run's state (core.HistoryStore), in buckets of their own,
// created on first write: the history (key: day, 0, account -> the row as JSON)
// and one nested bucket per state namespace (key -> value).
var (
	bucketHistory = []byte("history")
	bucketState   = []byte("state")
)

var _ core.HistoryStore = (*Store)(nil)

func historyKey(day, account string) []byte {
	return append(append([]byte(day), 0), account...)
}

// PutHistory stores the rows in one transaction, replacing rows of the same
// day and account.
func (s *Store) PutHistory(ctx context.Context, rows []core.HistoryRow) error {
	err := s.db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketHistory)
		if err != nil {
			return err
		}
		for _, r := range rows {
			v, err := json.Marshal(r)
			if err != nil {
				return err
			}
			if err := b.Put(historyKey(r.Day, r.Account), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("bolt history: %w", err)
	}
	return nil
}

// History returns the rows of the days from..to, by day then account.
func (s *Store) History(ctx context.Context, from, to string) ([]core.HistoryRow, error) {
	rows := []core.HistoryRow{}
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketHistory)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		end := historyKey(to, "\xff")
		for k, v := c.Seek([]byte(from)); k != nil && string(k) < string(end); k, v = c.Next() {
			var r core.HistoryRow
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("row %q: %w", k, err)
			}
			rows = append(rows, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bolt history: %w", err)
	}
	return rows, nil
}

// State returns a namespace's keys and values.
func (s *Store) State(ctx context.Context, ns string) (map[string]string, error) {
	out := map[string]string{}
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketState)
		if b == nil {
			return nil
		}
		if b = b.Bucket([]byte(ns)); b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			out[string(k)] = string(v)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("bolt state %s: %w", ns, err)
	}
	return out, nil
}

// SetState applies the changes in one transaction ("" deletes a key).
func (s *Store) SetState(ctx context.Context, ns string, changes map[string]string) error {
	err := s.db.Update(func(tx *bbolt.Tx) error {
		root, err := tx.CreateBucketIfNotExists(bucketState)
		if err != nil {
			return err
		}
		b, err := root.CreateBucketIfNotExists([]byte(ns))
		if err != nil {
			return err
		}
		for k, v := range changes {
			if v == "" {
				err = b.Delete([]byte(k))
			} else {
				err = b.Put([]byte(k), []byte(v))
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("bolt state %s: %w", ns, err)
	}
	return nil
}
