package main

import (
	"bufio"
	"flag"
	"io"

	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/core/synth"
	"github.com/sep-project/sep/ingest"
)

func runGen(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var opt synth.Options
	fs.IntVar(&opt.Users, "users", 1000, "number of users")
	fs.IntVar(&opt.Days, "days", 90, "number of days of history")
	fs.Int64Var(&opt.Seed, "seed", 1, "random seed (the same seed writes the same product)")
	fs.IntVar(&opt.Accounts, "accounts", 0, "number of accounts (default users/8)")
	fs.IntVar(&opt.RepeatEvery, "repeat-every", 0, "deliver every Nth record twice (the same messageId ~1000 records later), as at-least-once pipelines do (default 0: none)")
	fs.StringVar(&opt.Profile, "profile", "", "kind of product: empty for the default (a product in trouble, kept byte for byte), saas for a believable B2B SaaS (the page's demo)")
	format := fs.String("format", "segment", "output format: segment, mixpanel, amplitude, posthog or csv")
	out := fs.String("o", "-", "output file ('-' is stdout)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	if opt.Format, err = ingest.ParseFormat(*format); err != nil || opt.Format == core.FormatAuto {
		return usagef("--format: %q is not one of segment, mixpanel, amplitude, posthog, csv", *format)
	}
	if opt.Users < 1 || opt.Days < 1 {
		return usagef("--users and --days must be at least 1")
	}
	if *out == "-" {
		bw := bufio.NewWriterSize(stdout, 1<<20)
		if _, err := synth.Write(bw, opt); err != nil {
			return err
		}
		return bw.Flush()
	}
	return writeFile(*out, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<20)
		if _, err := synth.Write(bw, opt); err != nil {
			return err
		}
		return bw.Flush()
	})
}
