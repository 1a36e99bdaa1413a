# wasmesh — see README.md. Every target works on a fresh clone with only Go installed;
# .ci/run installs the Debian packages the tests use.
GO        ?= go
BIN       ?= bin
GOFLAGS   ?=
TESTFLAGS ?= -race -timeout 45m
WASMENV    = GOOS=wasip1 GOARCH=wasm
FILTER_DIRS = $(sort $(dir $(wildcard filters/*/main.go examples/filters/*/main.go)))

.PHONY: all build filters test check fmt vet tidy-check wasip1 demo bench clean deps-check

all: build filters

build:
	@mkdir -p $(BIN)
	$(GO) build $(GOFLAGS) -o $(BIN)/ ./cmd/...

# Every built-in and example filter as a proxy-wasm module built by the standard Go toolchain.
filters:
	@mkdir -p $(BIN)/filters
	@for d in $(FILTER_DIRS); do \
		n=$$(basename $$d); \
		echo "wasip1 $$d -> $(BIN)/filters/$$n.wasm"; \
		$(WASMENV) $(GO) build -buildmode=c-shared -o $(BIN)/filters/$$n.wasm ./$$d || exit 1; \
	done

test: filters
	$(GO) test $(TESTFLAGS) ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

vet:
	$(GO) vet ./...
	$(WASMENV) $(GO) vet ./sdk/... ./wasm/abi/...

tidy-check:
	@cp go.mod /tmp/wasmesh.go.mod.bak; cp go.sum /tmp/wasmesh.go.sum.bak
	@$(GO) mod tidy
	@if ! git diff --quiet -- go.mod go.sum; then echo "go.mod/go.sum not tidy: run go mod tidy"; git diff -- go.mod go.sum | head -40; exit 1; fi

wasip1:
	$(WASMENV) $(GO) build ./sdk/... ./wasm/abi/...

# The gate: formatting, vet, tidy, the wasip1 build of sdk/ and every filter, and all tests.
check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(MAKE) vet tidy-check wasip1 test

demo: build filters
	$(BIN)/meshctl demo up --bin $(BIN)

bench: build filters
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf $(BIN)
