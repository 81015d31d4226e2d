"""Server-side SVG charts: well-formed XML, accessible, labels escaped, empty and zero data handled."""
import xml.etree.ElementTree as ET

from markupsafe import Markup

from app.reports.charts import NO_DATA, WIDTH, bar_chart, line_chart, stacked_bars, text_width, wrap

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg) -> ET.Element:
    assert isinstance(svg, Markup)
    return ET.fromstring(str(svg))


def texts(root) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def test_bar_chart_is_valid_accessible_svg_with_a_target_line():
    root = parse(bar_chart([("城关一中", 2.5), ("河口中学", 1.2)], title="辍学率", unit="%", target=3))
    assert root.tag == f"{SVG}svg" and root.get("role") == "img" and root.get("aria-label") == "辍学率"
    assert root[0].tag == f"{SVG}title" and root[0].text == "辍学率"
    assert root.get("width") == str(WIDTH) and root.get("viewBox").startswith(f"0 0 {WIDTH} ")
    assert "Noto Sans CJK SC" in root.get("font-family")
    assert {"城关一中", "2.5%", "河口中学", "1.2%"} <= set(texts(root))
    assert any(t.startswith("目标") and t.endswith("3%") for t in texts(root))
    dashed = [line for line in root.iter(f"{SVG}line") if line.get("stroke-dasharray")]
    assert len(dashed) == 1
    bars = [float(r.get("width")) for r in root.iter(f"{SVG}rect")]
    assert bars[0] > bars[1] > 0
    assert "城关一中: 2.5%" in root.find(f"{SVG}desc").text


def test_labels_and_titles_are_escaped():
    evil = "<script>alert(1)</script>"
    for svg in (bar_chart([(evil, 1)], title=evil),
                stacked_bars([evil], {evil: [1]}, title=evil),
                line_chart([evil], {evil: [1]}, title=evil)):
        assert "<script>" not in str(svg) and "&lt;script&gt;" in str(svg)
        root = parse(svg)
        assert root.find(f"{SVG}title").text == evil  # the text survives, as text
        assert not list(root.iter("script")) and not list(root.iter(f"{SVG}script"))
    quote = parse(bar_chart([('a" onload="x', 1)], title='t" onload="x'))
    assert quote.get("onload") is None and quote.get("aria-label") == 't" onload="x'


def test_empty_data_says_no_data():
    for svg in (bar_chart([], title="空"), stacked_bars([], {}, title="空"), stacked_bars(["S01"], {}, title="空"),
                line_chart([], {"a": []}, title="空"), line_chart(["2026-10"], {}, title="空")):
        root = parse(svg)
        assert NO_DATA in texts(root)
        assert root.get("aria-label") == "空"


def test_all_zero_values_draw_without_dividing_by_zero():
    root = parse(bar_chart([("A", 0), ("B", 0)], title="零"))
    assert [float(r.get("width")) for r in root.iter(f"{SVG}rect")] == [0.0, 0.0]
    assert texts(root).count("0") == 2
    root = parse(stacked_bars(["A", "B"], {"已上报": [0, 0], "劝返中": [0, 0]}, title="零"))
    assert texts(root)[-4:] == ["A", "0", "B", "0"]  # each label with its total
    root = parse(line_chart(["1月", "2月"], {"新增": [0, 0]}, title="零"))
    ys = {c.get("cy") for c in root.iter(f"{SVG}circle")}
    assert len(ys) == 1  # both points on the baseline
    root = parse(bar_chart([("A", None), ("B", float("nan"))], title="缺"))  # missing values draw as 0
    assert [float(r.get("width")) for r in root.iter(f"{SVG}rect")] == [0.0, 0.0]


def test_stacked_bars_stack_each_series_with_a_legend():
    root = parse(stacked_bars(["S01", "S02"], {"已上报": [2, 1], "劝返中": [1, 0], "联合劝返": [3, 0]},
                              title="未结个案"))
    legend = texts(root)
    assert {"已上报", "劝返中", "联合劝返"} <= set(legend)
    assert "6" in legend and "1" in legend  # the totals per school
    segments = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert len(segments) == 4  # zero segments are not drawn
    assert "S01 · 联合劝返: 3" in [s.find(f"{SVG}title").text for s in segments]
    colours = {r.get("fill") for r in segments}
    assert len(colours) == 3


def test_line_chart_draws_one_line_per_series_over_the_labels():
    labels = [f"2026-{m:02d}" for m in range(1, 13)]
    root = parse(line_chart(labels, {"新增": list(range(12)), "复学": [1] * 12, "结案": [0] * 5},
                            title="月度趋势"))
    lines = list(root.iter(f"{SVG}polyline"))
    assert len(lines) == 3 and all(len(p.get("points").split()) == 12 for p in lines)
    shown = [t for t in texts(root) if t.startswith("2026-")]
    assert shown[-1] == "2026-12" and set(shown) <= set(labels) and len(shown) >= 4  # thinned only to fit
    assert len(list(root.iter(f"{SVG}circle"))) == 36
    assert "2026-03 · 新增: 2" in [c.find(f"{SVG}title").text for c in root.iter(f"{SVG}circle")]


def _boxes(root):
    """(x_left, x_right, text) of every <text>, from its anchor and the width charts.text_width gives."""
    out = []
    for t in root.iter(f"{SVG}text"):
        text = "".join(t.itertext())
        size = float(t.get("font-size") or root.get("font-size"))
        w, x = text_width(text, size), float(t.get("x"))
        left = {"end": x - w, "middle": x - w / 2}.get(t.get("text-anchor"), x)
        out.append((left, left + w, float(t.get("y")), size, text))
    return out


LONG_EN = [("Learning difficulties / dislike of school", 3), ("Migration / whereabouts unknown", 2),
           ("Illness or disability", 1), ("Other", 0)]


def test_english_labels_wrap_instead_of_being_cut_and_every_text_is_inside_the_chart():
    """Nothing is shortened with an ellipsis: a long label wraps onto lines of its own, and every text
    (estimated generously) lies inside the viewBox, at ≥ 12 units (so ≥ 11 px at the scale a phone shows)."""
    charts = [bar_chart(LONG_EN, title="Dropout reasons (this school year, by the reason given)"),
              bar_chart([("Chengguan No. 1 Middle School", 2.5)], title="Dropout rate", unit="%", target=3,
                        target_label="Upper limit"),
              stacked_bars(["Chengguan No. 1 Middle School", "S02"],
                           {"Home-visit persuasion": [2, 1], "Joint return": [1, 0], "Reported": [0, 4]},
                           title="Open cases per school (by state)"),
              line_chart([f"26-{m:02d}" for m in range(1, 13)], {"New": [1] * 12, "Returned": [2] * 12,
                                                                  "Closed": [0] * 12}, title="Monthly trend")]
    for svg in charts:
        root = parse(svg)
        assert "…" not in str(svg)
        height = float(root.get("viewBox").split()[3])
        for left, right, y, size, text in _boxes(root):
            assert size >= 12, text
            assert 0 <= left and right <= WIDTH and size <= y <= height, (text, left, right, y)
    words = " ".join(t for *_, t in _boxes(parse(charts[0])))
    assert "Learning difficulties" in words and "whereabouts unknown" in words


def test_wrap_keeps_every_character():
    for text in ("Learning difficulties / dislike of school", "随迁流动/去向不明随迁流动/去向不明随迁流动", "x" * 80, ""):
        lines = wrap(text, 100, 13)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        assert all(text_width(line, 13) <= 100 for line in lines)
