#!/usr/bin/env python3
"""One-off, for merging issue 12: re-run on a README.md that is still one page
(`git checkout main -- README.md && python3 scripts/split-readme.py`) to fold
sections added since into docs/; delete once merged.

Split README.md into docs/ by reader: every '## ' section moves whole to the doc
its heading maps to (nothing is dropped); README.md becomes the newcomer's page."""
import re, sys, os

README_HEAD = r'''# sep — the Product Engagement Score, computed exactly

**sep** computes the **Product Engagement Score** (PES; in French *Score d'Engagement
Produit*, SEP) of a product from its analytics exports or live webhook events: one honest
number for how the product is used, the three components behind it, a score for every B2B
account, and what the standard score misses (weighted scores, seat usage, trends,
explanations and alerts).

    PES = (adoption + stickiness + growth) / 3          each component 0..100

- **Adoption**: the share of the K core events an active user (or account) used in the period.
- **Stickiness**: the mean over the period's days of DAU/MAU (or WAU/MAU, DAU/WAU).
- **Growth**: the quick ratio (new + recovered) / dropped, mapped to 0..100.

Bands: below 60 *investigate*, 60–70 *fair*, 70–80 *healthy*, 80+ *strong*. The formulas
are fixed in `SPEC.md`; [docs/formulas.md](docs/formulas.md) has every decision it leaves open.

One Go core (`core/`) runs everywhere, so every surface gives the same numbers for the
same input and settings:

| surface | for | where |
|---|---|---|
| `sep` CLI | a person with an export on a laptop | `cmd/sep` |
| the free online calculator | anyone: a static page, the core compiled to WebAssembly, the data never leaves the browser | `wasm/`, `site/` |
| `sep serve` | the local server: the API and the page, with an embedded store | `cmd/sep`, `api/`, `bolt/` |
| AWS Lambda | hosted scoring fed by Segment/RudderStack webhooks, state in DynamoDB | `lambda/`, `dynamodb/` |
| Cloudflare Workers | the same, state in D1 | `worker/`, `d1/` |

@@TWO_COMMANDS@@

## One example per surface

**CLI** (any Segment, RudderStack, Mixpanel, Amplitude or PostHog export, or CSV; gzip and zip too):

    $ sep gen --users 200 --days 90 -o demo.jsonl        # a synthetic Segment export
    $ sep score --core-events "Report Created,Query Run,Dashboard Shared" demo.jsonl
    SEP 51.2 (investigate)
      Adoption      86.4  share of the 3 core events used per active user
      Stickiness    32.1  mean daily DAU/MAU
      Growth        35.0  quick ratio 1.08 = (27 new + 0 recovered) / 25 dropped
    ...
    $ sep score --json --trend --by plan demo.jsonl      # the full report as JSON

**The page**: `make run`, open http://127.0.0.1:8080 and press *Try it with demo data*, or drop an
export; `make site` writes the static page to deploy ([docs/page.md](docs/page.md)).

**Local server** (open on loopback; tokens when hosted):

    sep serve --data ./sep-data &
    curl -H 'Content-Type: application/json' --data-binary @delivery.json http://127.0.0.1:8080/v1/events   # {"batch": [...]}
    curl 'http://127.0.0.1:8080/v1/score?window=30&by=plan'

**AWS Lambda** (DynamoDB) and **Cloudflare Workers** (D1), the same API:

    make lambda && sam deploy --guided --template-file deploy/aws/template.yaml
    make worker && cd worker && npx wrangler deploy

Then point Segment's or RudderStack's webhook destination (or their SDKs) at it
([docs/hosting.md](docs/hosting.md)).

**A warehouse** (BigQuery, Snowflake, PostgreSQL, DuckDB): sep writes the query, the warehouse
runs it, sep scores its unloaded result ([docs/warehouses.md](docs/warehouses.md)):

    sep sql --dialect bigquery --prefix analytics. > sep.sql
    sep score --cells result-*.csv.gz

## Where each job lives

| package | job |
|---|---|
| `core/` | the domain: events (`event.go`), days (`day.go`), the mergeable rollup (`rollup.go`, `cells.go`), settings and config, the report (`report.go`), the `Store` interface (`store.go`); the standard SEP (`score.go`: one `period` built once, `period.go`) and the insights, one job per file (`insight_users.go`, `insight_accounts.go`, `insight_alerts.go`, `insight_explain.go`, `insight_segments.go`, `insight_trend.go`) |
| `core/` readers | one file per export format with its recogniser and decoder (`format_segment.go` + `segment_scan.go`, `format_mixpanel.go`, `format_amplitude.go`, `format_posthog.go`, `read_csv.go`), registered in `format.go` (`core.RegisterFormat` for other packages); reading, gzip, zip and the parallel ingest in `read.go` and `ingest.go` |
| `cmd/sep/` | the CLI: flags in, `core` out |
| `api/` | the one HTTP handler every host serves |
| `bolt/`, `dynamodb/`, `d1/` | the `core.Store` of each host, named after its database |
| `lambda/`, `worker/` | host adapters: events in, the handler, answers out |
| `wasm/`, `site/` | the page and its WebAssembly bridge |
| `warehouse/`, `cells/`, `parquetrows/` | the SQL query `sep sql` writes per dialect and schema, its result read back into a rollup, Parquet rows |
| `schedule/`, `notify/`, `traits/` | the daily run, alerts to Slack and webhooks, scores back into the CRM |
| `internal/` | test harnesses: `apitest` (one suite for every host), `testenv`, `sdktest`, `scheduletest` |
| `bench/`, `e2e/`, `scripts/`, `tools/`, `deploy/` | benchmarks, browser and SDK tests, install and check scripts, pinned tools, deployment templates |

## Documentation

@@DOCS@@
'''
src = open('README.md').read()
lines = src.split('\n')
# the preamble: up to the first '## '
first = next(i for i, l in enumerate(lines) if l.startswith('## '))
pre = '\n'.join(lines[:first])
secs = []  # (heading, text)
cur = None
for l in lines[first:]:
    if l.startswith('## '):
        cur = [l[3:].strip(), [l]]
        secs.append(cur)
    else:
        cur[1].append(l)
