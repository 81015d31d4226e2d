"""The workflow diagram (app/engine/diagram.py), for any workflow: every transition of the definition
is one visible arrow from its own source state, no arrow runs through a box that is not its end, no
edge label covers a state box, everything lies inside the viewBox, and it is in the reader's language."""
import re
import xml.etree.ElementTree as ET

import pytest

from app.auth.roles import ROLES
from app.engine import definition
from app.engine.diagram import render
from workflows import ALL

SVG = "{http://www.w3.org/2000/svg}"
CJK = re.compile(r"[\u2e80-\u9fff\uff00-\uffef]")
DEFINITIONS = {raw["name"]: definition.build(raw, ROLES) for raw in ALL}


def _rect(el):
    return tuple(float(el.get(k)) for k in ("x", "y", "width", "height"))


def _overlap(a, b) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _inside(point, box, margin=1.0) -> bool:
    x, y = point
    return box[0] + margin < x < box[0] + box[2] - margin and box[1] + margin < y < box[1] + box[3] - margin


def drawn(name, lang):
    root = ET.fromstring(str(render(DEFINITIONS[name], lang)))
    _, _, width, height = (float(v) for v in root.get("viewBox").split())
    boxes = {g.get("data-state"): _rect(g.find(f"{SVG}rect")) for g in root.iter(f"{SVG}g")
             if g.get("class") == "state"}
    labels = [(g.get("data-trigger"), _rect(g.find(f"{SVG}rect"))) for g in root.iter(f"{SVG}g")
              if g.get("class") == "edge-label"]
    edges = [(p.get("data-trigger"), p.get("data-source"), p.get("data-dest"),
              [tuple(float(v) for v in xy.split(",")) for xy in p.get("points").split()])
             for p in root.iter(f"{SVG}polyline") if p.get("class") == "edge"]
    return root, (width, height), boxes, labels, edges


CASES = [(name, lang) for name in DEFINITIONS for lang in ("zh", "en")]


@pytest.mark.parametrize("name, lang", CASES)
def test_every_transition_is_one_arrow_from_its_own_source(name, lang):
    defn = DEFINITIONS[name]
    _, _, boxes, labels, edges = drawn(name, lang)
    assert set(boxes) == set(defn.states)
    wanted = sorted((t.name, s, t.dest) for t in defn.triggers.values() if t.dest for s in t.sources)
    assert sorted((t, s, d) for t, s, d, _ in edges) == wanted  # one arrow per (step, source)
    labelled = {t for t, _ in labels}
    assert labelled == {t.name for t in defn.triggers.values() if t.dest}
    for trigger, source, dest, points in edges:
        start, end = points[0], points[-1]
        near = lambda p, b: b[0] - 1 <= p[0] <= b[0] + b[2] + 1 and b[1] - 1 <= p[1] <= b[1] + b[3] + 1  # noqa: E731
        assert near(start, boxes[source]) and near(end, boxes[dest]), (trigger, source)
        # no arrow runs through a box (the one that was hidden under 联合劝返)
        for (x1, y1), (x2, y2) in zip(points, points[1:]):
            for k in range(1, 60):
                p = (x1 + (x2 - x1) * k / 60, y1 + (y2 - y1) * k / 60)
                for state, box in boxes.items():
                    assert not _inside(p, box), (trigger, source, "through", state)


@pytest.mark.parametrize("name, lang", CASES)
def test_labels_cover_no_box_and_everything_is_inside_the_picture(name, lang):
    root, (width, height), boxes, labels, edges = drawn(name, lang)
    for trigger, box in labels:
        for state, b in boxes.items():
            assert not _overlap(box, b), (trigger, "covers", state)
    for thing, (x, y, w, h) in labels + list(boxes.items()):
        assert 0 <= x and x + w <= width and 0 <= y and y + h <= height, thing
    for _, _, _, points in edges:
        assert all(0 <= x <= width and 0 <= y <= height for x, y in points)
    for a, (t1, b1) in enumerate(labels):  # labels do not cover each other either
        for t2, b2 in labels[a + 1:]:
            assert not _overlap(b1, b2), (t1, t2)


@pytest.mark.parametrize("name", DEFINITIONS)
def test_the_diagram_is_in_the_readers_language(name):
    root = drawn(name, "en")[0]
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")] + [root.get("aria-label")]
    assert not [t for t in texts if CJK.search(t)]
    zh = drawn(name, "zh")[0]
    assert any(CJK.search("".join(t.itertext())) for t in zh.iter(f"{SVG}text"))
