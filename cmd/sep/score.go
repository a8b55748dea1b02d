package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/ingest"
	"github.com/sep-project/sep/parquetrows"
)

// defaultMemoryLimit is the soft limit of the Go heap while scoring.
const defaultMemoryLimit = 640 << 20

// scoreFlags are sep score's flags beside the settings, which are read back
// by name (see config).
type scoreFlags struct {
	fs                                                *flag.FlagSet
	format, configPath, earliest, inputTZ, csvColumns *string
	accountsFile, usersCSV, accountsCSV               *string
	segKey, segHost                                   *string
	asJSON, strict, fromCells                         *bool
}

// newScoreFlags defines sep score's flags.
func newScoreFlags(stderr io.Writer) *scoreFlags {
	fs := flag.NewFlagSet("score", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := &scoreFlags{fs: fs}
	f.format = fs.String("format", "auto", "input format: auto, segment, mixpanel, amplitude, posthog or csv")
	fs.String("core-events", "", "comma-separated core events (default: suggest from the data)")
	f.configPath = fs.String("config", "", "JSON config file (the settings shape every surface shares); flags override it")
	fs.Int("window", 0, "period length W in days (default 30)")
	fs.String("as-of", "", "last day of the period, YYYY-MM-DD (default: the last day with activity)")
	fs.String("tz", "", "IANA time zone of calendar days (default UTC)")
	fs.String("ratio", "", "stickiness ratio: dau/mau (default), wau/mau or dau/wau")
	fs.String("unit", "", "unit scored: user (default) or account")
	fs.String("weights", "", "weights of the weighted score, event:weight comma-separated (default 1 per core event)")
	fs.String("activation-events", "", "comma-separated activation events (default: the core events)")
	fs.Var(new(listFlag), "by", "break the score down by this user or account trait, or tenure, or last_active (repeatable)")
	fs.Bool("trend", false, "add month-by-month scores of the product and each account")
	f.accountsFile = fs.String("accounts", "", "accounts CSV (id, name, seats, plan, renewal_date, ...): account traits")
	f.usersCSV = fs.String("users-csv", "", "write the per-user table (weighted scores, activation) as CSV to this file")
	f.asJSON = fs.Bool("json", false, "print the JSON report on stdout")
	f.accountsCSV = fs.String("accounts-csv", "", "write the per-account table as CSV to this file")
	f.earliest = fs.String("earliest", "", "first plausible event day, YYYY-MM-DD (default 2000-01-01); earlier events are skipped")
	f.strict = fs.Bool("strict", false, "fail on the first bad record instead of counting it")
	f.inputTZ = fs.String("input-tz", "", "IANA time zone of wall-clock input times (legacy Mixpanel projects' time, CSV times without an offset)")
	f.csvColumns = fs.String("csv-columns", "", `CSV columns, e.g. "event=name,timestamp=time,user=distinct_id,account=org_id"`)
	f.segKey, f.segHost = fs.String("segment-write-key", "", "push account and user traits to this Segment/RudderStack source (its write key)"), fs.String("segment-host", "", "tracking API of --segment-write-key (default https://api.segment.io)")
	f.fromCells = fs.Bool("cells", false, "the FILEs are the result of sep sql's query (CSV, JSON lines or Parquet), not exports")
	return f
}

func runScore(args []string, stdout, stderr io.Writer) (err error) {
	f := newScoreFlags(stderr)
	files, err := parseInterleaved(f.fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usagef("no input file (use '-' for stdin)")
	}
	cfg, err := f.config()
	if err != nil {
		return err
	}
	given := cfg.Settings
	settings, err := cfg.Settings.Normalized()
	if err != nil {
		return usagef("%v", err)
	}
	opt, err := ingest.OptionsOf(cfg)
	if err != nil {
		return usagef("%v", err)
	}
	opt.Strict = *f.strict
	// Events dated more than a day past their receipt (else past now) are implausible.
	opt.Range.Now = time.Now()

	// A soft memory limit makes the collector work harder before the heap
	// grows past it: a 2 GB export then scores in about 700 MB instead of
	// the 900 MB that GOGC=100 lets the heap reach. GOMEMLIMIT overrides it.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rollup, settings, err := f.read(ctx, files, opt, given, settings, stderr)
	if err != nil {
		return err
	}
	rep, err := core.Score(rollup, settings)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, pushTraits(ctx, *f.segKey, *f.segHost, rep, stderr)) }()
	return f.write(rep, stdout)
}

// config reads the --config file and lays the flags given on the command
// line over it. Settings flags are read back by name through Visit, so that
// only the flags actually given override the config; a bad one is a usage error.
func (f *scoreFlags) config() (core.Config, error) {
	cfg := core.Config{}
	if *f.configPath != "" {
		var err error
		if cfg, err = core.LoadConfigFile(*f.configPath); err != nil {
			return cfg, err
		}
		if err = ingest.CheckConfig(*f.configPath, cfg); err != nil {
			return cfg, err
		}
	}
	var setErr error
	f.fs.Visit(func(fl *flag.Flag) {
		name := strings.ReplaceAll(fl.Name, "-", "_")
		switch name {
		case "window":
			// The config's window 0 means "the default"; a flag given as 0
			// (or less) is a mistake, not a request for 30 days.
			if n, _ := strconv.Atoi(fl.Value.String()); n < 1 && setErr == nil {
				setErr = fmt.Errorf("--window: %s is out of range 1..3660 days", fl.Value.String())
			} else if err := cfg.Settings.Set(name, fl.Value.String()); err != nil && setErr == nil {
				setErr = err
			}
		case "core_events", "as_of", "tz", "ratio", "unit", "weights", "activation_events", "by", "trend":
			if err := cfg.Settings.Set(name, fl.Value.String()); err != nil && setErr == nil {
				setErr = err
			}
		case "format":
			cfg.Format = *f.format
		case "input_tz":
			cfg.InputTZ = *f.inputTZ
		case "csv_columns":
			cols, err := core.ParseCSVColumns(*f.csvColumns)
			if err != nil && setErr == nil {
				setErr = err
			}
			cfg.CSVColumns = cols
		case "earliest":
			cfg.Earliest = *f.earliest
		}
	})
	if setErr != nil {
		return cfg, usagef("%v", setErr)
	}
	return cfg, nil
}