DOCS = [
  ('formulas.md', 'Formulas and decisions', 'The PES formula, its components and bands, and every decision the spec (`SPEC.md`) leaves open.'),
  ('cli.md', 'The CLI', 'Every `sep` command and flag, with the seed\'s worked example.'),
  ('formats.md', 'Formats and detection', 'How exports are read: detection on evidence, each format, account keys, times, CSV layouts, limits and bad records. Each format is one file in `core/` (`format_segment.go`, `format_mixpanel.go`, `format_amplitude.go`, `format_posthog.go`, `read_csv.go`) with its recogniser and decoder; another package can add one with `core.RegisterFormat`.'),
  ('report.md', 'The report', 'The JSON report\'s schema (`sep score --json`, `/v1/score`, the page\'s download), what is counted, and the insights beyond the standard score.'),
  ('hosting.md', 'The hosted API and deployments', 'The HTTP API shared by every host, its limits, the tracking API for Segment\'s and RudderStack\'s SDKs, the local server, AWS Lambda and Cloudflare Workers.'),
  ('schedules.md', 'Schedules, history, alerts and the CRM', 'What a hosted deployment does every day: the scheduled run, the history, alerts to Slack and webhooks, scores pushed back into the CRM.'),
  ('page.md', 'The page', 'The online calculator: a static page running the core as WebAssembly, and how to deploy it.'),
  ('warehouses.md', 'Warehouses', 'Scoring from a data warehouse: the query sep writes, the cells it reads back, Parquet.'),
  ('performance.md', 'Performance', 'What was measured, how, and why it is fast.'),
  ('testing.md', 'Tests and tools', 'What `make test` runs, the fuzz targets, golden files, real SDKs and the host suites.'),
]
def target(h):
    hl = h.lower()
    if hl.startswith('two commands'): return None
    if hl.startswith('the cli'): return 'cli.md'
    if hl.startswith('reading exports') or 'format' in hl and 'detect' in hl: return 'formats.md'
    if hl.startswith('the json report') or hl.startswith('beyond the standard score'): return 'report.md'
    if hl.startswith('hosted scoring') or 'lambda' in hl or 'worker' in hl or 'api' in hl: return 'hosting.md'
    if hl.startswith('scores that reach people') or 'alert' in hl or 'schedule' in hl: return 'schedules.md'
    if 'page' in hl or 'calculator' in hl: return 'page.md'
    if 'warehouse' in hl or 'parquet' in hl or 'sql' in hl: return 'warehouses.md'
    if hl.startswith('performance'): return 'performance.md'
    if hl.startswith('tests') or 'test' in hl: return 'testing.md'
    if hl.startswith('decisions'): return 'formulas.md'
    print('UNMAPPED section:', h, file=sys.stderr)
    return 'formulas.md'
out = {d[0]: [] for d in DOCS}
keep = []
for h, body in secs:
    t = target(h)
    text = '\n'.join(body).rstrip('\n')
    if t is None:
        keep.append(text)
    else:
        out[t].append(text)
# the formulas from the preamble go first in formulas.md
m = re.search(r'\n    PES = .*?(?=\nOne Go core)', pre, re.S)
formula = m.group(0).strip('\n')
out['formulas.md'].insert(0, '## The formula\n\n' + formula)
# anchors: heading -> file
anchor = {}
for fname, parts in out.items():
    for p in parts:
        for l in p.split('\n'):
            mm = re.match(r'(#{2,4}) (.*)', l)
            if mm:
                a = re.sub(r'[^\w\- ]', '', mm.group(2).lower()).replace(' ', '-')
                anchor[a] = fname
