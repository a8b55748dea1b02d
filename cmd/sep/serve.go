package main

import (
	"errors"
	"io"
)

// runServe is replaced by the local server (sep serve).
func runServe(args []string, stdout, stderr io.Writer) error {
	return errors.New("not built yet")
}
