# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
VENV   ?= .venv
PYTHON ?= python3
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.installed

# nbgrader runs `alembic` from PATH when it creates a gradebook.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
# Kernels started by nbgrader, nbval and the grader find `autograder` here.
export PYTHONPATH := $(CURDIR)$(if $(PYTHONPATH),:$(PYTHONPATH))
# The CIFAR-10 subset beside the repository, when there is one (CI has it);
# otherwise course.data downloads the official archive into the user's cache.
SHARED_CIFAR := $(wildcard $(CURDIR)/../shared/data/cifar-10-subset)
ifneq ($(SHARED_CIFAR),)
export CIFAR10_DIR ?= $(SHARED_CIFAR)
endif
export MPLBACKEND ?= Agg
# One BLAS thread per process: tests and graders run one process per core, and
# these small matrices lose more to thread contention than they gain.
export OMP_NUM_THREADS ?= 1
# pytest workers; nbval needs every cell of a notebook on one worker (loadscope).
TEST_WORKERS ?= 2

.PHONY: env demo test lint lab release bench clean
env: $(STAMP)

$(STAMP): requirements.txt constraints.txt pyproject.toml .ci/system-packages.sh
	bash .ci/system-packages.sh
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -e .
	touch $(STAMP)

demo: env
	$(PY) -m autograder demo

test: env
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadscope $(PYTEST_ARGS)

lint: env
	$(VENV)/bin/ruff check .

lab: env
	$(VENV)/bin/jupyter lab

release: env
	$(PY) -m autograder release

# Benchmarks compare side by side in one run; they are not tests.
bench: env
	$(PY) benchmarks/bench_grading.py
	$(PY) benchmarks/bench_solver.py

clean:
	rm -rf build .pytest_cache
