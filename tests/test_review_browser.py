"""review.html in a real browser (headless Chromium): no console error or uncaught exception, every
picture decoded at its size, the filters change the count of shown reports, a copy button answers.
Skipped, with the reason, where Chromium is missing.

Set EXTRACTOR_REVIEW_SCREENSHOT=/some/dir to keep a screenshot for a look."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from headless import needs_browser, run_browser

from extractor import extract_many
from extractor.review import write_review

from test_review import BROKEN_HTML, CLEAN, PDF_FAIL, PDF_POSITION, make_docx_with_changed_number, \
    make_text_with_broken_row

# Put first in <head> (so it sees the page's own script fail): record console errors and uncaught
# exceptions; after load, the pictures as decoded, then drive the filters and note the shown count.
PROBE = """<script>
(function () {
  var errors = [];
  var orig = console.error;
  console.error = function () { errors.push([].slice.call(arguments).join(' ')); orig.apply(console, arguments); };
  window.addEventListener('error', function (e) { errors.push('uncaught: ' + e.message); });
  window.addEventListener('unhandledrejection', function (e) { errors.push('rejection: ' + e.reason); });
  window.addEventListener('load', function () {
    var b = document.body.dataset;
    var shown = function () { return document.getElementById('shown').textContent + '/' +
      document.querySelectorAll('section.report:not([hidden])').length; };
    b.images = [].map.call(document.images, function (i) {
      var r = i.getBoundingClientRect();
      return [i.complete ? 1 : 0, i.naturalWidth, i.naturalHeight, i.width, i.height, Math.round(r.width)].join('x');
    }).join(',');
    b.initial = shown();
    var year = document.getElementById('f-year'), check = document.getElementById('f-check'),
        agency = document.getElementById('f-agency');
    year.value = year.options[1].value; year.dispatchEvent(new Event('change'));
    b.year = year.value + ':' + shown();
    year.value = ''; year.dispatchEvent(new Event('change'));
    check.value = 'flag:position'; check.dispatchEvent(new Event('change'));
    b.check = shown();
    check.value = ''; check.dispatchEvent(new Event('change'));
    agency.value = '金水区'; agency.dispatchEvent(new Event('input'));
    b.agency = shown();
    agency.value = 'no such body'; agency.dispatchEvent(new Event('input'));
    b.none = shown();
    agency.value = ''; agency.dispatchEvent(new Event('input'));
    b.reset = shown();
    var button = document.querySelector('button.copy');
    button.click();
    setTimeout(function () {
      var box = button.parentNode.querySelector('input.line');
      b.copied = box ? 'box:' + box.value : button.textContent;
      b.line = button.dataset.line;
      b.errors = errors.join(' | ');
      b.done = '1';
    }, 300);
  });
})();
</script>"""


pytestmark = needs_browser("review")
_run = run_browser


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("review_browser")
    inputs = [BROKEN_HTML, PDF_FAIL, PDF_POSITION, make_docx_with_changed_number(work / "changed_number.docx"),
              make_text_with_broken_row(work / "broken_row.txt"), *CLEAN]
    out = work / "dataset"
    extract_many(inputs).write(out)
    return write_review(out)


def test_page_loads_pictures_decode_and_filters_work(page, tmp_path):
    html = page.read_text(encoding="utf-8")
    n_reports = html.count('<section class="report"')
    n_images = html.count("<img ")
    assert n_reports == 5 and n_images >= 2
    probe = tmp_path / "probe.html"
    probe.write_text(html.replace("<head>", "<head>" + PROBE, 1), encoding="utf-8")
    proc = _run(["--virtual-time-budget=10000", "--window-size=1400,1400", "--dump-dom", probe.as_uri()],
                tmp_path / "profile")
    assert proc.returncode == 0, proc.stderr[-2000:]
    body = re.search(r"<body([^>]*)>", proc.stdout)
    assert body, proc.stdout[:500]
    attrs = dict(re.findall(r'data-([a-z]+)="([^"]*)"', body.group(1)))
    assert attrs.get("done") == "1", "the page's load event never ran"
    assert attrs["errors"] == "", attrs["errors"]
    images = [tuple(int(x) for x in s.split("x")) for s in attrs["images"].split(",")]
    assert len(images) == n_images
    for complete, nw, nh, w, h, shown_w in images:
        assert complete == 1 and nw > 0 and nh > 0  # decoded
        assert (w, h) != (0, 0) and shown_w > 100  # laid out at a visible size
    total = f"{n_reports}/{n_reports}"
    assert attrs["initial"] == total and attrs["reset"] == total
    year, count = attrs["year"].split(":")
    assert year and count != total and count.split("/")[0] == count.split("/")[1]
    assert attrs["check"] == "1/1"  # only chromium_typical_three_line has a row placed by position
    assert attrs["agency"] == "1/1"  # 郑州市金水区城市管理局 (broken_arithmetic)
    assert attrs["none"] == "0/0"
    # The button answered: copied, or (no clipboard at all) the line shown in a box to copy by hand.
    assert attrs["copied"] in ("copied", "box:" + attrs["line"]), attrs["copied"]


def test_screenshot_shows_the_page(page, tmp_path):
    from PIL import Image

    shot = tmp_path / "review.png"
    proc = _run(["--window-size=1400,3000", f"--screenshot={shot}", page.as_uri()], tmp_path / "profile")
    assert proc.returncode == 0 and shot.is_file(), proc.stderr[-2000:]
    keep = os.environ.get("EXTRACTOR_REVIEW_SCREENSHOT")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / "review.png")
    img = Image.open(shot).convert("RGB").resize((350, 750))
    pixels = list(img.getdata())
    assert len(set(pixels)) > 150
    # The failing-equation red and the flagged orange are on screen.
    for rgb in ((0xfd, 0xe2, 0xe2), (0xdc, 0x26, 0x26)):
        assert any(sum(abs(a - b) for a, b in zip(rgb, c)) < 40 for c in set(pixels)), rgb
