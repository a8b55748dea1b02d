# The tracking API against the real Segment and RudderStack Node SDKs (pinned in
# e2e/package.json). These are Go tests that run node (internal/sdktest), so
# `make unit` (go test ./...) already runs them as part of `make test`; this
# target runs just them.
.PHONY: test-sdk

test-sdk:
	$(GO) test -count=1 -run 'TestSDKs' ./cmd/sep ./lambda
