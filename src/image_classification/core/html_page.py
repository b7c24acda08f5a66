"""The parts every HTML report of the project is made of: its style, its figures as
PNG data URIs and its tables, so each page opens offline and on its own."""

from __future__ import annotations

import base64
import io

import pandas as pd
from markupsafe import Markup
from matplotlib.figure import Figure

PAGE_STYLE = Markup("""
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto;
       padding: 0 1em; color: #222; }
h1 { margin-bottom: 0.2em; }
.verdict { font-size: 1.6em; font-weight: bold; padding: 0.4em 0.8em;
           border-radius: 6px; display: inline-block; }
.overfitting, .drift { background: #fde2e1; } .underfitting { background: #fff1cc; }
.good-fit, .ok { background: #dcf5e3; }
.inconclusive, .no-reference { background: #e6e6e6; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
td, th { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th { background: #f3f3f3; } td:first-child, th:first-child { text-align: left; }
img { max-width: 100%; } pre { background: #f6f6f6; padding: 1em; overflow-x: auto; }
""")


def figure_image(figure: Figure, alt: str) -> Markup:
    """``figure`` as an ``<img>`` holding its PNG."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    return png_image(buffer.getvalue(), alt)


def png_image(png: bytes, alt: str) -> Markup:
    """A PNG file's bytes as an ``<img>``."""
    encoded = base64.b64encode(png).decode("ascii")
    return Markup('<img alt="{}" src="data:image/png;base64,{}">').format(alt, encoded)


def html_table(frame: pd.DataFrame) -> Markup:
    """pandas' HTML table (pandas escapes the cells)."""
    return Markup(frame.to_html(index=False, border=0, float_format=lambda x: f"{x:.3f}"))
