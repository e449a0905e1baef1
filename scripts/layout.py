"""Print the package layout, one line per module from its docstring (README "Layout").

`python scripts/layout.py` prints it; `python scripts/layout.py --write` replaces the
block between the layout markers in README.md. A test keeps the two in step.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "matching", "profiles")
START, END = "<!-- layout:start -->", "<!-- layout:end -->"


def summary(path: Path) -> str:
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    first = doc.strip().split("\n\n")[0].replace("\n", " ")
    return first.split(". ")[0].rstrip(".")


def layout() -> str:
    lines = ["```"]
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT)
            if "migrations" in rel.parts or path.name == "__main__.py":
                continue
            if path.name == "__init__.py" and not summary(path):
                continue
            name = str(rel.parent) + "/" if path.name == "__init__.py" else str(rel)
            lines.append(f"{name:<34} {summary(path)}")
    lines.append("```")
    return "\n".join(lines)


def readme_block(readme: str) -> str:
    return readme.split(START, 1)[1].split(END, 1)[0].strip()


def main() -> None:
    text = layout()
    if "--write" in sys.argv:
        readme = (ROOT / "README.md").read_text(encoding="utf-8")
        head, rest = readme.split(START, 1)
        tail = rest.split(END, 1)[1]
        (ROOT / "README.md").write_text(f"{head}{START}\n{text}\n{END}{tail}", encoding="utf-8")
    else:
        print(text)


if __name__ == "__main__":
    main()
