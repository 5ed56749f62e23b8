# mnv1-bench: `make tables` regenerates the paper's tables, `make test` runs the tests (installing first).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test tables bench bench-busy bench-coverage bench-pick lint mutate gpu-wheels clean

install: $(STAMP)

# Reinstall only when the project's dependencies change. The first install takes a couple of minutes and about
# 6 GB (PyPI's torch wheel carries the CUDA libraries), so pip's own progress is shown, not hidden.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -c constraints.txt -e '.[dev]'
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/pytest -q

tables: $(STAMP)
	$(BIN)/mnv1-bench tables --out tables --results results/published

bench: $(STAMP)
	$(BIN)/pytest -q benchmarks --benchmark-only --benchmark-columns=min,median,iqr,rounds
	$(BIN)/mnv1-bench time mobilenet --backend eager,compile,onnxruntime,openvino --dtype fp32,bf16,int8 --batch 1 --no-save
	$(BIN)/python benchmarks/busy_neighbour.py
	$(BIN)/python benchmarks/coverage.py

# Six back-to-back eager/onnxruntime runs quiet and six beside a bursty neighbour: a run's 95% interval holds another
# run's ratio in at least 75% of ordered pairs, one verdict throughout; then three --precision 2 runs within 2%.
bench-coverage: $(STAMP)
	$(BIN)/python benchmarks/coverage.py

# Three back-to-back eager/onnxruntime runs beside a bursty neighbour (ratios within 5%, every row flagged busy),
# then three on the quiet machine (medians within 5% per backend). Part of `make bench`; alone here.
bench-busy: $(STAMP)
	$(BIN)/python benchmarks/busy_neighbour.py

# A cold `pick --budget-ms 10` over the default set (30+ candidates) in under 4 minutes, four warm repeats in under 15 s
# each, and one answer (a network or a stated tie) in all five.
bench-pick: $(STAMP)
	$(BIN)/python benchmarks/pick_cold_warm.py

lint: $(STAMP)
	$(BIN)/ruff check mnv1_bench tests benchmarks
	$(BIN)/ruff format --check mnv1_bench tests benchmarks
	$(BIN)/lint-imports

# Mutation testing of the core modules ([tool.mutmut] in pyproject.toml); slow, so not part of `make test` or CI.
# Prints the surviving mutants; `$(BIN)/mutmut show NAME` shows one.
mutate: $(STAMP)
	$(BIN)/mutmut run
	$(BIN)/mutmut results

# fvcore and its small pure-Python dependencies, for a GPU machine that runs the project under its own python3
# (scripts/gpu-check.sh installs them from .whl/ with --no-index --no-deps).
gpu-wheels: $(STAMP)
	$(BIN)/pip wheel --quiet --no-deps fvcore iopath yacs termcolor portalocker tabulate -w .whl

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .benchmarks mutants
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
