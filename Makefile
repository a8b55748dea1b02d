# sep: the Product Engagement Score calculator. See README.md.
#
#   make run     build everything and start the local server with the web page
#   make test    install the test tools when missing, then run every test
#
# Each area adds its own targets in mk/*.mk and appends the test steps that are
# not plain `go test` (the browser, ...) to TEST_STEPS.

GO      ?= go
BIN     := bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
ADDR    ?= 127.0.0.1:8080
DATA    ?= .sep-data

TEST_STEPS :=

.PHONY: all build run test deps unit vet bench bench-reads clean FORCE

all: build

build: $(BIN)/sep

$(BIN)/sep: FORCE
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $@ ./cmd/sep

include $(sort $(wildcard mk/*.mk))

# The main job: build the page (WebAssembly) and the CLI, then serve both the
# page and the API from the local server with its embedded store.
run: site build
	$(BIN)/sep serve --addr $(ADDR) --data $(DATA) --site dist/site

# The test tools (Chromium, playwright-core, wrangler, dynalite) are installed
# by the project's own script when missing; a tool that cannot be installed
# fails the run.
deps:
	./scripts/install-test-deps.sh

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

# Unit, golden, fuzz-seed, end-to-end CLI, Lambda (real bootstrap under a test
# Runtime API), DynamoDB (dynalite) and Worker (wrangler dev) tests are
# Go tests; the fuzz targets' seed corpora run as plain tests.
unit:
	$(GO) test -count=1 ./...

test: deps vet unit $(TEST_STEPS)
	@echo "make test: all test steps passed"

clean:
	rm -rf $(BIN) dist

# Side by side in one run: sep against DuckDB on the same >= 1 GB Segment
# export (generated once into bench/data/), sep on Parquet against sep on the
# same JSON lines and DuckDB's read_parquet, then the hot-path Go benchmarks.
bench: build
	$(GO) run ./bench -size 1000 -sep $(BIN)/sep
	$(GO) run ./bench -parquet -sep $(BIN)/sep -runs 5
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 3x ./core/... ./ingest ./parquetrows
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 5x ./api ./bolt

# GET /v1/score on sep serve's store (docs/hosting-costs.md): fresh, cached and
# four identical reads at once, before and after compacting the closed days.
READS_USERS ?= 10000
bench-reads:
	rm -rf bench/data/reads-$(READS_USERS)
	$(GO) run ./bench/reads gen -users $(READS_USERS) -dir bench/data/reads-$(READS_USERS)
	$(GO) run ./bench/reads read -dir bench/data/reads-$(READS_USERS)
	$(GO) run ./bench/reads compact -dir bench/data/reads-$(READS_USERS)
	$(GO) run ./bench/reads read -dir bench/data/reads-$(READS_USERS)
