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

# The demo reads examples/: one report of each input kind, one that breaks its own arithmetic and
# one broken download (see examples/README.md), then writes the dataset, its summary and review pages.
demo: .venv-demo/.installed
	.venv-demo/bin/extract examples/04_word_document.docx
	.venv-demo/bin/extract examples --out demo-dataset --format parquet,csv,xlsx --summary
	.venv-demo/bin/extract review demo-dataset
	@echo "dataset written to demo-dataset/ (open demo-dataset/summary.html and demo-dataset/review.html)"

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
