"""course.previous: reusing a student's functions from an earlier notebook.

The notebooks here are tiny nbgrader-style notebooks written to a tmp course
folder; the autograde path uses a stub reference module, so these tests do
not depend on autograder.assignments.
"""
from __future__ import annotations

import sys
import types

import nbformat
import pytest

from course import previous


def _solution(source: str, grade_id: str):
    return nbformat.v4.new_code_cell(source, metadata={"nbgrader": {
        "grade": False, "solution": True, "locked": False, "grade_id": grade_id, "schema_version": 3}})


def _grade(source: str, grade_id: str):
    return nbformat.v4.new_code_cell(source, metadata={"nbgrader": {
        "grade": True, "solution": False, "locked": True, "points": 1, "grade_id": grade_id,
        "schema_version": 3}})


def _write(course_dir, assignment: str, cells) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    folder = course_dir / assignment
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{assignment}.ipynb")


@pytest.fixture(autouse=True)
def not_grading(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)


@pytest.fixture
def course(tmp_path):
    """03 defines layers (one via a helper cell); 04 reuses them in a class."""
    _write(tmp_path, "03_affine_relu", [
        nbformat.v4.new_markdown_cell("# Layers"),
        nbformat.v4.new_code_cell("%matplotlib inline\nimport numpy as np\nraise RuntimeError('demo cell ran')"),
        _solution("def _double(x):\n    return 2 * x", "_double"),
        _solution("def affine_forward(x, w, b):\n"
                  "    ### BEGIN SOLUTION\n    out = x * w + b\n    ### END SOLUTION\n"
                  "    return out, (x, w, b)", "affine_forward"),
        _grade("assert False, 'grade cells must not run'", "test_affine_forward"),
        _solution("def relu_forward(x):\n    return np.maximum(0, x), x", "relu_forward"),
        _solution("def scaled(x):\n    return _double(x)", "scaled"),
    ])
    _write(tmp_path, "04_softmax_loss", [
        nbformat.v4.new_code_cell("from course import previous\n"
                                  "affine_forward, relu_forward = previous.load("
                                  "'03_affine_relu', ['affine_forward', 'relu_forward'])\n"
                                  "print(affine_forward(1, 2, 3))"),
        _solution("class TwoLayerNet:\n"
                  "    def scores(self, x):\n"
                  "        return relu_forward(affine_forward(x, 1.0, -1.0)[0])[0]", "TwoLayerNet"),
    ])
    return tmp_path


def test_loads_a_single_function_as_an_object(course):
    affine_forward = previous.load("03_affine_relu", "affine_forward", course_dir=course)
    out, cache = affine_forward(2.0, 3.0, 1.0)
    assert out == 7.0 and cache == (2.0, 3.0, 1.0)


def test_loads_several_names_in_the_order_asked(course):
    relu_forward, affine_forward = previous.load("03_affine_relu", ["relu_forward", "affine_forward"],
                                                 course_dir=course)
    assert relu_forward.__name__ == "relu_forward" and affine_forward.__name__ == "affine_forward"
    assert float(relu_forward(-3.0)[0]) == 0.0  # np is available to solution cells


def test_helpers_from_earlier_solution_cells_are_available(course):
    scaled = previous.load("03_affine_relu", "scaled", course_dir=course)
    assert scaled(4) == 8


def test_default_course_dir_is_the_parent_of_the_working_directory(course, monkeypatch):
    monkeypatch.chdir(course / "04_softmax_loss")
    assert previous.load("03_affine_relu", "affine_forward")(1.0, 1.0, 1.0)[0] == 2.0


def test_a_class_using_names_its_notebook_loaded_from_an_earlier_one(course, monkeypatch):
    # 04's TwoLayerNet calls the 03 layers that 04 itself loaded with previous.load;
    # the nested load must look in the same course folder, not the working directory.
    monkeypatch.chdir("/")
    TwoLayerNet = previous.load("04_softmax_loss", "TwoLayerNet", course_dir=course)
    assert TwoLayerNet().scores(3.0) == 2.0 and TwoLayerNet().scores(0.5) == 0.0
    assert previous._loading == []  # the nesting bookkeeping is undone


