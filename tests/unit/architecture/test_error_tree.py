"""The error tree stays honest: every error class is raised somewhere (or is the base of one that is),
and runtime checks are real errors, never ``assert`` (``python -O`` strips those)."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import mailbot.errors as errors

PACKAGE = Path(errors.__file__).parent


def _sources() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text(encoding="utf-8"))) for path in sorted(PACKAGE.rglob("*.py"))]


def _constructed_names(trees: list[tuple[Path, ast.Module]]) -> set[str]:
    names = set()
    for path, tree in trees:
        if path.name == "errors.py" and path.parent == PACKAGE:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                names.add(func.id if isinstance(func, ast.Name) else getattr(func, "attr", ""))
    return names


def test_every_error_class_is_raised_or_is_the_base_of_one_that_is() -> None:
    classes = [
        cls for _name, cls in inspect.getmembers(errors, inspect.isclass) if issubclass(cls, Exception)
    ]
    classes = [cls for cls in classes if cls.__module__ == errors.__name__]
    constructed = _constructed_names(_sources())
    raised = {cls for cls in classes if cls.__name__ in constructed}
    unused = [
        cls.__name__
        for cls in classes
        if cls not in raised and not any(issubclass(other, cls) for other in raised if other is not cls)
    ]
    assert unused == []


def test_every_error_class_is_drawn_in_the_tree() -> None:
    doc = errors.__doc__ or ""
    classes = [
        name for name, cls in inspect.getmembers(errors, inspect.isclass) if cls.__module__ == errors.__name__
    ]
    assert [name for name in classes if name not in doc] == []


def test_no_assert_for_runtime_checks_in_the_package() -> None:
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
        for path, tree in _sources()
        for node in ast.walk(tree)
        if isinstance(node, ast.Assert)
    ]
    assert found == []
