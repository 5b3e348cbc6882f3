"""The Playground in a real browser: headless Chromium (Debian's `chromium`) opens the page,
picks the spiral, presses play, and the page itself shows the test loss falling and the heat map
changing; a refused setting shows its message on the page while training goes on. Skips when no
Chromium is installed. NERVE_PLAYGROUND_SCREENSHOT=path also saves the trained page there (the
README's docs/images/playground.png comes from it)."""

import os
import threading

import numpy as np
import pytest

from nerve import playground

from _devtools import Browser, find_chromium

pytestmark = pytest.mark.skipif(
    find_chromium() is None,
    reason="no chromium on PATH (Debian: apt-get install chromium); the browser test needs it",
)

# The heat map's colours as a coarse grid of blue-minus-orange values, read from the canvas.
HEAT = """(() => {
  const c = document.getElementById('heatmap'), d = c.getContext('2d')
    .getImageData(0, 0, c.width, c.height).data, out = [];
  for (let y = 5; y < c.height; y += 10) for (let x = 5; x < c.width; x += 10) {
    const i = (y * c.width + x) * 4; out.push(d[i + 2] - d[i]);
  }
  return out;
})()"""


@pytest.fixture
def server():
    srv = playground.serve("127.0.0.1", 0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def click(page, selector):
    page.evaluate(f"document.querySelector({selector!r}).click()")


def settle(page):
    """Waits until the page has no settings request in flight and shows the server's state."""
    page.wait_for("typeof busy !== 'undefined' && !busy && state !== null")


def test_spiral_learns_in_the_browser(server, tmp_path):
    with Browser(server.url) as page:
        page.wait_for("document.querySelectorAll('#datasets button').length === 6")
        settle(page)
        click(page, '[data-dataset="spiral"]')
        page.wait_for(
            "document.querySelector('[data-dataset=\"spiral\"]').className === 'selected'"
        )
        # Give the network what a spiral needs: the sine features and two layers of 8.
        for feature in ("sin(x1)", "sin(x2)"):
            click(page, f'.node.feature[data-feature="{feature}"]')
            page.wait_for(f"state.settings.features.includes({feature!r})")
        for layer in (0, 1):
            for _ in range(8 - (4, 2)[layer]):
                click(page, f'.layer-buttons button[data-layer="{layer}"][data-delta="1"]')
                settle(page)
        assert page.evaluate("state.settings.hidden") == [8, 8]
        assert page.evaluate("document.querySelectorAll('.node[data-neuron]').length") == 16
        assert page.evaluate("document.querySelectorAll('#links path').length") == 4 * 8 + 64 + 8

        loss0 = float(page.evaluate("document.getElementById('test-loss').textContent"))
        heat0 = np.array(page.evaluate(HEAT))
        click(page, "#play")
        page.wait_for("frame.epoch >= 300", timeout=60)
        click(page, "#play")  # pause
        page.wait_for("!playing")
        loss1 = float(page.evaluate("document.getElementById('test-loss').textContent"))
        heat1 = np.array(page.evaluate(HEAT))
        assert loss1 < 0.7 * loss0, (loss0, loss1)
        # The heat map changed: many cells moved, and it now holds both classes' colours.
        assert np.mean(np.abs(heat1 - heat0) > 30) > 0.2
        assert (heat1 > 40).mean() > 0.1 and (heat1 < -40).mean() > 0.1
        # Losses were drawn as a curve, and the per-neuron maps are not blank.
        assert page.evaluate("frame.history.length") > 2
        spreads = page.evaluate(
            "Array.from(document.querySelectorAll('.node[data-neuron] canvas')).map((c) => {"
            " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
            " let lo = 255, hi = 0; for (let i = 2; i < d.length; i += 4) {"
            " lo = Math.min(lo, d[i]); hi = Math.max(hi, d[i]); } return hi - lo; })"
        )
        assert len(spreads) == 16 and sum(s > 20 for s in spreads) >= 8, spreads
        shot = tmp_path / "playground.png"
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(shot)
        assert shot.stat().st_size > 20_000
        target = os.environ.get("NERVE_PLAYGROUND_SCREENSHOT")
        if target:
            page.screenshot(target)
        # Refused settings: the message shows on the page, the controls and the network stay as
        # they were, and the server goes on serving.
        click(page, "#play")
        page.evaluate(
            "(() => { const e = document.getElementById('learning_rate'); e.value = '0';"
            " e.dispatchEvent(new Event('change')); })()"
        )
        message = page.wait_for(
            "!document.getElementById('message').hidden && "
            "document.getElementById('message').textContent"
        )
        assert "learning rate 0" in message
        assert page.evaluate("document.getElementById('learning_rate').value") == "0.03"
        epoch = page.evaluate("frame.epoch")
        page.wait_for(f"frame.epoch > {epoch}")
        click(page, "#play")  # pause
        page.wait_for("!playing")
        page.evaluate("document.getElementById('message').hidden = true")
        for _ in range(8):  # 8 neurons to 1, then to 0: refused
            click(page, '.layer-buttons button[data-layer="1"][data-delta="-1"]')
            settle(page)
        message = page.evaluate("document.getElementById('message').textContent")
        assert "hidden layer 2 has 0 neurons" in message
        assert page.evaluate("state.settings.hidden") == [8, 1]
        assert page.evaluate("document.querySelectorAll('.node[data-layer=\"1\"]').length") == 1
        epoch = page.evaluate("frame.epoch")
        click(page, "#step")
        page.wait_for(f"frame.epoch === {epoch + 1}")
