# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

POLICY ?= policies/jiujiang/resident_inpatient.yb
CLAIM  ?= policies/jiujiang/claims/level2_local.json

.PHONY: demo test lint bench bench-openfisca bench-zen clean docs screenshot screenshot-letter

$(STAMP): pyproject.toml setup.py $(wildcard compiler/*.c compiler/*.h)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	@# setuptools' "Editable installation" note (an InformationOnly warning, nothing to fix) is not shown
	PYTHONWARNINGS="ignore:Editable installation" $(BIN)/pip install --quiet -e '.[dev,docs]'
	touch $(STAMP)

# In a terminal: the explainer on the bundled claim (q quits). In CI and pipes: the settlement as text.
demo: $(STAMP)
	@if [ -t 0 ] && [ -t 1 ]; then $(BIN)/yibao explain $(POLICY) $(CLAIM); \
	else $(BIN)/yibao settle $(POLICY) $(CLAIM); fi

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/yibao fmt --check policies
	$(BIN)/yibao test policies --min-coverage 85
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python benchmarks/settle_throughput.py

# The columnar settle step against the same rules in OpenFisca (benchmarks/README.md). OpenFisca
# gets a virtualenv of its own, created on first use: it is not one of yibao's dependencies.
OPENFISCA_VENV ?= .venv-openfisca
$(OPENFISCA_VENV)/.installed:
	$(PYTHON) -m venv $(OPENFISCA_VENV)
	$(OPENFISCA_VENV)/bin/pip install --quiet --upgrade pip
	$(OPENFISCA_VENV)/bin/pip install --quiet 'openfisca-core>=46,<47'
	touch $@

bench-openfisca: $(STAMP) $(OPENFISCA_VENV)/.installed
	$(BIN)/python benchmarks/openfisca_compare.py --python $(OPENFISCA_VENV)/bin/python $(OPENFISCA_ARGS)

# policy.settle(dict) against the same rules as a GoRules zen-engine decision, per claim
# (benchmarks/README.md). zen-engine gets a virtualenv of its own, as OpenFisca does.
ZEN_VENV ?= .venv-zen
$(ZEN_VENV)/.installed:
	$(PYTHON) -m venv $(ZEN_VENV)
	$(ZEN_VENV)/bin/pip install --quiet --upgrade pip
	$(ZEN_VENV)/bin/pip install --quiet 'zen-engine>=2.1,<3'
	touch $@

bench-zen: $(STAMP) $(ZEN_VENV)/.installed
	$(BIN)/python benchmarks/zen_compare.py --python $(ZEN_VENV)/bin/python $(ZEN_ARGS)

# The documentation site: policy pages from `yibao render`, a page per diagnostic code, then
# mkdocs-material into site/ (offline).
docs: $(STAMP)
	$(BIN)/python scripts/build_docs.py
	$(BIN)/python scripts/diagnostic_pages.py
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --quiet
	@echo "site/index.html"

# Renders a policy as HTML, photographs it in headless Chromium and prints the PNG's path.
screenshot: $(STAMP)
	$(BIN)/python scripts/screenshot.py

# The explanation letter with a configured letterhead (LETTER_CONFIG, a yibao.toml), in headless Chromium.
LETTER_CONFIG ?=
screenshot-letter: $(STAMP)
	$(BIN)/python scripts/screenshot.py $(POLICY) --letter $(CLAIM) $(if $(LETTER_CONFIG),--config $(LETTER_CONFIG))

clean:
	rm -rf $(VENV) $(OPENFISCA_VENV) $(ZEN_VENV) build *.egg-info compiler/*.so
