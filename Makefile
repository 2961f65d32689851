# Two commands on a fresh machine: `make demo` and `make test`. Each creates its environment first.
PYTHON ?= python3

.PHONY: install demo test bench clean

# The test environment has every extra (OCR, formats, Dask, summary) and the test tools.
.venv/.installed: pyproject.toml
	$(PYTHON) -m venv .venv
	.venv/bin/pip install -q --upgrade pip
	.venv/bin/pip install -q -e '.[test]'
	touch $@

# The demo environment is what a researcher installs: the tool, more formats and the summary page.
.venv-demo/.installed: pyproject.toml
	$(PYTHON) -m venv .venv-demo
	.venv-demo/bin/pip install -q --upgrade pip
	.venv-demo/bin/pip install -q -e '.[formats,summary]'
	touch $@

install: .venv/.installed

demo: .venv-demo/.installed
	.venv-demo/bin/extract fixtures/seed/000_3a7ed7c9ae9b3af5.txt
	.venv-demo/bin/extract fixtures --out demo-dataset --format parquet,csv,xlsx --summary
	@echo "dataset written to demo-dataset/ (open demo-dataset/summary.html)"

# Lint and type-check first (seconds), then the suite (minutes); the first failure stops the target.
test: .venv/.installed
	.venv/bin/ruff check .
	.venv/bin/mypy extractor
	.venv/bin/python -m pytest -q

bench: .venv/.installed
	.venv/bin/python benchmarks/pdf_speed.py --typical
	.venv/bin/python benchmarks/batch_scale.py

clean:
	rm -rf .venv .venv-demo demo-dataset .pytest_cache .ruff_cache .mypy_cache
