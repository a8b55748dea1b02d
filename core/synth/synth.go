// Package synth writes synthetic analytics exports: one plausible B2B product
// (accounts with seats and plans, users who start, churn and come back, core
// features used unevenly, page views, a one-time setup event and an admin-only
// one), deterministic from a seed, and the same product in every format sep
// reads, so that every format scores identically.
package synth

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/sep-project/sep/core"
)

// Options describe the product to write.
type Options struct {
	Users, Days int
	Seed        int64
	Format      core.Format
	// End is the last day of activity (default 2026-09-30, UTC).
	End time.Time
	// Accounts is the number of accounts (default Users/8, at least 1).
	Accounts int
	// RepeatEvery, when above 0, delivers every RepeatEvery-th record a
	// second time, byte for byte, repeatDelay records later (an
	// at-least-once pipeline's retry: the same messageId). 0 writes no
	// repeat, and the output is otherwise the same.
	RepeatEvery int
	// Profile names the kind of product ("" is the default, see Profiles).
	Profile string
}

// repeatDelay is how many records after the original a repeat is written.
const repeatDelay = 997

// The product's events. Core-like features are picked with falling weights.
var features = []string{"Report Created", "Dashboard Shared", "Query Run", "Chart Edited", "Filter Applied",
	"Comment Added", "Export Downloaded", "Invite Sent", "Alert Configured", "Template Used", "Data Source Connected"}

var pages = []string{"Dashboard", "Settings", "Reports"}

var plans = []string{"trial", "starter", "pro", "enterprise"}

const (
	setupEvent = "Workspace Created" // every user's first day only: one-time setup
	adminEvent = "Billing Updated"   // the account's first user only: admin-only
)

// event is one generated event, format-independent.
type event struct {
	kind    core.Kind
	user    string
	account string
	name    string // track name, or page name for pages
	ms      int64
	id      int64
	traits  [][2]string
}

// Write writes the product in opt.Format and returns the number of records
// (repeats included).
func Write(w io.Writer, opt Options) (int64, error) {
	if opt.Users < 1 || opt.Days < 1 {
		return 0, fmt.Errorf("synth: users and days must be at least 1")
	}
	if opt.End.IsZero() {
		opt.End = time.Date(2026, 9, 30, 0, 0, 0, 0, time.UTC)
	}
	if opt.Accounts <= 0 {
		opt.Accounts = max(1, opt.Users/8)
	}
	prof, err := profileOf(opt.Profile)
	if err != nil {
		return 0, err
	}
	f, err := writerFor(opt.Format)
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	g := &gen{opt: opt, prof: prof, w: bw, write: f}
	if h := header(opt.Format); h != "" {
		bw.WriteString(h)
	}
	g.run()
	for len(g.pending) > 0 {
		g.flushRepeat()
	}
	if g.err != nil {
		return g.n + g.repeats, g.err
	}
	return g.n + g.repeats, bw.Flush()
}

type gen struct {
	opt   Options
	prof  profile
	w     *bufio.Writer
	write func(b []byte, e *event) []byte
	buf   []byte
	n     int64
	err   error

	pending []repeat // repeats not written yet, oldest first
	repeats int64
}

// repeat is a record to write again once record due is written.
type repeat struct {
	due  int64
	line []byte
}

func (g *gen) emit(e *event) {
	g.n++
	e.id = g.n
	g.buf = g.write(g.buf[:0], e)
	g.put(g.buf)
	if every := int64(g.opt.RepeatEvery); every > 0 && g.n%every == 0 && len(g.buf) > 0 {
		g.pending = append(g.pending, repeat{due: g.n + repeatDelay, line: append([]byte(nil), g.buf...)})
	}
	for len(g.pending) > 0 && g.pending[0].due <= g.n {
		g.flushRepeat()
	}
}

func (g *gen) put(b []byte) {
	if _, err := g.w.Write(b); err != nil && g.err == nil {
		g.err = err
	}
}

// flushRepeat writes the oldest pending repeat.
func (g *gen) flushRepeat() {
	g.put(g.pending[0].line)
	g.repeats++
	g.pending = g.pending[1:]
}