// read reads the files (exports, or sep sql's cells with --cells) and the
// --accounts CSV into a rollup; with cells the settings follow the cells' zone.
func (f *scoreFlags) read(ctx context.Context, files []string, opt ingest.Options, given, settings core.Settings, stderr io.Writer) (*core.Rollup, core.Settings, error) {
	var rollup *core.Rollup
	var err error
	if *f.fromCells {
		rollup, settings, err = readCells(files, given, settings)
	} else {
		rollup, err = readExports(ctx, files, opt, settings, stderr)
	}
	if err != nil {
		return nil, settings, err
	}
	if *f.accountsFile != "" {
		file, err := os.Open(*f.accountsFile)
		if err != nil {
			return nil, settings, err
		}
		_, err = core.ReadAccountsCSV(file, *f.accountsFile, rollup)
		file.Close()
		if err != nil {
			return nil, settings, err
		}
	}
	return rollup, settings, nil
}

// write writes the report: the per-account and per-user CSV files asked
// for, then the JSON report or the text one on stdout.
func (f *scoreFlags) write(rep *core.Report, stdout io.Writer) error {
	if *f.accountsCSV != "" {
		if err := writeFile(*f.accountsCSV, func(w io.Writer) error { return core.WriteAccountsCSV(w, rep) }); err != nil {
			return err
		}
	}
	if *f.usersCSV != "" {
		if err := writeFile(*f.usersCSV, func(w io.Writer) error { return core.WriteUsersCSV(w, rep) }); err != nil {
			return err
		}
	}
	if *f.asJSON {
		b, err := rep.JSON()
		if err != nil {
			return err
		}
		_, err = stdout.Write(b)
		return err
	}
	writeTextReport(stdout, rep)
	return nil
}

// readExports reads export files into a rollup.
func readExports(ctx context.Context, files []string, opt ingest.Options, settings core.Settings, stderr io.Writer) (*core.Rollup, error) {
	rollup, err := core.NewRollup(settings.TZ)
	if err != nil {
		return nil, err
	}
	prog := newProgress(stderr)
	for _, name := range files {
		if err := ingestFile(ctx, name, opt, rollup, prog); err != nil {
			return nil, err
		}
	}
	prog.done()
	if err := rollup.Input.NoActivityError(); err != nil {
		return nil, err
	}
	return rollup, nil
}

// ingestFile reads one input ("-" is stdin) into the rollup; .zip inputs (by
// name or content) are read entry by entry.
func ingestFile(ctx context.Context, name string, opt ingest.Options, into *core.Rollup, prog *progress) error {
	opt.File = name
	var f *os.File
	if name == "-" {
		f = os.Stdin
		opt.File = "stdin"
	} else {
		var err error
		if f, err = os.Open(name); err != nil {
			return err
		}
		defer f.Close()
	}
	var size int64 = -1
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	opt.Progress = prog.file(opt.File, size)

	head := make([]byte, 4)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	isZip := bytes.HasPrefix(head, []byte("PK\x03\x04")) || strings.HasSuffix(strings.ToLower(name), ".zip")
	if isZip {
		if size >= 0 {
			return ingest.ReadZip(ctx, f, size, opt, into)
		}
		// A zip on stdin has to be held in memory: zip's directory is at the end.
		rest, err := io.ReadAll(f)
		if err != nil {
			return fmt.Errorf("%s: %w", opt.File, err)
		}
		all := append(head, rest...)
		return ingest.ReadZip(ctx, bytes.NewReader(all), int64(len(all)), opt, into)
	}
	if string(head) == parquetrows.Magic {
		return ingestParquet(ctx, f, size, opt, into)
	}
	opt.SizeHint = size
	return ingest.Read(ctx, io.MultiReader(bytes.NewReader(head), f), opt, into)
}

func writeFile(name string, write func(io.Writer) error) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	return f.Close()
}

// progress shows bytes read and throughput on stderr, only when stderr is a terminal.
type progress struct {
	w       io.Writer
	on      bool
	start   time.Time
	last    time.Time
	shown   bool
	baseOff int64
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w, start: time.Now()}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.on = true
		}
	}
	return p
}

func (p *progress) file(name string, size int64) func(int64) {
	if !p.on {
		return nil
	}
	return func(n int64) {
		now := time.Now()
		if now.Sub(p.last) < 200*time.Millisecond {
			return
		}
		p.last, p.shown = now, true
		mb := float64(n) / 1e6
		rate := mb / now.Sub(p.start).Seconds()
		if size > 0 {
			fmt.Fprintf(p.w, "\r%s: %.0f / %.0f MB (%.0f%%, %.0f MB/s)   ", name, mb, float64(size)/1e6, 100*float64(n)/float64(size), rate)
		} else {
			fmt.Fprintf(p.w, "\r%s: %.0f MB (%.0f MB/s)   ", name, mb, rate)
		}
	}
}

func (p *progress) done() {
	if p.shown {
		fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", 78))
	}
}

// listFlag is a repeatable flag; its value is the comma-joined list.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	*l = append(*l, v)
	return nil
}
