"""Reports, charts and the workflow diagram fit where people read them (issue 12, "Reports and charts
that fit"): the 报表 at 1366 px and on A4 landscape paper, the dashboard's chart labels ≥ 11 px as
rendered and inside their charts at 1366 and 390 px, the workflow diagram's labels inside the picture
and clear of the boxes, in Chinese and in English."""
import re

import pytest

# A4 landscape at 96 dpi is 1123 px wide; the report page prints with 10 mm margins (≈ 38 px each side).
A4_LANDSCAPE_CONTENT = 1123 - 2 * 38


def english(page):
    """Switch the page's user to English with the header's language button, as a person would."""
    with page.expect_navigation():
        page.click("header button[name=lang][value=en]")
    assert page.locator("html").get_attribute("lang") == "en"


def no_sideways_scroll(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


TABLES_FIT = """() => [...document.querySelectorAll('table.figures')].map(t => ({
    id: t.id, table: t.scrollWidth, container: t.parentElement.clientWidth,
    right: t.getBoundingClientRect().right, page: document.documentElement.clientWidth}))"""


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("path", ["/reports", "/reports?school=SA"])
def test_report_fits_the_screen_and_a4_landscape(page_as, sa_cases, tmp_path, lang, path):
    page = page_as("bureau")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(path)
    if lang == "en":
        english(page)
    tables = page.evaluate(TABLES_FIT)
    assert [t["id"] for t in tables] == ["report-dropouts", "report-returns", "report-reasons"]
    assert no_sideways_scroll(page) <= 0
    for t in tables:
        assert t["table"] <= t["container"], t  # no part scrolls inside itself on a laptop
    # On paper: A4 landscape, every part within the printable width.
    page.emulate_media(media="print")
    page.set_viewport_size({"width": A4_LANDSCAPE_CONTENT, "height": 794})
    for t in page.evaluate(TABLES_FIT):
        assert t["table"] <= t["container"] and t["right"] <= A4_LANDSCAPE_CONTENT + 1, t
    assert page.locator("header.top").is_hidden() and page.locator("#report-form").is_hidden()
    pdf = page.pdf(format="A4", landscape=True)
    width, height = pdf_page_size(pdf)
    assert abs(width - 841.9) < 2 and abs(height - 595.3) < 2, (width, height)  # points: A4 landscape


def pdf_page_size(pdf: bytes) -> tuple[float, float]:
    import re
    box = re.search(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    assert box, "no MediaBox in the PDF"
    x0, y0, x1, y1 = (float(v) for v in box.groups())
    return x1 - x0, y1 - y0


# Every <text> of every chart: its rendered font size (the computed size × the svg's scale) and its box
# against the svg's box, as the browser lays them out.
CHART_TEXTS = """() => [...document.querySelectorAll('figure svg.chart-svg')].flatMap(svg => {
    const box = svg.getBoundingClientRect(), scale = box.width / svg.viewBox.baseVal.width;
    return [...svg.querySelectorAll('text')].map(t => {
        const r = t.getBoundingClientRect();
        return {chart: svg.parentElement.id, text: t.textContent, px: parseFloat(getComputedStyle(t).fontSize) * scale,
                inside: r.left >= box.left - 0.5 && r.right <= box.right + 0.5 && r.top >= box.top - 0.5
                        && r.bottom <= box.bottom + 0.5};
    });
})"""


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("width", [1366, 390])
def test_chart_labels_are_at_least_11px_and_inside_their_charts(page_as, sa_cases, lang, width):
    page = page_as("bureau")
    page.set_viewport_size({"width": width, "height": 844 if width < 500 else 768})
    page.goto("/dashboard")
    if lang == "en":
        english(page)
    texts = page.evaluate(CHART_TEXTS)
    charts = {t["chart"] for t in texts}
    assert {"chart-states", "chart-trend", "chart-open-by-school", "chart-reasons", "chart-visits"} <= charts
    small = [t for t in texts if t["px"] < 11]
    assert not small, small[:5]
    outside = [t for t in texts if not t["inside"]]
    assert not outside, outside[:5]
    assert not [t for t in texts if "…" in t["text"]]  # nothing shortened
    if lang == "en":
        legend = [t["text"] for t in texts if t["chart"] == "chart-trend"]
        assert "Closed" in legend


DIAGRAM = """() => {
    const svg = document.querySelector('#workflow-diagram svg'), box = svg.getBoundingClientRect();
    const rect = e => e.getBoundingClientRect();
    const states = [...svg.querySelectorAll('g.state > rect')].map(rect);
    const hit = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
    return {
        scale: box.width / svg.viewBox.baseVal.width,
        arrows: svg.querySelectorAll('polyline.edge').length,
        labels: [...svg.querySelectorAll('g.edge-label text')].map(t => ({
            text: t.textContent, covers: states.some(s => hit(rect(t), s)),
            inside: rect(t).left >= box.left && rect(t).right <= box.right && rect(t).top >= box.top
                    && rect(t).bottom <= box.bottom})),
        texts: [...svg.querySelectorAll('text')].map(t => t.textContent),
    };
}"""


@pytest.mark.parametrize("workflow", ["dropout", "school_report"])
def test_workflow_diagram_in_english_is_complete_and_readable(page_as, workflow):
    page = page_as("admin")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"/admin/workflow?workflow={workflow}")
    english(page)
    assert page.locator("#workflow-diagram svg").count() == 1, (page.url, page.inner_text("main")[:500])
    d = page.evaluate(DIAGRAM)
    assert d["scale"] == pytest.approx(1, abs=0.01)  # drawn at its size (12 px labels), scrolled in its card
    assert d["arrows"] >= 3 and d["labels"]
    assert not [t for t in d["labels"] if t["covers"] or not t["inside"]]
    assert not [t for t in d["texts"] if re.search(r"[\u2e80-\u9fff]", t)]
    assert no_sideways_scroll(page) <= 0