func (g *gen) run() {
	opt := g.opt
	first := opt.End.AddDate(0, 0, -(opt.Days - 1))
	dayMs := func(d int) int64 { return first.AddDate(0, 0, d).UnixMilli() }
	// Accounts: seats and plan.
	type account struct {
		id     string
		seats  int
		plan   string
		joined bool
	}
	accts := make([]account, opt.Accounts)
	arng := rand.New(rand.NewPCG(uint64(opt.Seed), 0xacc))
	for i := range accts {
		accts[i] = account{id: "acct-" + strconv.Itoa(i+1), seats: 3 + arng.IntN(28), plan: plans[arng.IntN(len(plans))]}
		if g.prof.overSeats(i) {
			accts[i].seats = 2 + i%3
		}
	}
	for u := 0; u < opt.Users; u++ {
		rng := rand.New(rand.NewPCG(uint64(opt.Seed), uint64(u)+1))
		user := "user-" + strconv.Itoa(u+1)
		ai := u % opt.Accounts
		acct := &accts[ai]
		admin := u < opt.Accounts // the account's first user
		start := g.prof.start(rng, opt.Days)
		end := opt.Days - 1
		if rng.Float64() < g.prof.churn { // churns
			end = start + rng.IntN(opt.Days-start)
		}
		breakFrom, breakTo := -1, -1
		if rng.Float64() < 0.15 { // takes a long break and comes back
			breakFrom = start + rng.IntN(max(1, end-start+1))
			breakTo = breakFrom + 20 + rng.IntN(30)
		}
		engagement := g.prof.engagement + float64(g.prof.engagementSpan*rng.Float64()) // no fused multiply-add: the same data on every CPU
		depth := g.prof.depth + rng.IntN(len(features)-g.prof.depth+1)                 // how many features this user knows
		quiet := !admin && g.prof.champion(ai)                                         // only looks: the account's admin does the work
		startMs := dayMs(start) + int64(8*3600e3)
		g.emit(&event{kind: core.KindIdentify, user: user, ms: startMs,
			traits: [][2]string{{"role", []string{"member", "analyst", "manager"}[rng.IntN(3)]}}})
		if !acct.joined || rng.Float64() < 0.5 {
			acct.joined = true
			g.emit(&event{kind: core.KindGroup, user: user, account: acct.id, ms: startMs,
				traits: [][2]string{{"name", "Account " + acct.id[5:]}, {"seats", strconv.Itoa(acct.seats)}, {"plan", acct.plan}}})
		} else {
			g.emit(&event{kind: core.KindGroup, user: user, account: acct.id, ms: startMs})
		}
		for d := start; d <= end; d++ {
			if d >= breakFrom && d < breakTo {
				continue
			}
			wd := first.AddDate(0, 0, d).Weekday()
			p := engagement
			if wd == time.Saturday || wd == time.Sunday {
				p *= 0.25
			}
			if d != start && rng.Float64() >= p {
				continue
			}
			ms := dayMs(d) + int64(7*3600e3) + rng.Int64N(12*3600e3)
			step := func() int64 { ms += 1000 + rng.Int64N(600e3); return ms }
			if d == start {
				g.emit(&event{kind: core.KindTrack, user: user, account: acct.id, name: setupEvent, ms: step()})
			}
			g.emit(&event{kind: core.KindPage, user: user, account: acct.id, name: pages[rng.IntN(len(pages))], ms: step()})
			for n := 1 + rng.IntN(4); n > 0 && !quiet; n-- {
				// Falling weights: feature i is picked about 1/(i+1) as often as the first.
				i := int(float64(depth) * rng.Float64() * rng.Float64())
				g.emit(&event{kind: core.KindTrack, user: user, account: acct.id, name: features[i], ms: step()})
			}
			if admin && rng.Float64() < 0.05 {
				g.emit(&event{kind: core.KindTrack, user: user, account: acct.id, name: adminEvent, ms: step()})
			}
		}
	}
}

// activityName is the name every format gives a generated activity event, the
// one core.Event.ActivityName gives Segment's page calls.
func activityName(e *event) string {
	if e.kind == core.KindPage {
		return "Viewed " + e.name + " Page"
	}
	return e.name
}