def test_cells_after_the_last_wanted_name_do_not_run(tmp_path):
    _write(tmp_path, "03_affine_relu", [
        _solution("def f():\n    return 1", "f"),
        _solution("raise RuntimeError('ran too far')", "later"),
    ])
    assert previous.load("03_affine_relu", "f", course_dir=tmp_path)() == 1
    with pytest.raises(RuntimeError, match="ran too far"):
        previous.load("03_affine_relu", ["f", "g"], course_dir=tmp_path)


def test_a_stub_is_named_with_its_notebook_the_moment_it_loads(tmp_path, capsys):
    stub = "    # YOUR CODE HERE\n    raise NotImplementedError()"
    _write(tmp_path, "03_affine_relu", [
        _solution(f"def affine_forward(x, w, b):\n{stub}", "affine_forward"),
        _solution("def relu_forward(x):\n    return x", "relu_forward"),
        _solution(f"class Net:\n    def loss(self, x):\n{stub.replace('    ', '        ')}\n"
                  "    def size(self):\n        return 1", "Net"),
    ])
    previous.load("03_affine_relu", ["affine_forward", "relu_forward", "Net"], course_dir=tmp_path)
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "affine_forward from 03_affine_relu/03_affine_relu.ipynb is not written yet: replace "
        "`raise NotImplementedError()` in its cell of that notebook and save it.",
        "Net.loss from 03_affine_relu/03_affine_relu.ipynb is not written yet: replace "
        "`raise NotImplementedError()` in its cell of that notebook and save it."]


def test_written_functions_load_silently(course, capsys):
    previous.load("03_affine_relu", ["affine_forward", "relu_forward"], course_dir=course)
    assert capsys.readouterr().out == ""


def test_missing_name_is_a_clear_name_error(course):
    with pytest.raises(NameError, match="03_affine_relu.ipynb defines no affine_backward"):
        previous.load("03_affine_relu", ["affine_forward", "affine_backward"], course_dir=course)


def test_missing_notebook_is_a_clear_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        previous.load("05_batchnorm", "batchnorm_forward", course_dir=tmp_path)
    message = str(info.value)
    assert "05_batchnorm.ipynb" in message and "side by side" in message


def test_unparsable_solution_cell_is_reported(tmp_path):
    _write(tmp_path, "03_affine_relu", [_solution("def affine_forward(x, w, b)\n    return x", "affine_forward")])
    with pytest.raises(SyntaxError, match="does not parse"):
        previous.load("03_affine_relu", "affine_forward", course_dir=tmp_path)


def test_a_notebook_loading_itself_is_refused(tmp_path):
    _write(tmp_path, "03_affine_relu", [
        nbformat.v4.new_code_cell("from course import previous\n"
                                  "f = previous.load('03_affine_relu', 'f')"),
        _solution("def f():\n    return 1", "f"),
    ])
    with pytest.raises(RuntimeError, match="loads itself"):
        previous.load("03_affine_relu", "f", course_dir=tmp_path)
    assert previous._loading == []


@pytest.fixture
def stub_reference(tmp_path, monkeypatch):
    module = types.ModuleType("stub_reference_for_tests")
    module.affine_forward = lambda x, w, b: ("reference", x)
    module.TwoLayerNet = type("TwoLayerNet", (), {})
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setattr(previous, "reference_module", lambda assignment: module)
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    return module


def test_autograde_returns_the_reference_objects(stub_reference, tmp_path):
    # No notebook exists in tmp_path: under autograde none is read.
    affine_forward, TwoLayerNet = previous.load("03_affine_relu", ["affine_forward", "TwoLayerNet"],
                                                course_dir=tmp_path)
    assert affine_forward is stub_reference.affine_forward
    assert TwoLayerNet is stub_reference.TwoLayerNet


def test_autograde_missing_reference_name_is_a_name_error(stub_reference, tmp_path):
    with pytest.raises(NameError, match="relu_backward"):
        previous.load("03_affine_relu", "relu_backward", course_dir=tmp_path)


def test_validate_mode_still_reads_the_students_notebook(course, monkeypatch, stub_reference):
    # nbgrader's validate sets NBGRADER_EXECUTION=validate: the student's own code runs.
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    affine_forward = previous.load("03_affine_relu", "affine_forward", course_dir=course)
    assert affine_forward is not stub_reference.affine_forward
    assert affine_forward(1.0, 2.0, 0.0)[0] == 2.0
