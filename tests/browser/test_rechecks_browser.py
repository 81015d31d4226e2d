"""The re-check page (/rechecks) in the browser at 390 px, in Chinese and in English: the quarter's draw
with a link to each case, nothing scrolling sideways."""
import pytest

from tests.browser.test_fit import english, no_sideways_scroll
from tests.test_rechecks import make_quarter


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_draw_reads_on_a_phone(app, page_as, bx, lang):
    make_quarter(app, bx)
    assert bx.post("/rechecks/draw", {"quarter": "2026-Q4", "seed": 11}).status_code == 201
    page = page_as("bureau")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/rechecks?quarter=2026-Q4")
    if lang == "en":
        english(page)
        assert "Re-check" in page.locator("main h1").inner_text()
    assert page.locator("#recheck-checks tbody tr a").count() == 5
    assert no_sideways_scroll(page) <= 0
    page.locator("#recheck-checks tbody tr a").first.click()
    assert page.locator("main h1").first.is_visible() and "/cases/" in page.url
