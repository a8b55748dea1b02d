// Command sep computes the Product Engagement Score (PES; in French "Score
// d'Engagement Produit", SEP) of a product from analytics exports, and serves
// the same scoring as an HTTP API.
//
//	sep score [flags] FILE...   score exports (Segment, RudderStack, Mixpanel, Amplitude, PostHog, CSV)
//	sep calc [flags]            the manual calculator, from numbers alone
//	sep gen [flags]             write a synthetic export
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
	fmt.Fprintf(stderr, "sep: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

// usageError is a command-line mistake (exit code 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// parseInterleaved parses flags that may come before, between or after the
// positional arguments, and returns the positional ones.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err.Error()}
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
