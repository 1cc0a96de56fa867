"""Tests of servicing.pdf.fonts: which text Helvetica can set, and the markup that switches the
runs it cannot to the CJK font."""

from servicing.pdf.fonts import CJK_FONT, has_non_latin, mixed_markup


def test_has_non_latin() -> None:
    assert not has_non_latin("O'Neil & Co. £5 é")
    assert has_non_latin("O'Neil 陈")


def test_mixed_markup_sets_each_chinese_run_in_the_cjk_font_and_escapes_the_rest() -> None:
    assert mixed_markup("Dear 陈明, <b>5 & 6</b> 元") == (
        f'Dear <font face="{CJK_FONT}">陈明</font>, &lt;b&gt;5 &amp; 6&lt;/b&gt; <font face="{CJK_FONT}">元</font>'
    )
    assert mixed_markup("") == ""
