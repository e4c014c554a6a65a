"""The layout's rules that import-linter cannot state: no import cycle anywhere (imports inside
functions and TYPE_CHECKING blocks counted), few imports inside functions and each with its
reason, and small units (modules up to 600 lines, functions up to 80 unless a comment says why)."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "jobs")
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80
MAX_FUNCTION_IMPORTS = 10
# A function may run longer than MAX_FUNCTION_LINES when the comment right above it (or above
# its decorators) starts with this and says why.
LONG_MARK = "# Long:"


@dataclass(frozen=True)
class Import:
    """One import statement of a project module, resolved to the project module it loads."""

    source: str
    target: str
    line: int
    in_function: bool


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _project_files() -> dict[str, Path]:
    files = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            files[_module_name(path)] = path
    return files


FILES = _project_files()


def _resolve(name: str) -> str | None:
    """The project module `name` loads: itself, or its longest prefix that is a module."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in FILES:
            return candidate
        parts.pop()
    return None


def _targets(node: ast.Import | ast.ImportFrom, module: str, path: Path) -> list[str]:
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = module if path.name == "__init__.py" else module.rpartition(".")[0]
            for _ in range(node.level - 1):
                package = package.rpartition(".")[0]
            base = f"{package}.{base}".strip(".")
        # As grimp reads it: `from bot import fund` imports the module bot.fund, and
        # `from bot.fund import approve` imports bot.fund (approve is a name in it).
        names = [
            f"{base}.{alias.name}" if f"{base}.{alias.name}" in FILES else base
            for alias in node.names
        ]
    found = []
    for name in names:
        target = _resolve(name)
        if target and target not in found:
            found.append(target)
    return found


def _imports() -> list[Import]:
    out = []
    for module, path in FILES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        inside: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                inside.update(id(child) for child in ast.walk(node) if child is not node)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for target in _targets(node, module, path):
                    if target != module:
                        out.append(Import(module, target, node.lineno, id(node) in inside))
    return out


IMPORTS = _imports()


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_rules_see_the_project() -> None:
    assert {"bot.cli", "bot.core.context", "handlers", "jobs.scheduler"} <= set(FILES)
    assert len(IMPORTS) > 200


def test_no_import_cycle_anywhere() -> None:
    edges: dict[str, set[str]] = {}
    for imp in IMPORTS:
        edges.setdefault(imp.source, set()).add(imp.target)
    assert _cycles(edges) == []


def test_the_cycle_finder_finds_a_cycle_hidden_in_a_function() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def _comment_above(lines: list[str], line: int, through_imports: bool = False) -> str:
    """The comment lines right above 1-based `line`, joined; with `through_imports`, above the
    block of imports `line` is in (a reason may cover several imports)."""
    out = []
    index = line - 2
    while through_imports and index >= 0:
        text = lines[index].strip()
        if not (text == "" or text.startswith(("import ", "from "))):
            break
        index -= 1
    while index >= 0 and lines[index].strip().startswith("#"):
        out.insert(0, lines[index].strip())
        index -= 1
    return " ".join(out)


def test_imports_inside_functions_are_few_and_say_why() -> None:
    inside = [imp for imp in IMPORTS if imp.in_function]
    assert len(inside) <= MAX_FUNCTION_IMPORTS, [f"{i.source}:{i.line}" for i in inside]
    for imp in inside:
        lines = FILES[imp.source].read_text(encoding="utf-8").splitlines()
        reason = _comment_above(lines, imp.line, through_imports=True).lower()
        assert "start-up" in reason, f"{imp.source}:{imp.line} imports {imp.target} without why"


def test_no_module_over_600_lines() -> None:
    long = {
        module: count
        for module, path in FILES.items()
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_no_function_over_80_lines_unless_a_comment_says_why() -> None:
    long = []
    for module, path in FILES.items():
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            if length > MAX_FUNCTION_LINES and LONG_MARK not in _comment_above(lines, first):
                long.append(f"{module}.{node.name} ({length} lines)")
    assert long == []
