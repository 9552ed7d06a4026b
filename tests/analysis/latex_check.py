"""A structural check of a LaTeX fragment, for machines without TeX: environments balanced and nested,
braces balanced, ``$`` paired on each line, every tabular row with one ``&`` fewer than its columns,
and no unescaped ``%``, ``&``, ``_``, ``#``, ``^``, ``~`` in text."""

from __future__ import annotations

import re

UNESCAPED = r"(?<!\\)"
ENVIRONMENT = re.compile(r"\\(begin|end)\{([^}]*)\}")
TABULAR = re.compile(r"\\begin\{tabular\}\{([lcr]+)\}")
MATH = re.compile(UNESCAPED + r"\$[^$]*" + UNESCAPED + r"\$")


def _code_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if not line.lstrip().startswith("%")]


def problems(text: str) -> list[str]:
    """What is wrong with the fragment (empty when it is well formed)."""
    found, stack, depth = [], [], 0
    lines = _code_lines(text)
    for number, line in enumerate(lines, start=1):
        for kind, name in ENVIRONMENT.findall(line):
            if kind == "begin":
                stack.append(name)
            elif not stack or stack.pop() != name:
                found.append(f"line {number}: \\end{{{name}}} closes nothing open")
        for brace in re.findall(UNESCAPED + r"[{}]", line):
            depth += 1 if brace == "{" else -1
            if depth < 0:
                found.append(f"line {number}: a closing brace closes nothing")
                depth = 0
        if len(re.findall(UNESCAPED + r"\$", line)) % 2:
            found.append(f"line {number}: unpaired $")
        text_only = MATH.sub("", line)
        for special in re.findall(UNESCAPED + r"[%_#^~]", text_only):
            found.append(f"line {number}: unescaped {special!r} in {line[:80]!r}")
    if stack:
        found.append(f"environments left open: {stack}")
    if depth:
        found.append(f"{depth} brace(s) left open")
    found += _row_problems(lines)
    return found


def _row_problems(lines: list[str]) -> list[str]:
    """Each row between \\toprule and \\bottomrule has as many cells as the tabular has columns."""
    found, columns, in_rows = [], None, False
    for line in lines:
        spec = TABULAR.search(line)
        if spec:
            columns = len(spec.group(1))
        if line.strip() in (r"\toprule", r"\midrule"):
            in_rows = True
            continue
        if line.strip() == r"\bottomrule":
            in_rows = False
        elif in_rows and columns is not None:
            cells = len(re.findall(UNESCAPED + "&", line)) + 1
            if cells != columns or not line.rstrip().endswith(r"\\"):
                found.append(f"row with {cells} cells in a {columns}-column tabular: {line[:80]!r}")
    return found
