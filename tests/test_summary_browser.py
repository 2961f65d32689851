"""summary.html in a real browser (headless Chromium): every plot loads and decodes at its size, no text
box is empty, and the screenshot is not blank. Skipped, with the reason, where Chromium is missing.

Set EXTRACTOR_SUMMARY_SCREENSHOT=/some/dir to keep the screenshot for a look."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from headless import needs_browser, run_browser

pytest.importorskip("matplotlib", reason="the summary needs the summary extra (matplotlib)")

from extractor import extract_many  # noqa: E402
from extractor.summary import write_summary  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FX = ROOT / "fixtures"
INPUTS = sorted(p for p in (FX / "series").iterdir() if not p.name.endswith(".json")) + [
    FX / "html" / "broken_arithmetic.html", FX / "html" / "not_a_report.html"]
PLOT_COUNT = 7  # every plot has data in this dataset: a failure, a failing check, review cases
# Appended to a copy of the page: after load (images loaded and decoded: naturalWidth is known), write what the browser sees onto <body>.
PROBE = """<script>
window.addEventListener('load', () => {
  const imgs = [...document.images];
  document.body.dataset.images = imgs.map(i => {
    const r = i.getBoundingClientRect();
    return [i.complete ? 1 : 0, i.naturalWidth, i.naturalHeight, Math.round(r.width), Math.round(r.height)].join('x');
  }).join(',');
  const boxes = [...document.querySelectorAll('h1,h2,h3,p,td,th,li,figcaption,.stat span')];
  document.body.dataset.boxes = String(boxes.length);
  document.body.dataset.empty = boxes.filter(e => !e.innerText.trim()).map(e => e.outerHTML.slice(0, 80)).join(' | ');
  document.body.dataset.height = String(document.documentElement.scrollHeight);
  document.body.dataset.done = '1';
});
</script>"""


pytestmark = needs_browser("summary")
_run = run_browser


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dataset")
    extract_many(INPUTS).write(out)
    return write_summary(out)


def test_plots_load_and_no_text_box_is_empty(page, tmp_path):
    probe = tmp_path / "probe.html"
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    proc = _run(["--virtual-time-budget=10000", "--window-size=1100,1400", "--dump-dom", probe.as_uri()],
                tmp_path / "profile")
    assert proc.returncode == 0, proc.stderr[-2000:]
    body = re.search(r"<body([^>]*)>", proc.stdout)
    assert body, proc.stdout[:500]
    attrs = dict(re.findall(r'data-([a-z]+)="([^"]*)"', body.group(1)))
    assert attrs.get("done") == "1", "the page's load event never ran"
    images = [tuple(int(x) for x in s.split("x")) for s in attrs["images"].split(",")]
    assert len(images) == PLOT_COUNT
    for complete, nw, nh, w, h in images:
        assert complete == 1 and nw >= 600 and nh >= 200  # decoded PNG at its own size
        assert w >= 300 and h >= 100  # and laid out on the page at a visible size
    assert int(attrs["boxes"]) > 40
    assert attrs["empty"] == "", f"empty text boxes: {attrs['empty']}"


def test_screenshot_shows_the_page(page, tmp_path):
    from PIL import Image

    shot = tmp_path / "summary.png"
    proc = _run(["--window-size=1100,2600", f"--screenshot={shot}", page.as_uri()], tmp_path / "profile")
    assert proc.returncode == 0 and shot.is_file(), proc.stderr[-2000:]
    keep = os.environ.get("EXTRACTOR_SUMMARY_SCREENSHOT")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / "summary.png")
    img = Image.open(shot).convert("RGB")
    assert img.size == (1100, 2600)
    # Not blank: many colours (plots, bars) and a good share of pixels that are neither white nor background.
    small = img.resize((275, 650))
    pixels = list(small.getdata())
    assert len(set(pixels)) > 200
    inked = sum(1 for p in pixels if p not in ((255, 255, 255), (247, 248, 250)))
    assert inked / len(pixels) > 0.08
    # The plots' bars are drawn: the template blue of the year plot and the check colours are on screen.
    colours = set(pixels)
    for rgb in ((0x2b, 0x6c, 0xb0), (0x2e, 0x8b, 0x57)):
        assert any(sum(abs(a - b) for a, b in zip(rgb, c)) < 12 for c in colours), rgb
