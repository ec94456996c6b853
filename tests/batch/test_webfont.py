"""The charts' font embedded in the HTML reports (qualitylib.batch.webfont)."""
import base64
import re
from io import BytesIO

from fontTools.ttLib import TTFont

from qualitylib.batch import webfont


def test_the_font_keeps_the_letters_and_signs_of_the_reports_and_nothing_else():
    font = TTFont(BytesIO(webfont.chart_font_woff()))
    assert webfont.chart_font_woff()[:4] == b"wOFF"
    assert font["name"].getDebugName(1) == "DejaVu Sans"
    cmap = set(font.getBestCmap())
    for sign in "АЯаяЁё0123456789%,.−–→№«»≥":
        assert ord(sign) in cmap, sign
    assert ord("ア") not in cmap and ord("Ω") not in cmap  # outside CHARACTERS
    assert cmap <= {ord(c) for c in webfont.CHARACTERS}
    # the licence travels with the font (the Bitstream Vera licence asks for it)
    assert "Bitstream" in (font["name"].getDebugName(0) or "")


def test_the_font_is_the_same_bytes_every_time_and_small():
    first = webfont.chart_font_woff()  # cut in a child process
    webfont.chart_font_woff.cache_clear()
    again = webfont.chart_font_woff()
    assert first == again == webfont.build_woff() and 10_000 < len(first) < 60_000


def test_without_a_child_process_the_font_is_cut_here(monkeypatch, tmp_path):
    monkeypatch.setattr(webfont.sys, "executable", str(tmp_path / "no-python"))
    webfont.chart_font_woff.cache_clear()
    try:
        assert webfont.chart_font_woff() == webfont.build_woff()
    finally:
        webfont.chart_font_woff.cache_clear()


def test_the_css_names_the_embedded_font_for_the_texts_of_the_charts_only():
    css = webfont.chart_font_css()
    data = re.search(r"url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)", css).group(1)
    assert base64.b64decode(data) == webfont.chart_font_woff()
    assert css.count(f'@font-face{{font-family:"{webfont.CHART_FONT}"') == 1 and css.count("@font-face") == 1
    assert f'.jp-RenderedSVG svg text{{font-family:"{webfont.CHART_FONT}"' in css
