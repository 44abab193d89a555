# hospital-kg
#   make run   set up .venv (pinned versions) and build examples/articles into output/
#   make test  the test suite (installs the Debian packages the real-client tests use)
#   make train the trained models (kg/models) rebuilt from the annotated sets in ../shared
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Real clients used by the tests: a browser for graph.html, an independent Turtle parser, Virtuoso
# (the store behind DBpedia) for kg publish.
DEBIAN_PACKAGES := chromium raptor2-utils fonts-wqy-microhei virtuoso-opensource-7-bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

SHARED ?= ../shared

.PHONY: run test install system-deps bench eval train cv curve clean

run: $(STAMP)
	$(BIN)/kg build examples/articles --out output

test: $(STAMP) system-deps
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/run.py

# The annotated sets training and cross-validation read: ARTICLES_DIR:GOLD_DIR each.
ANNOTATED ?= $(SHARED)/corpus:$(SHARED)/gold $(SHARED)/dev2/articles:$(SHARED)/dev2/gold \
	$(SHARED)/dev3/articles:$(SHARED)/dev3/gold

# Deterministic: the same annotations give the same model files.
train: $(STAMP)
	$(BIN)/python -m kg.train $(ANNOTATED) --scorer $(SHARED)/eval/score.py

# Cross-validated scores: each set scored by models trained without it, and 5 folds by document.
# SAVE=FILE keeps each document's 5-fold counts; COMPARE=FILE compares this run with a saved one;
# REPEATS=N pools N assignments of documents to folds (a steadier comparison, N times the time).
cv: $(STAMP)
	$(BIN)/python -m kg.train $(ANNOTATED) --cv --scorer $(SHARED)/eval/score.py \
		$(if $(REPEATS),--repeats $(REPEATS)) $(if $(SAVE),--save $(SAVE)) $(if $(COMPARE),--compare $(COMPARE))

# The learning curve: the 5 folds with each fold's models trained on a quarter, a half, three
# quarters and all of its training documents, and the gain per doubling of them (about 20 minutes).
curve: $(STAMP)
	$(BIN)/python -m kg.train $(ANNOTATED) --curve --scorer $(SHARED)/eval/score.py

# Scores on the shared dev sets (when ../shared is there), checked against eval/floors.txt,
# then where each miss was lost (kg eval).
eval: $(STAMP)
	$(BIN)/kg build $(SHARED)/corpus --out output/dev --quiet
	$(BIN)/python $(SHARED)/eval/score.py output/dev/graph.ttl $(SHARED)/gold \
		--require $$(awk '$$1 == "corpus" {print $$2}' eval/floors.txt)
	$(BIN)/kg build $(SHARED)/dev2/articles --out output/dev2 --quiet
	$(BIN)/python $(SHARED)/eval/score.py output/dev2/graph.ttl $(SHARED)/dev2/gold \
		--require $$(awk '$$1 == "dev2" {print $$2}' eval/floors.txt)
	$(BIN)/kg build $(SHARED)/dev3/articles --out output/dev3 --quiet
	$(BIN)/python $(SHARED)/eval/score.py output/dev3/graph.ttl $(SHARED)/dev3/gold \
		--require $$(awk '$$1 == "dev3" {print $$2}' eval/floors.txt)
	$(BIN)/kg eval $(SHARED)/corpus --gold $(SHARED)/gold
	$(BIN)/kg eval $(SHARED)/dev2/articles --gold $(SHARED)/dev2/gold
	$(MAKE) --no-print-directory cv

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

system-deps:
	@if ! command -v chromium >/dev/null || ! command -v rapper >/dev/null || ! command -v virtuoso-t >/dev/null \
		|| ! fc-list 2>/dev/null | grep -qi wqy; then \
		echo "installing Debian packages: $(DEBIAN_PACKAGES)"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(DEBIAN_PACKAGES); \
	fi

clean:
	rm -rf $(VENV) output
