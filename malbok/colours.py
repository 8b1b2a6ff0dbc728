"""Colours that read: WCAG contrast for text on a scale's fill (Word chapter, KF.xlsx)."""

from __future__ import annotations


def _luminance(colour: str) -> float:
    """WCAG relative luminance of '#RRGGBB'."""
    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    h = colour.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours (1–21)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


AA = 4.5  # WCAG AA for body text


def readable(fill: str) -> tuple[str, str]:
    """(fill, text colour) with at least WCAG AA contrast: black or white text, whichever reads better;
    when neither reaches AA the fill is lightened (the scale's hue kept) until black text does."""
    fill = "#" + fill.lstrip("#").upper()
    black, white = contrast(fill, "#000000"), contrast(fill, "#FFFFFF")
    if max(black, white) >= AA:
        return fill, "#000000" if black >= white else "#FFFFFF"
    h = fill.lstrip("#")
    rgb = [int(h[i:i + 2], 16) for i in (0, 2, 4)]
    for step in range(1, 21):
        t = step / 20
        mixed = "#" + "".join(f"{round(v + (255 - v) * t):02X}" for v in rgb)
        if contrast(mixed, "#000000") >= AA:
            return mixed, "#000000"
    return "#FFFFFF", "#000000"


def ink(fill: str) -> str:
    """Black or white text on ``fill``, whichever reads better (the fill kept as the scale gives it)."""
    return "#000000" if contrast(fill, "#000000") >= contrast(fill, "#FFFFFF") else "#FFFFFF"


__all__ = ["AA", "contrast", "ink", "readable"]
