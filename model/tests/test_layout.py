"""The folder tree shows what is a command and what is library: commands (model/*.py) import only library
packages, never one another, and the library never imports a command."""
from __future__ import annotations

import ast
from pathlib import Path

MODEL = Path(__file__).resolve().parents[1]
COMMANDS = {p.stem for p in MODEL.glob("*.py") if p.stem != "__init__"}
PACKAGES = {"diffusion", "networks", "training", "evaluation", "onnx_export", "golden_cases"}


def imported_model_modules(path: Path) -> set[str]:
    """The first name below `model` of every module that `path` imports from this package."""
    package = path.relative_to(MODEL.parent).parent.parts  # ("model",) or ("model", "training")
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = list(package[:len(package) - node.level + 1]) if node.level else []
            parts = base + (node.module.split(".") if node.module else [])
            targets = [parts + [alias.name] for alias in node.names] if parts == ["model"] else [parts]
        elif isinstance(node, ast.Import):
            targets = [alias.name.split(".") for alias in node.names]
        else:
            continue
        names |= {t[1] for t in targets if len(t) > 1 and t[0] == "model"}
    return names


def test_commands_import_only_library_packages():
    for name in COMMANDS:
        imported = imported_model_modules(MODEL / f"{name}.py")
        assert imported <= PACKAGES, f"model/{name}.py imports {sorted(imported - PACKAGES)}"


def test_the_library_imports_no_command():
    for package in PACKAGES:
        for path in (MODEL / package).glob("*.py"):
            imported = imported_model_modules(path)
            assert not imported & COMMANDS, f"{path.relative_to(MODEL.parent)} imports {sorted(imported & COMMANDS)}"
