# AWS Lambda: the bootstrap binary for provided.al2023, zipped for deployment.
LAMBDA := dist/lambda

.PHONY: lambda

# make lambda builds dist/lambda/sep-lambda-arm64.zip and -amd64.zip; each holds
# one executable file named bootstrap, as the provided.al2023 runtime expects.
lambda:
	@mkdir -p $(LAMBDA)
	@for arch in arm64 amd64; do \
	  rm -rf $(LAMBDA)/$$arch && mkdir -p $(LAMBDA)/$$arch && \
	  CGO_ENABLED=0 GOOS=linux GOARCH=$$arch $(GO) build -trimpath -tags lambda.norpc -ldflags '-s -w' -o $(LAMBDA)/$$arch/bootstrap ./lambda || exit 1; \
	  rm -f $(LAMBDA)/sep-lambda-$$arch.zip && \
	  (cd $(LAMBDA)/$$arch && python3 -m zipfile -c ../sep-lambda-$$arch.zip bootstrap) || exit 1; \
	  echo "lambda: $(LAMBDA)/sep-lambda-$$arch.zip ($$(wc -c < $(LAMBDA)/sep-lambda-$$arch.zip) bytes; bootstrap $$(wc -c < $(LAMBDA)/$$arch/bootstrap) bytes)"; \
	done
