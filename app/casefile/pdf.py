"""HTML to an A4 PDF, offline: WeasyPrint lays the page out with Pango, which finds the CJK font through
fontconfig (the print stylesheet names WenQuanYi Micro Hei and Noto Sans CJK: Debian's
fonts-wqy-microhei or fonts-noto-cjk). Nothing is fetched: the stylesheet is inline, no URL is loaded."""


def _refuse_fetch(url, *args, **kwargs):
    raise ValueError(f"the case file loads nothing from elsewhere ({url})")


def render(html: str) -> bytes:
    # Imported here, not at the top: WeasyPrint (and Pango behind it) costs ~0.5 s to load, which every
    # process would pay at start-up for a page few open.
    import weasyprint

    return weasyprint.HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()
