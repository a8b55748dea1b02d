# The online calculator: a static folder any host serves as it is.
SITE      := dist/site
WASM_EXEC := $(shell $(GO) env GOROOT)/lib/wasm/wasm_exec.js
# The page's sep.wasm must stay under 3 MB gzipped (README: Limits); it is
# built with sep_nopush, without the traits push client and so net/http.
SITE_WASM_MAX_GZIP := 3000000

.PHONY: site test-browser bench-browser

site: $(BIN)/sep
	rm -rf $(SITE)
	mkdir -p $(SITE)/demo
	GOOS=js GOARCH=wasm $(GO) build -tags sep_nopush -trimpath -ldflags '-s -w' -o $(SITE)/sep.wasm ./wasm
	cp $(WASM_EXEC) site/index.html site/styles.css site/app.js site/i18n.js site/worker.js $(SITE)/
	$(BIN)/sep gen --users 300 --days 120 --seed 7 --format segment | gzip -9n > $(SITE)/demo/demo.jsonl.gz
	@gz=$$(gzip -9 -c $(SITE)/sep.wasm | wc -c); \
	echo "site: $(SITE) ready (sep.wasm $$(wc -c < $(SITE)/sep.wasm) bytes, $$gz gzipped, zone database included; limit $(SITE_WASM_MAX_GZIP))"; \
	test $$gz -le $(SITE_WASM_MAX_GZIP) || { echo "site: sep.wasm is over its $(SITE_WASM_MAX_GZIP)-byte gzip limit"; exit 1; }

# End-to-end tests of the page in Debian's Chromium, driven by playwright-core.
test-browser: site build
	cd e2e && node --test --test-concurrency=1 site.test.mjs

TEST_STEPS += test-browser

# Throughput of the page on a 200 MB Segment export, next to the CLI's.
bench-browser: site build
	cd e2e && node bench/browser.mjs
