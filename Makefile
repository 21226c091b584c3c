# Shortcuts for dev.py, which needs only Python 3.11+.
PYTHON ?= python3

.PHONY: demo test bench gpu-check clean

demo:
	$(PYTHON) dev.py demo

test:
	$(PYTHON) dev.py test

bench:
	$(PYTHON) dev.py setup
	.venv/bin/pip install -q -e ".[bench]"
	.venv/bin/python -m benchmarks --backend numpy --out benchmarks/results

gpu-check:
	bash benchmarks/gpu_check.sh $${OUT:-gpu-results}

clean:
	rm -rf .venv build *.egg-info
