"""Text inside server-drawn SVG (the dashboard's charts, the case timeline, the workflow diagram): how
wide a label is, shortening or wrapping it to a width, escaping it. The pages draw SVG on the server, so
text is placed by an estimate of its width, never measured by a browser; the estimate errs wide, so a
label stays inside its box."""
from markupsafe import escape

FONT = '"Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif'


def esc(text) -> str:
    return str(escape("" if text is None else text))


def _wide(ch: str) -> bool:
    return ord(ch) > 0x2E7F


def text_width(text: str, size: float = 12) -> float:
    """A generous width: CJK glyphs are one em wide, Latin ones at most ~0.62 em in the UI fonts (the
    labels are placed by it, so it errs wide: a label never runs past the chart's edge)."""
    return sum(size if _wide(ch) else size * 0.62 for ch in str(text))


def fit(text, width: float, size: float = 12) -> str:
    """Shorten a label to fit `width` px, with an ellipsis (the full label stays in the <title>)."""
    text = "" if text is None else str(text)
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def wrap(text, width: float, size: float) -> list[str]:
    """A label in lines of at most `width` px, nothing cut: Latin text breaks at spaces (a word wider
    than the line at any character), CJK text between any two characters."""
    text = "" if text is None else str(text)
    lines, line = [], ""
    for token in _tokens(text):
        candidate = line + token
        if line and text_width(candidate.rstrip(), size) > width:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line = candidate
        while text_width(line.rstrip(), size) > width and len(line) > 1:  # one word wider than a line
            cut = len(line)
            while cut > 1 and text_width(line[:cut], size) > width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return lines


def _tokens(text: str) -> list[str]:
    """Words with their following space, and every CJK character on its own."""
    tokens, word = [], ""
    for ch in text:
        if _wide(ch):
            if word:
                tokens.append(word)
                word = ""
            tokens.append(ch)
        else:
            word += ch
            if ch == " " or ch in "/-":
                tokens.append(word)
                word = ""
    if word:
        tokens.append(word)
    return tokens
