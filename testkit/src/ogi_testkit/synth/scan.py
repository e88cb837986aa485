"""Image-only renders of generated reports: what a scanner or a phone makes of the pages.

The generated PDF (``render(report, "pdf")``) is rasterised with pdfium and degraded
the way published scans are: ``clean`` (200 dpi), ``office`` (150 dpi, gray, turned
by up to ±1.5°, blurred, speckled, JPEG), ``seal`` (200 dpi with a red seal stamped
over the signature on the last page) and ``photo`` (the page photographed at a
slant: a perspective warp onto a darker desk, uneven light). The output is an
image-only PDF (no text layer) or one image file per page. Deterministic in seed.
"""

from __future__ import annotations

import io
import math
import random

import cv2
import numpy as np
import pypdfium2 as pdfium
from PIL import Image

DEGRADATIONS = ("clean", "office", "seal", "photo")
DPI = {"clean": 200, "office": 150, "seal": 200, "photo": 200}


def page_images(pdf: bytes, dpi: int) -> list[np.ndarray]:
    """The PDF's pages as RGB arrays at ``dpi``."""
    doc = pdfium.PdfDocument(pdf)
    try:
        return [np.asarray(page.render(scale=dpi / 72).to_pil().convert("RGB")) for page in doc]
    finally:
        doc.close()


def _office(img: np.ndarray, rng: random.Random) -> np.ndarray:
    gray = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    h, w = gray.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), rng.uniform(-1.5, 1.5), 1.0)
    gray = cv2.warpAffine(gray, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
    gray = cv2.GaussianBlur(gray, (0, 0), rng.uniform(0.5, 0.8))
    nprng = np.random.default_rng(rng.randrange(2**32))
    n = int(h * w * 2e-4)
    for x, y, r in zip(nprng.integers(0, w, n), nprng.integers(0, h, n), nprng.integers(1, 3, n), strict=True):
        cv2.circle(gray, (int(x), int(y)), int(r) - 1, int(nprng.integers(0, 90)), -1)
    noise = nprng.normal(0, 6, gray.shape)
    gray = np.clip(gray.astype(np.float64) + noise, 0, 255).astype(np.uint8)
    return cv2.cvtColor(gray, cv2.COLOR_GRAY2RGB)


def _seal(img: np.ndarray, rng: random.Random) -> np.ndarray:
    """A red round seal (ring, star, arc of marks) over the last lines of the page."""
    gray = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    rows = np.flatnonzero((gray < 128).sum(axis=1) > 3)
    h, w = gray.shape
    bottom = int(rows[-1]) if rows.size else h // 2
    radius = int(w * 0.1)
    centre = (int(w * rng.uniform(0.62, 0.72)), max(radius, bottom - int(radius * rng.uniform(0.2, 0.6))))
    stamp = np.zeros((h, w), np.uint8)
    cv2.circle(stamp, centre, radius, 255, max(4, radius // 14))
    star = [
        (
            centre[0] + (radius * (0.35 if k % 2 == 0 else 0.14)) * math.sin(math.pi * k / 5),
            centre[1] - (radius * (0.35 if k % 2 == 0 else 0.14)) * math.cos(math.pi * k / 5),
        )
        for k in range(10)
    ]
    cv2.fillPoly(stamp, [np.int32(star)], 255)
    for k in range(14):  # the agency's name round the rim, as blocks of ink
        angle = math.pi * (0.8 + 1.4 * k / 13)
        x = centre[0] + 0.72 * radius * math.cos(angle)
        y = centre[1] + 0.72 * radius * math.sin(angle)
        cv2.circle(stamp, (int(x), int(y)), radius // 11, 255, -1)
    stamp = cv2.GaussianBlur(stamp, (0, 0), 1.2).astype(np.float64) / 255 * rng.uniform(0.7, 0.9)
    red = np.array([205, 30, 40], np.float64)
    out = img.astype(np.float64) * (1 - stamp[..., None]) + (img.astype(np.float64) * red / 255) * stamp[..., None]
    return np.clip(out, 0, 255).astype(np.uint8)


def _photo(img: np.ndarray, rng: random.Random) -> np.ndarray:
    """The page photographed at a slant on a desk: perspective, margin, uneven light."""
    h, w = img.shape[:2]
    margin = int(0.06 * w)
    jitter = 0.035 * w
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    corners = [(0, 0), (1, 0), (1, 1), (0, 1)]  # each corner moves inwards by up to ``jitter``
    dst = np.float32(
        [
            [
                margin + cx * w + (1 - 2 * cx) * rng.uniform(0, jitter),
                margin + cy * h + (1 - 2 * cy) * rng.uniform(0, jitter),
            ]
            for cx, cy in corners
        ]
    )
    size = (w + 2 * margin, h + 2 * margin)
    desk = tuple(int(v) for v in (rng.randint(70, 110), rng.randint(60, 100), rng.randint(50, 90)))
    out = cv2.warpPerspective(img, cv2.getPerspectiveTransform(src, dst), size, borderValue=desk)
    light = np.linspace(rng.uniform(0.88, 0.95), 1.0, size[0])[None, :, None]
    return np.clip(out.astype(np.float64) * light, 0, 255).astype(np.uint8)


def degrade(img: np.ndarray, degradation: str, rng: random.Random, *, last_page: bool = False) -> np.ndarray:
    if degradation == "office":
        return _office(img, rng)
    if degradation == "seal":
        return _seal(img, rng) if last_page else img
    if degradation == "photo":
        return _photo(img, rng)
    if degradation == "clean":
        return img
    raise ValueError(f"unknown degradation {degradation!r}; choose from {DEGRADATIONS}")


def scanned_pages(pdf: bytes, degradation: str, seed: int = 0) -> list[Image.Image]:
    """The report's pages as degraded images."""
    rng = random.Random(f"ogi-synth-scan/{degradation}/{seed}")
    pages = page_images(pdf, DPI[degradation])
    return [
        Image.fromarray(degrade(img, degradation, rng, last_page=k == len(pages) - 1)) for k, img in enumerate(pages)
    ]


def scan_pdf(pdf: bytes, degradation: str, seed: int = 0) -> bytes:
    """An image-only PDF of the report (one JPEG per page, no text layer)."""
    pages = scanned_pages(pdf, degradation, seed)
    out = io.BytesIO()
    quality = 60 if degradation == "office" else 85
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=DPI[degradation], quality=quality)
    return out.getvalue()


def scan_images(pdf: bytes, degradation: str, seed: int = 0, fmt: str = "JPEG") -> list[bytes]:
    """One image file per page (``fmt``: JPEG or PNG)."""
    out = []
    for page in scanned_pages(pdf, degradation, seed):
        buf = io.BytesIO()
        page.save(buf, fmt, quality=60 if degradation == "office" else 85)
        out.append(buf.getvalue())
    return out
