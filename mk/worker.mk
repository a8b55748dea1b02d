# Cloudflare Workers: the Go handler compiled to WebAssembly with
# github.com/syumai/workers' JS shim, in worker/build/ (wrangler.toml's main).
# Built with encoding/json (tag sep_stdjson) to stay under the free plan's 3 MB.
WORKER := worker/build

.PHONY: worker

worker:
	rm -rf $(WORKER)
	$(GO) run github.com/syumai/workers/cmd/workers-assets-gen -mode=go -o $(WORKER)
	GOOS=js GOARCH=wasm $(GO) build -tags sep_stdjson -trimpath -ldflags '-s -w' -o $(WORKER)/app.wasm ./worker
	@echo "worker: $(WORKER) ready (app.wasm $$(wc -c < $(WORKER)/app.wasm) bytes, $$(gzip -9 -c $(WORKER)/app.wasm | wc -c) gzipped; limits: 3 MiB free plan, 10 MiB paid)"
