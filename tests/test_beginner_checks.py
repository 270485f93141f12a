"""How every visible check talks to a beginner (course.checks.common.visible_check)."""
from __future__ import annotations

import importlib
import inspect
import pkgutil

import nbformat
import pytest
from nbclient import NotebookClient

import course.checks
from course.checks import add_mul_layers, chain_rule
from course.checks.common import NotWrittenYet, visible_check


def central(f, x, h=1e-5):
    return (f(x + h) - f(x - h)) / (2 * h)


def one_sided(f, x, h=1e-5):
    return (f(x + h) - f(x)) / h


def stub(f, x, h=1e-5):
    # YOUR CODE HERE
    raise NotImplementedError()


def test_every_visible_check_of_every_notebook_wears_the_wrapper():
    checks = []
    for info in pkgutil.iter_modules(course.checks.__path__):
        module = importlib.import_module(f"course.checks.{info.name}")
        checks += [(module.__name__, name, fn) for name, fn in vars(module).items()
                   if name.startswith("check_") and inspect.isfunction(fn) and fn.__module__ == module.__name__]
    assert len(checks) >= 30
    assert [(m, name) for m, name, fn in checks if not getattr(fn, "visible_check", False)] == []


def test_a_passing_check_prints_one_line(capsys):
    chain_rule.check_numerical_derivative(central)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and lines[0].startswith("✓ numerical_derivative passed")


def test_a_stub_is_not_written_yet_naming_the_function():
    with pytest.raises(NotWrittenYet) as info:
        chain_rule.check_numerical_derivative(stub)
    assert str(info.value) == ("`stub` is not written yet: replace `raise NotImplementedError()` in its cell")
    assert info.value.__suppress_context__


def test_a_stub_method_is_named_with_its_class():
    class MulLayer:
        def forward(self, x, y):
            raise NotImplementedError()

    with pytest.raises(NotWrittenYet, match=r"^`MulLayer.forward` is not written yet"):
        add_mul_layers.check_MulLayer_forward(MulLayer)


def _frames(tb):
    while tb is not None:
        yield tb.tb_frame.f_code
        tb = tb.tb_next


def test_a_failure_keeps_its_hint_and_the_students_frames_but_not_the_checks():
    with pytest.raises(AssertionError) as info:
        chain_rule.check_numerical_derivative(one_sided)
    assert "one-sided difference" in str(info.value)  # the mistake's hint is still shown
    files = [code.co_filename for code in _frames(info.value.__traceback__)]
    assert not any("gradcheck" in f or "chain_rule.py" in f for f in files), files

    def broken(f, x, h=1e-5):
        return f(x + h) - undefined_name  # noqa: F821 - the student's own bug

    with pytest.raises(NameError) as info:
        chain_rule.check_numerical_derivative(broken)
    names = [code.co_name for code in _frames(info.value.__traceback__)]
    assert "broken" in names and "check_numerical_derivative" not in names


def test_a_check_calling_another_reports_once(capsys):
    @visible_check
    def check_inner(fn):
        """Inner."""
        fn()

    @visible_check
    def check_outer(fn):
        """Outer."""
        check_inner(fn)

    check_outer(lambda: None)
    assert capsys.readouterr().out == "✓ outer passed: Outer.\n"
    with pytest.raises(NotWrittenYet, match="^`stub_fn` is not written yet"):
        def stub_fn():
            raise NotImplementedError()
        check_outer(stub_fn)
    assert capsys.readouterr().out == ""


def test_in_a_notebook_the_traceback_shows_the_message_not_the_checks_source(tmp_path):
    v4 = nbformat.v4
    nb = v4.new_notebook(cells=[
        v4.new_code_cell("from course.checks import chain_rule as checks"),
        v4.new_code_cell("def numerical_derivative(f, x, h=1e-5):\n    raise NotImplementedError()"),
        v4.new_code_cell("checks.check_numerical_derivative(numerical_derivative)"),
        v4.new_code_cell("def numerical_derivative(f, x, h=1e-5):\n    return (f(x + h) - f(x)) / h"),
        v4.new_code_cell("checks.check_numerical_derivative(numerical_derivative)"),
        v4.new_code_cell("def numerical_derivative(f, x, h=1e-5):\n    return (f(x + h) - f(x - h)) / (2 * h)"),
        v4.new_code_cell("checks.check_numerical_derivative(numerical_derivative)"),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    client = NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    stub_error, wrong_error, passed = (nb.cells[i].outputs for i in (2, 4, 6))
    stub_text = "\n".join(stub_error[0]["traceback"])
    assert stub_error[0]["ename"] == "NotWrittenYet"
    assert "`numerical_derivative` is not written yet" in stub_text
    wrong_text = "\n".join(wrong_error[0]["traceback"])
    assert "one-sided difference" in wrong_text
    for text in (stub_text, wrong_text):
        # none of the check's own source: no line of chain_rule.py or gradcheck.py
        assert not any(name in text for name in ("chain_rule.py", "gradcheck.py", "common.py", "_explain(")), text
    assert wrong_error[0]["ename"] == "CheckFailed"
    assert [o["text"].strip() for o in passed if o.get("name") == "stdout"][0].startswith(
        "✓ numerical_derivative passed")
