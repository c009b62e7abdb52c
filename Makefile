# Two commands do everything on a fresh machine with Go, Node.js and make:
#   make synth   install what is needed, synthesize the example app to cdk.out/, list its routes
#   make test    install what is needed, lint, and run every test
#   make dev     synthesize, print a curl command with a fresh token, serve the API locally

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := synth

# The CDK CLI pinned in package.json, never a newer one from the registry.
CDK := npx --no-install cdk

# Pinned here rather than in go.mod, so that it never becomes a requirement of the library.
GOLANGCI_LINT := go run github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0

# cfn-lint rules ignored, each with its reason:
#   W3005  CDK writes a DependsOn on each function's role that its GetAtt already implies;
#          redundant, and harmless to CloudFormation.
CFN_LINT_IGNORE := W3005

export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 1

.PHONY: synth dev test lint snapshot fuzz bench deps clean

# npm ci runs again only when the pinned versions change.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

deps: node_modules/.installed
	go mod download

synth: deps
	$(CDK) synth --quiet
	go run ./cmd/passage-local routes

# The snapshots are byte-for-byte what synth writes (the tests check that), so cfn-lint reads
# the very templates that would be deployed.
TEMPLATES := testdata/*.template.json examples/importer/testdata/*.template.json

# Serves the example API on http://127.0.0.1:3000 with the local dev issuer; Ctrl-C stops it.
# The binary is built once into bin/ so that token and serve do not each link it again.
dev: synth
	go build -o bin/passage-local ./cmd/passage-local
	@token=$$(bin/passage-local token --sub dev-user); \
	echo; \
	echo "From another shell (the token is valid for an hour):"; \
	echo "  curl -H 'Authorization: Bearer $$token' http://127.0.0.1:3000/whoami"; \
	echo
	bin/passage-local serve --dev-issuer

test: deps lint
	go test ./...
	cd examples/importer && go test ./...
	cfn-lint --ignore-checks $(CFN_LINT_IGNORE) -- $(TEMPLATES)
	$(MAKE) --no-print-directory fuzz

# Every fuzz target runs for a short, bounded run on each test run, from its seed corpus in
# testdata/fuzz/ (go test alone replays the corpus). The budget is a count of executions, not
# a duration: with a duration, Go 1.26's fuzz coordinator can report a spurious "context
# deadline exceeded" when -fuzztime ends under load (go.dev/issue/75804, fixed in Go 1.27).
# -timeout bounds the time. FUZZ_EXECS=5000000x for a longer hunt.
FUZZ_EXECS := 20000x
FUZZ_TARGETS := ./internal/jwtauth:FuzzAuthorize ./internal/httpapi:FuzzNewEvent \
	./internal/httpapi:FuzzParseResponse

fuzz:
	@for target in $(FUZZ_TARGETS); do \
		echo "go test -run '^$$' -fuzz '^$${target#*:}$$' -fuzztime $(FUZZ_EXECS) $${target%%:*}"; \
		go test -run '^$$' -fuzz "^$${target#*:}\$$" -fuzztime $(FUZZ_EXECS) -timeout 5m \
			"$${target%%:*}"; \
	done

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	go vet ./...
	$(GOLANGCI_LINT) run ./...
	cd examples/importer && go vet ./... && $(GOLANGCI_LINT) run ./...

# Rewrites the example template's snapshot; read `git diff testdata/` before committing it.
snapshot: deps
	go test ./internal/exampleapp -run Snapshot -update
	cd examples/importer && go test . -update

# The plain-CDK app's aws-cdk-lib, pinned in bench/package-lock.json.
bench/node_modules/.installed: bench/package.json bench/package-lock.json
	npm ci --prefix bench --no-audit --no-fund
	touch $@

# Every item of BENCHMARKS.md, printed as Markdown (about 16 minutes on 2 cores), then the
# local gateway's benchmarks.
bench: deps bench/node_modules/.installed
	go run ./bench/synthbench
	go test ./internal/localgw -run '^$$' -bench . -benchtime 3s
	go test ./lambdas/whoami -run '^$$' -bench HandleInProcess -benchtime 3s -count 3

# Keeps .passage-local/: tokens minted before stay valid with the same key.
clean:
	rm -rf cdk.out bin
