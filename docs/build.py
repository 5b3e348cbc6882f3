"""Builds the documentation into docs/_build (not committed): one command, run by .ci/run.

    python docs/build.py            # needs the docs extra: pip install ".[docs]"

- the guides (docs/getting-started.md, docs/guides/*.md, docs/keras-compat.md) become HTML pages
  (markdown2, which pdoc brings) under docs/_build, linked from docs/_build/index.html;
- the API reference is generated from the docstrings by pdoc: docs/_build/api/nerve.html and a
  page per public module (nerve._core included, with its pybind11 signatures).

nerve must be importable (pip-installed, or PYTHONPATH=python after a build). Any warning while
pdoc imports or renders a module (a submodule that fails to import, a broken docstring
reference) fails the build, so a broken page never ships silently.
"""

import html
import re
import shutil
import sys
import warnings
from pathlib import Path

import markdown2
import pdoc
import pdoc.render

DOCS = Path(__file__).resolve().parent
OUT = DOCS / "_build"
GUIDES = [DOCS / "getting-started.md", *sorted((DOCS / "guides").glob("*.md"))]
PAGES = [*GUIDES, DOCS / "keras-compat.md"]
# nerve.onnx and nerve.viz import without their extras (they raise on use), so they are documented
# whether or not onnx / matplotlib are installed.
API_MODULES = ["nerve", "nerve.onnx", "nerve.viz"]
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} - nerve</title>
<style>body{{max-width:52rem;margin:2rem auto;padding:0 1rem;font:16px/1.5 system-ui,sans-serif}}
pre{{background:#f5f5f5;padding:.8rem;overflow-x:auto}}code{{font-size:90%}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.2rem .5rem}}</style>
</head><body><p><a href="{root}index.html">nerve documentation</a></p>
{body}</body></html>
"""


def title_of(markdown: str, fallback: str) -> str:
    first = re.search(r"^# (.+)$", markdown, re.M)
    return first.group(1).strip("`") if first else fallback


def render_page(source: Path) -> str:
    """One markdown file as an HTML page, its links to other .md pages pointing at their .html."""
    text = source.read_text()
    body = markdown2.markdown(text, extras=["fenced-code-blocks", "tables", "header-ids"])
    body = re.sub(r'href="([^":]+)\.md(#[^"]*)?"', r'href="\1.html\2"', body)
    root = "../" * len(source.relative_to(DOCS).parts[:-1])
    return PAGE.format(title=html.escape(title_of(text, source.stem)), body=body, root=root)


def build_guides() -> list:
    written = []
    for source in PAGES:
        target = OUT / source.relative_to(DOCS).with_suffix(".html")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render_page(source))
        written.append((source, target))
    images = DOCS / "images"
    if images.is_dir():
        shutil.copytree(images, OUT / "images", dirs_exist_ok=True)
    return written


def build_index(pages: list) -> None:
    links = [(t.relative_to(OUT).as_posix(), title_of(s.read_text(), s.stem)) for s, t in pages]
    items = "\n".join(
        f'<li><a href="{href}">{html.escape(title)}</a></li>' for href, title in links
    )
    body = (
        "<h1>nerve</h1><p>A deep-learning library with a C++ engine and a Keras face.</p>"
        f"<h2>Guides</h2><ul>{items}</ul>"
        "<h2>API reference</h2><p>Generated from the docstrings.</p><ul>"
        + "".join(f'<li><a href="api/{m.replace(".", "/")}.html">{m}</a></li>' for m in API_MODULES)
        + "</ul>"
    )
    (OUT / "index.html").write_text(PAGE.format(title="nerve", body=body, root=""))


def build_api() -> None:
    pdoc.render.configure(docformat="markdown", show_source=False, footer_text="nerve")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a module pdoc cannot import or render fails the build
        # nerve's __all__ brings its core modules; the optional-extra ones are named here.
        pdoc.pdoc(*API_MODULES, output_directory=OUT / "api")


def main() -> int:
    import nerve

    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    pages = build_guides()
    build_index(pages)
    build_api()
    n_api = len(list((OUT / "api").rglob("*.html")))
    print(
        f"docs: {len(pages)} guide pages and {n_api} API pages (nerve {nerve.__version__}) in {OUT}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
