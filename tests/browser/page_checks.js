// Run in the page by tests/browser/test_every_page.py (page.evaluate): what a reader of this page at this
// viewport would fail to read or reach. Returns {contrast: [...], overflow: {...}, header: [...]}.
//
// contrast: every visible text (text nodes, and the values shown in form controls) against its
//   effective background — the element's own background and its ancestors' composited over the white
//   canvas; a gradient counts by its worst colour stop, a url() image cannot be measured and is
//   reported; SVG text is measured against the shapes drawn under it. WCAG 2 AA: 4.5:1, 3:1 for large
//   text (>= 24 px, or >= 18.66 px bold). Disabled controls are exempt (as WCAG says).
// overflow: the page is wider than the window (sideways scrolling); the deepest elements sticking out
//   of the window that no scrolling box of their own (overflow-x auto/scroll/hidden) contains.
// header: words of header.top broken over two lines.
(opts) => {
  const px = (v) => parseFloat(v) || 0;

  function parse(c) {
    if (!c || c === "transparent" || c === "none") return [0, 0, 0, 0];
    let m = c.match(/rgba?\(([^)]+)\)/);
    if (m) {
      const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
      return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
    }
    m = c.match(/color\(srgb ([^)]+)\)/);
    if (m) {
      const p = m[1].split(/[\s\/]+/).filter(Boolean).map(Number);
      return [p[0] * 255, p[1] * 255, p[2] * 255, p.length > 3 ? p[3] : 1];
    }
    return null;  // a paint server (url(#...)), currentColor in SVG...: unknown
  }
  // a over b (b opaque)
  const over = (a, b) => [0, 1, 2].map((i) => a[i] * a[3] + b[i] * (1 - a[3])).concat([1]);
  function lum(c) {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  }
  function ratio(a, b) {
    const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  }
  const css = (c) => `rgb(${c.slice(0, 3).map(Math.round).join(",")})`;

  function selector(el) {
    const parts = [];
    for (let e = el; e && e.nodeType === 1 && e !== document.documentElement; e = e.parentElement) {
      if (e.id) { parts.unshift("#" + CSS.escape(e.id)); break; }
      let s = e.localName;
      const cls = [...e.classList].slice(0, 3).map((c) => "." + CSS.escape(c)).join("");
      s += cls;
      const parent = e.parentElement;
      if (parent) {
        const same = [...parent.children].filter((c) => c.localName === e.localName);
        if (same.length > 1) s += `:nth-of-type(${same.indexOf(e) + 1})`;
      }
      parts.unshift(s);
    }
    return parts.join(" > ");
  }

  // The colours behind `el` (its own background first, then its ancestors'), composited over white:
  // a list of candidate opaque backgrounds (more than one when a gradient is on the way).
  // Returns {colours: [...], unknown: "why"|null}.
  function backgroundOf(el) {
    const layers = [];
    let unknown = null;
    for (let e = el; e; e = e.parentElement) {
      const cs = getComputedStyle(e);
      const img = cs.backgroundImage;
      if (img && img !== "none") {
        if (/gradient/.test(img)) {
          const stops = (img.match(/rgba?\([^)]+\)/g) || []).map(parse);
          layers.push({ stops });
          if (stops.length && stops.every((s) => s[3] === 1)) break;
        } else {
          unknown = `background image ${img.slice(0, 60)} on ${selector(e)}`;
        }
      }
      const bg = parse(cs.backgroundColor) || [0, 0, 0, 0];
      if (bg[3] > 0) layers.push({ stops: [bg] });
      if (bg[3] === 1) break;
    }
    let colours = [[255, 255, 255, 1]];  // the canvas
    for (let i = layers.length - 1; i >= 0; i--) {
      const next = [];
      for (const stop of layers[i].stops) for (const under of colours) next.push(over(stop, under));
      colours = next;
    }
    return { colours, unknown };
  }

  // SVG: what is painted under the middle of the text (bars, boxes), then the SVG's own background.
  function svgBackground(el) {
    const r = el.getBoundingClientRect();
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    const shapes = [];
    let host = el.ownerSVGElement || el;
    for (const under of document.elementsFromPoint(x, y)) {
      if (under === el || el.contains(under)) continue;
      if (under instanceof SVGSVGElement) { host = under; break; }
      if (under.contains(el)) continue;                 // a group holding the text
      if (!(under instanceof SVGElement)) break;        // past the drawing
      if (!(under instanceof SVGGeometryElement)) continue;
      const cs = getComputedStyle(under);
      const fill = parse(cs.fill);
      if (!fill || fill[3] === 0) continue;
      fill[3] *= px(cs.fillOpacity || 1) * px(cs.opacity || 1);
      shapes.push(fill);
      if (fill[3] === 1) break;
    }
    let { colours, unknown } = backgroundOf(host);
    for (let i = shapes.length - 1; i >= 0; i--) colours = colours.map((c) => over(shapes[i], c));
    return { colours, unknown };
  }

  function visible(el) {
    if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) return false;
    const r = el.getBoundingClientRect();
    return r.width > 1 && r.height > 1;
  }

  function opacityUpTo(el) {
    let o = 1;
    for (let e = el; e; e = e.parentElement) o *= px(getComputedStyle(e).opacity || 1);
    return o;
  }

  function measure(el, text, out) {
    const cs = getComputedStyle(el);
    const isSvg = el instanceof SVGElement;
    const fg = parse(isSvg ? cs.fill : cs.color);
    if (!fg) return;
    if (isSvg) fg[3] *= px(cs.fillOpacity || 1);
    fg[3] *= opacityUpTo(el);
    if (fg[3] === 0) return;
    const { colours, unknown } = isSvg ? svgBackground(el) : backgroundOf(el);
    const size = px(cs.fontSize), weight = parseInt(cs.fontWeight, 10) || 400;
    const large = size >= 24 || (size >= 18.66 && weight >= 700);
    const need = large ? 3 : 4.5;
    let worst = null;
    for (const bg of colours) {
      const r = ratio(over(fg, bg), bg);
      if (!worst || r < worst.ratio) worst = { ratio: r, bg };
    }
    if (unknown || worst.ratio < need) {
      out.push({
        selector: selector(el), text: text.replace(/\s+/g, " ").trim().slice(0, 50),
        color: css(over(fg, worst.bg)), background: css(worst.bg), ratio: Math.round(worst.ratio * 100) / 100,
        need, size: Math.round(size * 10) / 10, weight, unknown,
      });
    }
  }

  const SKIP = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "OPTION", "OPTGROUP", "TITLE", "title", "desc"]);

  function contrast() {
    const out = [];
    const seen = new Set();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!n.nodeValue.trim()) continue;
      const el = n.parentElement;
      if (!el || seen.has(el) || SKIP.has(el.tagName) || el.closest("select, [disabled]")) continue;
      seen.add(el);
      if (!visible(el)) continue;
      const range = document.createRange();
      range.selectNodeContents(n);
      if (!range.getClientRects().length) continue;
      measure(el, n.nodeValue, out);
    }
    const controls = document.querySelectorAll(
      "input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=submit]):not([type=button]), select, textarea");
    for (const c of controls) {
      if (c.disabled || !visible(c)) continue;
      const shown = c.localName === "select" ? (c.selectedOptions[0] || {}).text || "" : c.value;
      if (shown && shown.trim()) measure(c, shown, out);
    }
    return out;
  }

  function overflow() {
    const width = window.innerWidth;
    const scrollWidth = document.documentElement.scrollWidth;
    const result = { scrollWidth, innerWidth: width, culprits: [] };
    if (scrollWidth <= width) return result;
    const clipped = (el) => {
      for (let e = el.parentElement; e && e !== document.body; e = e.parentElement) {
        if (getComputedStyle(e).overflowX !== "visible") return true;
      }
      return false;
    };
    const out = [...document.body.querySelectorAll("*")].filter((el) => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.right > width + 1 && !clipped(el);
    });
    const deepest = out.filter((el) => !out.some((o) => o !== el && el.contains(o)));
    result.culprits = deepest.slice(0, 6).map((el) => ({
      selector: selector(el), right: Math.round(el.getBoundingClientRect().right),
      text: (el.textContent || "").replace(/\s+/g, " ").trim().slice(0, 40),
    }));
    return result;
  }

  // A word of the header (a run of text without spaces: a Chinese label is one word) that is laid out
  // on more than one line.
  function headerWords() {
    const header = document.querySelector("header.top");
    const out = [];
    if (!header) return out;
    const walker = document.createTreeWalker(header, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!n.parentElement || !visible(n.parentElement)) continue;
      const re = /\S+/g;
      let m;
      while ((m = re.exec(n.nodeValue))) {
        const range = document.createRange();
        range.setStart(n, m.index);
        range.setEnd(n, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
        if (tops.size > 1) out.push({ selector: selector(n.parentElement), word: m[0], lines: tops.size });
      }
    }
    return out;
  }

  return {
    contrast: opts.contrast ? contrast() : [],
    overflow: opts.overflow ? overflow() : null,
    header: opts.overflow ? headerWords() : [],
  };
}