def fix_links(fname, text):
    def rep(mm):
        a = mm.group(1)
        f = anchor.get(a)
        if f is None or f == fname:
            return mm.group(0)
        return '](%s#%s)' % (f, a)
    text = re.sub(r'\]\(#([^)]+)\)', rep, text)
    # links to repo files from docs/ go one level up
    text = re.sub(r'\]\(docs/([^)]+)\)', r'](\1)', text)
    text = re.sub(r'\]\((?!https?:|#|[a-z-]+\.md)([^)]+)\)', r'](../\1)', text)
    return text
FIXES = [
  ("this\nREADME documents every decision", "this\npage documents every decision"),
  ('see "Scores that reach people")', 'see docs/schedules.md)'),
  ('(see "What is counted")', '(see [report.md](report.md#what-is-counted-repeats-implausible-times-limits))'),
  ('see Reading exports)', 'see docs/formats.md)'),
  ('404, 405 with `Allow`,', '404, 405 with `Allow` (the routes are `http.ServeMux`\n  method patterns such as `POST /v1/events`; a GET route answers HEAD too),'),
]
APPEND = {
  'testing.md': '''### Refactoring without changing a report

`scripts/same-reports.sh OLD_SEP NEW_SEP [BIG_FILE]` proves two builds write the same
reports: it writes `sep gen` data in the five formats (with repeated ids) and scores each with
both binaries under the defaults and 12 setting combinations (`--trend`, `--weights`, `--unit
account`, `--ratio wau/mau` and `dau/wau`, `--window 14` and `90`, `--as-of`, `--tz
Europe/Paris` and `America/Los_Angeles`, `--by` a trait and the buckets, `--core-events`),
then `cmp`s the JSON, the text, the accounts and users CSVs and the errors (65 runs, about
30 s); with `BIG_FILE` (`bench/data/segment-1000MB-r200.jsonl`) it compares `--trend
--weights` on it too. Build the old binary from the commit before (`git archive` into a
temporary folder, then `go build ./cmd/sep`).

Each insight is tested alone on a hand-built period (`core/period_test.go`: two accounts, a
dormant user, a user without account, seats, a trial plan, a renewal), and a made-up export
format registered with `core.RegisterFormat` is detected and read like the built-in ones
(`core/format_register_test.go`).''',
}
os.makedirs('docs', exist_ok=True)
for fname, title, intro in DOCS:
    parts = out[fname]
    if not parts:
        print('EMPTY doc:', fname, file=sys.stderr)
        continue
    body = '\n\n'.join(parts)
    if fname in APPEND:
        body += '\n\n' + APPEND[fname]
    body = fix_links(fname, body)
    for a, b in FIXES:
        body = body.replace(a, b)
    path = 'docs/' + fname
    if os.path.exists(path) and open(path).readline().strip() != '# ' + title:
        # A page written by hand (e.g. docs/page.md): keep it whole, the
        # README's sections follow it.
        mine = open(path).read().rstrip('\n')
        open(path, 'w').write('%s\n\n%s\n' % (mine, body))
        continue
    open(path, 'w').write('# %s\n\n%s\n\n%s\n' % (title, intro, body))
# README: the preamble's first paragraph, the two commands, examples, the layout, the docs
readme = README_HEAD
readme = readme.replace('@@TWO_COMMANDS@@', '\n\n'.join(keep))
idx = '\n'.join('- [%s](docs/%s): %s' % (t, f, i.split('. ')[0].rstrip('.') + '.') for f, t, i in DOCS if out[f])
# docs/ pages written by hand (not from the README) are listed too, by their title
ours = {f for f, _, _ in DOCS}
for f in sorted(os.listdir('docs')):
    if f.endswith('.md') and f not in ours:
        title = open('docs/' + f).readline().lstrip('# ').strip()
        idx += '\n- [%s](docs/%s)' % (title, f)
readme = readme.replace('@@DOCS@@', idx)
open('README.md', 'w').write(readme)
# every line of the old README's sections is in docs/ or README
allnew = open('README.md').read() + ''.join(open('docs/' + f).read() for f, _, _ in DOCS if out[f])
missing = [l for l in lines[first:] if l.strip() and l not in allnew and fix_links('x', l) not in allnew]
pre_missing = [l for l in lines[:first] if l.strip() and l not in allnew]
print('lines not found verbatim:', len(missing), 'preamble:', len(pre_missing), file=sys.stderr)
for l in (missing + pre_missing)[:40]:
    print('  ', l[:120], file=sys.stderr)
