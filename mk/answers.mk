# A big deployment's answers (pages, gzip, the CSV export) read by Node's
# fetch from the real `sep serve`.
.PHONY: test-answers

test-answers: build
	cd e2e && node --test --test-concurrency=1 answers.test.mjs

TEST_STEPS += test-answers
