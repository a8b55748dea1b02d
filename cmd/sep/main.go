// Command sep computes the Product Engagement Score (PES; in French "Score
// d'Engagement Produit", SEP) of a product from analytics exports, and serves
// the same scoring as an HTTP API.
//
//	sep score [flags] FILE...   score exports (Segment, RudderStack, Mixpanel, Amplitude, PostHog, CSV)
//	sep calc [flags]            the manual calculator, from numbers alone
//	sep gen [flags]             write a synthetic export
//	sep sql [flags]             the query that computes the score's cells in a warehouse
//	sep serve [flags]           the local server: the API and the web page
//	sep alerts [flags]          the alerts to send (--dry-run prints them)
//
// Run "sep COMMAND -h" for a command's flags. The CLI only parses flags and
// calls package core; every surface gives the same numbers.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

type command struct {
	name, summary string
	run           func(args []string, stdout, stderr io.Writer) error
}

var commands = []command{
	{"score", "score exports: sep score [flags] FILE... ('-' is stdin)", runScore},
	{"calc", "the manual calculator: sep calc --events 12 --adopted 8 --dau 50 --mau 200 --new 40 --recovered 10 --dropped 25", runCalc},
	{"gen", "write a synthetic export: sep gen --users N --days D --seed S --format FORMAT", runGen},
	{"sql", "the warehouse query: sep sql --dialect duckdb|postgres|bigquery|snowflake --schema segment|rudderstack|mixpanel|amplitude|posthog", runSQL},
	{"serve", "serve the API and the web page: sep serve --addr 127.0.0.1:8080 --data DIR", runServe},
	{"alerts", "the alerts to send: sep alerts --dry-run (--data DIR | FILE...)", runAlerts},
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "sep %s computes the Product Engagement Score (SEP/PES) of a product.\n\nCommands:\n", version)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-6s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun 'sep COMMAND -h' for the flags of a command.\n")
}

func main() {
	stop := startProfile()
	code := run(os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes the command line and returns the exit code: 0 on success, 1 when
// the command failed, 2 for a usage error.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return 0
	case "-version", "--version", "version":
		fmt.Fprintf(stdout, "sep %s\n", version)
		return 0
	}
	for _, c := range commands {
		if c.name == args[0] {
			err := c.run(args[1:], stdout, stderr)
			switch {
			case err == nil:
				return 0
			case errors.Is(err, flag.ErrHelp):
				return 0
			case errors.As(err, new(usageError)):
				fmt.Fprintf(stderr, "sep %s: %v\n", c.name, err)
				return 2
			}
			fmt.Fprintf(stderr, "sep %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "sep: unknown command %q", args[0])
	if near := nearestCommand(args[0]); near != "" {
		fmt.Fprintf(stderr, "; did you mean %s?", near)
	}
	fmt.Fprintf(stderr, "\n\n")
	usage(stderr)
	return 2
}

// nearestCommand returns the command within maxFlagDistance edits of name, or "".
func nearestCommand(name string) string {
	best, bestD := "", maxFlagDistance+1
	for _, c := range commands {
		if d := editDistance(name, c.name); d < bestD && d < len(name) {
			best, bestD = c.name, d
		}
	}
	return best
}

// usageError is a command-line mistake (exit code 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// parseInterleaved parses flags that may come before, between or after the
// positional arguments, and returns the positional ones. A mistake gets one
// line (with the nearest flag for a mistyped one) and a pointer to --help,
// not the whole usage; -h prints the usage on the flag set's output.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	out := fs.Output()
	fs.SetOutput(io.Discard)
	defer fs.SetOutput(out)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.SetOutput(out)
				fs.Usage()
				return nil, err
			}
			return nil, flagError(fs, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
		if len(args) > 0 && args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
	}
}

// undefinedFlag is the start of the flag package's error for an unknown flag.
const undefinedFlag = "flag provided but not defined: -"

// flagError turns a flag parsing error into a usage error of one line, with a
// "did you mean" for a mistyped flag, and a second line pointing to --help.
func flagError(fs *flag.FlagSet, err error) error {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, undefinedFlag); ok {
		if near := nearestFlag(fs, name); near != "" {
			msg += "; did you mean --" + near + "?"
		}
	}
	return usagef("%s\nRun 'sep %s --help' for the flags.", msg, fs.Name())
}

// maxFlagDistance is the largest edit distance at which a flag is suggested.
const maxFlagDistance = 2

// nearestFlag returns the defined flag closest to name: the only one name is a
// prefix of, else the nearest within maxFlagDistance edits (at most a third of
// the name's length, and never all of it), or "" when none is close.
func nearestFlag(fs *flag.FlagSet, name string) string {
	var prefixed []string
	best, bestD := "", maxFlagDistance+1
	fs.VisitAll(func(f *flag.Flag) {
		if strings.HasPrefix(f.Name, name) {
			prefixed = append(prefixed, f.Name)
		}
		if d := editDistance(name, f.Name); d < bestD && d <= max(1, len(name)/3) && d < len(name) {
			best, bestD = f.Name, d
		}
	})
	if best == "" && len(prefixed) == 1 && len(name) >= 2 {
		return prefixed[0]
	}
	return best
}

// editDistance is the number of single-byte insertions, deletions,
// substitutions and swaps of neighbours that turn a into b (optimal string
// alignment distance): "dua" is one swap from "dau".
func editDistance(a, b string) int {
	rows := [3][]int{make([]int, len(b)+1), make([]int, len(b)+1), make([]int, len(b)+1)}
	for j := range rows[1] {
		rows[1][j] = j
	}
	for i := 1; i <= len(a); i++ {
		pp, prev, cur := rows[0], rows[1], rows[2]
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], pp[j-2]+1)
			}
		}
		rows[0], rows[1], rows[2] = prev, cur, pp
	}
	return rows[1][len(b)]
}
