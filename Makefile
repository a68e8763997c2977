# make test: the whole suite, in every module of the repo: gofmt, go vet and
# go test -race. It installs what the tests need first (scripts/deps.sh).

GOBIN := $(shell go env GOPATH)/bin
export PATH := $(GOBIN):/usr/sbin:$(PATH)
# Every go.mod in the repo is a module to check, each built in the
# workspace (go.work), which stands the working tree in for the versions the
# modules require of each other; GOWORK=off or -mod=mod from the
# environment would break that.
MODULES := $(shell find . -name go.mod -not -path './.git/*' -not -path '*/testdata/*' -printf '%h\n' | sort)
export GOWORK := $(CURDIR)/go.work
export GOFLAGS := $(filter-out -mod=%,$(GOFLAGS))
GOTEST_FLAGS ?= -race -timeout 15m

.PHONY: test deps fmt vet gotest bench
test: deps fmt vet gotest

deps:
	@bash scripts/deps.sh

fmt:
	@out=$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	@set -e; for m in $(MODULES); do echo "vet $$m"; (cd $$m && go vet ./...); done

gotest:
	@set -e; for m in $(MODULES); do echo "test $$m"; (cd $$m && go test $(GOTEST_FLAGS) ./...); done

# make bench: the performance benchmarks, each reported as a ratio to its
# baseline measured in the same run (ROUNDS=9 make bench for steadier figures).
bench: deps
	@bash scripts/bench.sh
