# Cross-site writes and DNS rebinding against the real `sep serve`, from a
# real Chromium page on another loopback origin (issue #11).
.PHONY: test-hostile

test-hostile: build
	cd e2e && node --test --test-concurrency=1 hostile.test.mjs

TEST_STEPS += test-hostile
