# framelens — the README's two commands are `make demo` and `make test`.
DB ?= data/framelens.db
PORT ?= 8501
export HF_HUB_OFFLINE=1
export TRANSFORMERS_OFFLINE=1

.PHONY: setup demo test test-fast bench clean-demo

setup:
	bash scripts/setup.sh

# Set up, build the synthetic demo story if needed, and open the dashboard on 127.0.0.1.
demo: setup
	.venv/bin/python -m framelens.demo --if-missing $(DB)
	.venv/bin/streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT) -- --db $(DB)

# Set up and run the whole test suite.
test: setup
	.venv/bin/python -m pytest

test-fast: setup
	.venv/bin/python -m pytest -m "not slow and not browser"

bench: setup
	.venv/bin/python benchmarks/run_all.py

clean-demo:
	rm -f data/framelens.db data/framelens.db-wal data/framelens.db-shm
