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

# Extra arguments for JupyterLab, e.g. make lab LAB_ARGS="--port 8899 --no-browser".
LAB_ARGS ?=
# Root (containers, CI) may run Jupyter only when it says so.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: env browser-env demo test test-browser lint lab lab-instructor release bundle bench clean
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

# The student's Lab: work/ (a copy of release/ outside git), student extensions only.
lab: env
	$(PY) -m course.lab $(LAB_ARGS)

# The instructor's Lab at the repository root: Formgrader, Create Assignment, Course List.
lab-instructor: env
	$(VENV)/bin/jupyter lab $(ALLOW_ROOT) $(LAB_ARGS)

# What the real-browser test needs: Playwright (requirements.txt) and Debian's chromium.
browser-env: env
	bash .ci/system-packages.sh chromium

# Only the real-browser tests; screenshots under build/browser/.
test-browser: browser-env
	$(PY) -m pytest -p no:xdist tests/test_browser.py $(PYTEST_ARGS)

release: env
	$(PY) -m autograder release

# The student zip: dist/<course>-student-<version>.zip
bundle: release
	$(PY) -m autograder bundle

# Benchmarks compare side by side in one run; they are not tests.
bench: env
	$(PY) benchmarks/bench_grading.py
	$(PY) benchmarks/bench_solver.py

clean:
	rm -rf build .pytest_cache
