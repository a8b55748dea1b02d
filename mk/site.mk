# The online calculator: a static folder any host serves as it is.
SITE      := dist/site
WASM_EXEC := $(shell $(GO) env GOROOT)/lib/wasm/wasm_exec.js
# The page's sep.wasm must stay under 3 MB gzipped (docs/page.md); it is
# built with sep_nopush, without the traits push client and so net/http.
SITE_WASM_MAX_GZIP := 3000000

.PHONY: site test-browser bench-browser

# The page's JavaScript is ES modules in site/src/ (upload and the worker,
# settings, the result view, charts, tables, language), bundled with uPlot and
# its CSS by esbuild; both come from npm at the exact versions of
# site/package-lock.json, installed here when missing or older than the lock.
SITE_NPM := site/node_modules/.package-lock.json
ESBUILD  := site/node_modules/.bin/esbuild

$(SITE_NPM): site/package.json site/package-lock.json
	cd site && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

site: $(BIN)/sep $(SITE_NPM)
	rm -rf $(SITE)
	mkdir -p $(SITE)/demo
	GOOS=js GOARCH=wasm $(GO) build -tags sep_nopush -trimpath -ldflags '-s -w' -o $(SITE)/sep.wasm ./wasm
	$(ESBUILD) site/src/main.js --bundle --format=esm --target=es2020 --minify --sourcemap --log-level=warning --outfile=$(SITE)/app.js
	$(ESBUILD) site/styles.css --bundle --minify --log-level=warning --outfile=$(SITE)/styles.css
	cp $(WASM_EXEC) site/index.html site/worker.js $(SITE)/
	$(BIN)/sep gen --profile saas --users 300 --days 120 --seed 7 --format segment | gzip -9n > $(SITE)/demo/demo.jsonl.gz
	@gz=$$(gzip -9 -c $(SITE)/sep.wasm | wc -c); \
	echo "site: $(SITE) ready (sep.wasm $$(wc -c < $(SITE)/sep.wasm) bytes, $$gz gzipped, zone database included; limit $(SITE_WASM_MAX_GZIP))"; \
	test $$gz -le $(SITE_WASM_MAX_GZIP) || { echo "site: sep.wasm is over its $(SITE_WASM_MAX_GZIP)-byte gzip limit"; exit 1; }

# End-to-end tests of the page in Debian's Chromium, driven by playwright-core.
test-browser: site build
	cd e2e && node --test --test-concurrency=1 site.test.mjs page.test.mjs pool.test.mjs errors.test.mjs

TEST_STEPS += test-browser

# Throughput of the page on a 200 MB Segment export, next to the CLI's.
bench-browser: site build
	cd e2e && node bench/browser.mjs
