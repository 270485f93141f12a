"""The sample class generator: deterministic, and each persona breaks what it says."""
from __future__ import annotations

import json

import nbformat
import pytest

import tiny_assignment as tiny
from autograder import sample_class
from autograder.course_dir import create_scratch
from autograder.mistake import Mistake
from autograder.release import release


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory):
    src = tiny.write_source(tmp_path_factory.mktemp("src"))  # one source: cell ids are random per write
    courses = []
    for name in ("a", "b"):
        root = tmp_path_factory.mktemp(name)
        course = create_scratch(root / "course", [tiny.ASSIGNMENT], source_root=src)
        release(course)
        sample_class.build(course, mistakes={tiny.ASSIGNMENT: tiny.MISTAKES})
        courses.append(course)
    return courses


def files(course):
    base = course.path("submitted")
    return {str(p.relative_to(base)): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}


def notebook(course, student):
    return nbformat.read(course.path("submitted", student, tiny.ASSIGNMENT, f"{tiny.ASSIGNMENT}.ipynb"), as_version=4)


def cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def test_twelve_students_built_byte_for_byte_the_same_twice(two_builds):
    a, b = two_builds
    assert files(a) == files(b)
    assert sorted(p.name for p in a.path("submitted").iterdir()) == [p.student for p in sample_class.PERSONAS]
    assert len(sample_class.PERSONAS) == 12


def test_perfect_student_has_the_solutions_without_markers(two_builds):
    nb = notebook(two_builds[0], "s01_perfect")
    assert "return 2 * x" in cell(nb, "double").source and "return x * x" in cell(nb, "square").source
    assert "SOLUTION" not in nbformat.writes(nb)
    assert "HIDDEN" not in nbformat.writes(nb)  # built from the release copy


def test_mistakes_student_holds_the_mistake_source(two_builds):
    nb = notebook(two_builds[0], "s02_mistakes")
    assert cell(nb, "square").source == tiny.MISTAKES[0].source
    assert "return 2 * x" in cell(nb, "double").source


def test_broken_students_are_broken_as_described(two_builds):
    course = two_builds[0]
    released = nbformat.read(course.path("release", tiny.ASSIGNMENT, f"{tiny.ASSIGNMENT}.ipynb"), as_version=4)
    assert notebook(course, "s03_untouched") == released
    # The broken students damage the last graded function: square.
    assert "print('done'" in cell(notebook(course, "s04_syntax_error"), "square").source
    assert "test_square" not in [c.metadata.get("nbgrader", {}).get("grade_id")
                                 for c in notebook(course, "s05_deleted_test").cells]
    edited = notebook(course, "s06_edited_test")
    assert cell(edited, "test_square").source.endswith("pass\n")
    assert "NotImplementedError" in cell(edited, "square").source
    assert cell(notebook(course, "s07_infinite_loop"), "square").source.startswith("while True:")
    assert "2_000_000" in cell(notebook(course, "s08_prints_megabytes"), "square").source
    assert "os._exit(1)" in cell(notebook(course, "s09_kernel_dies"), "square").source
    assert "while True" in cell(notebook(course, "s10_memory_hog"), "square").source
    for student in ("s04_syntax_error", "s07_infinite_loop", "s09_kernel_dies"):
        assert cell(notebook(course, student), "double").source == cell(notebook(course, "s01_perfect"),
                                                                        "double").source
    with pytest.raises(json.JSONDecodeError):
        json.loads(course.path("submitted", "s11_invalid_json", tiny.ASSIGNMENT, f"{tiny.ASSIGNMENT}.ipynb")
                   .read_text())
    assert [p.name for p in course.path("submitted", "s12_renamed", tiny.ASSIGNMENT).iterdir()] == [
        f"{tiny.ASSIGNMENT}-Copy1.ipynb"]


def test_extra_files_beside_the_notebook_are_handed_in(tmp_path):
    src = tiny.write_source(tmp_path / "src")
    (src / "source" / tiny.ASSIGNMENT / "model.npz").write_bytes(b"weights")
    course = create_scratch(tmp_path / "course", [tiny.ASSIGNMENT], source_root=src)
    release(course)
    sample_class.build(course, personas=["s01_perfect", "s03_untouched"])
    assert course.path("submitted", "s01_perfect", tiny.ASSIGNMENT, "model.npz").read_bytes() == b"weights"
    assert not course.path("submitted", "s03_untouched", tiny.ASSIGNMENT, "model.npz").exists()


def test_named_students_follow_their_persona_with_its_extra_files(tmp_path):
    """What the benchmark builds: several students per persona, extra files included."""
    src = tiny.write_source(tmp_path / "src")
    (src / "source" / tiny.ASSIGNMENT / "model.npz").write_bytes(b"weights")
    course = create_scratch(tmp_path / "course", [tiny.ASSIGNMENT], source_root=src)
    release(course)
    named = {"b01_s01_perfect": "s01_perfect", "b02_s03_untouched": "s03_untouched", "b03_s01_perfect": "s01_perfect"}
    assert sample_class.build(course, students=named) == list(named)
    assert course.students() == sorted(named)
    for student in ("b01_s01_perfect", "b03_s01_perfect"):
        folder = course.path("submitted", student, tiny.ASSIGNMENT)
        assert (folder / "model.npz").read_bytes() == b"weights"
        release_nb = sample_class.read_release(course, tiny.ASSIGNMENT)
        expected = sample_class.submission("s01_perfect", tiny.ASSIGNMENT, sample_class.read_source(
            course, tiny.ASSIGNMENT), release_nb)
        assert (folder / f"{tiny.ASSIGNMENT}.ipynb").read_text() == expected[f"{tiny.ASSIGNMENT}.ipynb"]
    assert not course.path("submitted", "b02_s03_untouched", tiny.ASSIGNMENT, "model.npz").exists()


def _nb(*grade_ids_solution_or_test):
    cells = []
    for kind, grade_id in grade_ids_solution_or_test:
        meta = {"solution": True} if kind == "sol" else {"grade": True, "points": 1}
        cells.append(nbformat.v4.new_code_cell("", metadata={"nbgrader": {"grade_id": grade_id, **meta}}))
    return nbformat.v4.new_notebook(cells=cells)


def test_tests_of_picks_the_longest_function_name():
    nb = _nb(("sol", "sgd"), ("test", "test_sgd"), ("sol", "sgd_momentum"), ("test", "test_sgd_momentum"),
             ("test", "test_sgd_momentum_velocity"), ("test", "test_sgd_update"))
    assert sample_class.tests_of("sgd", nb) == ["test_sgd", "test_sgd_update"]
    assert sample_class.tests_of("sgd_momentum", nb) == ["test_sgd_momentum", "test_sgd_momentum_velocity"]


def test_chosen_mistakes_skip_ungraded_functions_and_repeats():
    nb = _nb(("sol", "f"), ("test", "test_f"), ("sol", "g"), ("test", "test_g"), ("sol", "h"))
    listed = [Mistake("missing", "a", "", ""), Mistake("f", "b", "", ""), Mistake("f", "c", "", ""),
              Mistake("h", "d", "", ""), Mistake("g", "e", "", "")]
    assert [m.name for m in sample_class.chosen_mistakes("x", nb, listed)] == ["b", "e"]
