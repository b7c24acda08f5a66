"""The parts of the project's HTML pages: images that open offline, escaped tables."""

from __future__ import annotations

import base64
import re

import matplotlib.pyplot as plt
import pandas as pd

from image_classification.core.html_page import figure_image, html_table, png_image


def test_a_png_is_embedded_byte_for_byte_with_escaped_alt_text():
    png = b"\x89PNG\r\n\x1a\nbytes"
    tag = str(png_image(png, 'a "quoted" <alt>'))
    (encoded,) = re.findall(r'src="data:image/png;base64,([^"]+)"', tag)
    assert base64.b64decode(encoded) == png
    assert "<alt>" not in tag


def test_a_figure_becomes_a_png_image():
    figure = plt.figure(figsize=(1, 1))
    (encoded,) = re.findall(r"base64,([^\"]+)", str(figure_image(figure, "x")))
    assert base64.b64decode(encoded).startswith(b"\x89PNG")
    plt.close(figure)


def test_table_cells_are_escaped_and_floats_rounded():
    table = str(html_table(pd.DataFrame({"class": ["<b>"], "recall": [0.123456]})))
    assert "&lt;b&gt;" in table and "<b>" not in table
    assert "0.123" in table and "0.1234" not in table
