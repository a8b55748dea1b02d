package core

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// ReadAccountsCSV reads an accounts file (a CRM export): a header row with an
// "id" (or "account_id") column, and any other columns, such as name, seats,
// plan and renewal_date, which become account traits. They override the traits
// of group calls. Errors name the file, line and field.
func ReadAccountsCSV(r io.Reader, file string, into *Rollup) (int, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return 0, fmt.Errorf("%s:1: accounts CSV header: %w", file, err)
	}
	idCol := -1
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		header[i] = h
		if h == "id" || h == "account_id" {
			idCol = i
		}
	}
	if idCol < 0 {
		return 0, fmt.Errorf("%s:1: accounts CSV has no id column (header: %s)", file, strings.Join(header, ","))
	}
	n := 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return n, fmt.Errorf("%s: %w", file, err)
		}
		if len(rec) != len(header) {
			return n, fmt.Errorf("%s:%d: %d fields, the header has %d", file, line, len(rec), len(header))
		}
		id := strings.TrimSpace(rec[idCol])
		if id == "" {
			return n, fmt.Errorf("%s:%d: field %q: empty account id", file, line, header[idCol])
		}
		for i, v := range rec {
			if i == idCol || strings.TrimSpace(v) == "" {
				continue
			}
			into.AddTrait(Trait{Account: true, ID: id, Key: header[i], Value: strings.TrimSpace(v), TimeMs: math.MaxInt64})
		}
		n++
	}
}
