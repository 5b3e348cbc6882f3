"""nerve.playground without a browser: the data sets and features, the training session (the
loss falls on XOR and the circle; bad settings are refused and change nothing) and the HTTP API
(the page and its assets come from the package; a refused request leaves the server serving)."""

import base64
import json
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from nerve import playground
from nerve.playground import Session, SettingsError, datasets
from nerve.playground.session import RESOLUTION


@pytest.mark.parametrize("name", datasets.DATASETS)
def test_datasets_are_seeded_and_in_the_plane(name):
    pts, labels = playground.generate(name, 200, noise=10, seed=3)
    assert pts.shape == (200, 2) and labels.shape == (200,)
    assert pts.dtype == np.float32 and labels.dtype == np.float32
    again, _ = playground.generate(name, 200, noise=10, seed=3)
    other, _ = playground.generate(name, 200, noise=10, seed=4)
    assert np.array_equal(pts, again) and not np.array_equal(pts, other)
    assert np.abs(pts).max() < 2 * datasets.EXTENT
    if datasets.is_regression(name):
        assert labels.min() >= -1 and labels.max() <= 1 and labels.std() > 0.1
    else:
        assert set(np.unique(labels)) == {0.0, 1.0}
        assert 0.4 < labels.mean() < 0.6


def test_datasets_have_their_shapes():
    pts, labels = playground.generate("xor", 400)
    assert np.all((pts[:, 0] * pts[:, 1] >= 0) == (labels == 1))
    pts, labels = playground.generate("circle", 400)
    r = np.hypot(pts[:, 0], pts[:, 1])
    assert r[labels == 1].max() < r[labels == 0].min()  # disc inside the ring, no noise
    pts, labels = playground.generate("gauss", 400)
    assert pts[labels == 1].mean(axis=0) == pytest.approx([2, 2], abs=0.3)
    pts, values = playground.generate("reg-plane", 400)
    assert np.allclose(values, (pts[:, 0] + pts[:, 1]) / 12, atol=1e-6)


def test_split_and_bad_dataset_arguments():
    pts, labels = playground.generate("spiral", 100)
    (xa, ya), (xb, yb) = playground.split(pts, labels, 70)
    assert len(xa) == len(ya) == 70 and len(xb) == len(yb) == 30
    with pytest.raises(ValueError, match="unknown data set 'moons'.*circle"):
        playground.generate("moons")
    with pytest.raises(ValueError, match="noise must be .* 0 to 50"):
        playground.generate("xor", noise=80)
    with pytest.raises(ValueError, match="strictly between 0 and 100"):
        playground.split(pts, labels, 100)


def test_features():
    pts = np.array([[1.0, 2.0], [-3.0, 0.5]], np.float32)
    m = playground.feature_matrix(pts, list(playground.FEATURES))
    expected = [
        [1, 2, 1, 4, 2, np.sin(1), np.sin(2)],
        [-3, 0.5, 9, 0.25, -1.5, np.sin(-3), np.sin(0.5)],
    ]
    np.testing.assert_allclose(m, expected, rtol=1e-6)
    with pytest.raises(ValueError, match="at least one input feature"):
        playground.feature_matrix(pts, [])
    with pytest.raises(ValueError, match="unknown input feature 'x3'"):
        playground.feature_matrix(pts, ["x1", "x3"])


@pytest.mark.parametrize(
    "settings",
    [
        {"dataset": "xor", "features": ["x1", "x2"], "hidden": [8], "learning_rate": 0.1},
        {"dataset": "circle", "features": ["x1", "x2"], "hidden": [6], "learning_rate": 0.1},
        {"dataset": "xor", "features": ["x1x2"], "hidden": [], "learning_rate": 0.3},
        {"dataset": "reg-plane", "features": ["x1", "x2"], "hidden": [3], "learning_rate": 0.03},
    ],
)
def test_training_lowers_the_loss(settings):
    s = Session(settings)
    train0, test0 = s.losses()
    s.train(60)
    train1, test1 = s.losses()
    assert s.epoch == 60
    assert train1 < 0.5 * train0 and test1 < 0.5 * test0, (train0, test0, train1, test1)
    if not s.regression:  # most test points on the right side of the boundary
        out = s._outputs()[-1][RESOLUTION**2 + len(s.y_train) :, 0]
        assert np.mean((out > 0.5) == (s.y_test > 0.5)) > 0.9


def test_train_for_runs_many_epochs_quickly():
    s = Session({"dataset": "xor", "hidden": [4, 2]})
    s.train_for(0.3)
    # 25 steps an epoch, several epochs per fit call: hundreds of steps in 0.3 s even on a busy
    # machine (tens of thousands a second on a quiet one).
    assert s.epoch >= 8
    assert s.frame()["steps_per_second"] > 500


def test_frame_holds_what_the_page_draws():
    s = Session({"dataset": "spiral", "features": ["x1", "x2", "sin(x1)"], "hidden": [5, 3]})
    s.train(2)
    f = s.frame()
    json.dumps(f, allow_nan=False)
    out = np.frombuffer(base64.b64decode(f["output"]), np.uint8)
    assert out.size == RESOLUTION**2 and out.std() > 0
    assert [len(layer) for layer in f["neurons"]] == [5, 3]
    assert len(base64.b64decode(f["neurons"][0][0])) == f["neuron_resolution"] ** 2
    weights = [np.array(w) for w in f["weights"]]
    assert [w.shape for w in weights] == [(3, 5), (5, 3), (3, 1)]
    np.testing.assert_allclose(weights[1], s.model.layers[2].get_weights()[0], atol=1e-4)
    assert f["history"][-1][0] == 2
    # The output map at a cell is the model's prediction there (row 0 at the top, x2 high).
    grid = playground.session.plane_grid()
    p = s.model.predict(playground.feature_matrix(grid[[0, -1]], s.settings["features"]), verbose=0)
    b = out.reshape(RESOLUTION, RESOLUTION)
    assert abs(b[0, 0] / 127.5 - 1 - (2 * p[0, 0] - 1)) < 0.01
    assert abs(b[-1, -1] / 127.5 - 1 - (2 * p[1, 0] - 1)) < 0.01


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"hidden": [4, 0]}, "hidden layer 2 has 0 neurons: a layer needs at least one neuron"),
        ({"learning_rate": 0}, "learning rate 0"),
        ({"learning_rate": -1}, "learning rate must be a number above 0"),
        ({"learning_rate": "fast"}, "learning rate must be a number"),
        ({"dataset": "moons"}, "unknown data set 'moons'"),
        ({"features": []}, "at least one input feature"),
        ({"activation": "gelu"}, "unknown activation 'gelu'"),
        ({"batch_size": 0}, "batch size must be a whole number from 1"),
        ({"hidden": [9]}, "at most 8"),
        ({"colour": "red"}, "unknown setting"),
    ],
)
def test_bad_settings_are_refused_and_change_nothing(changes, message):
    s = Session({"dataset": "xor"})
    s.train(3)
    before = (dict(s.settings), s.epoch, s.model)
    with pytest.raises(SettingsError, match=message):
        s.configure(changes)
    assert (s.settings, s.epoch, s.model) == before


def test_live_settings_keep_the_network_and_others_reset_it():
    s = Session({"dataset": "xor"})
    s.train(3)
    model = s.model
    s.configure({"learning_rate": 0.3, "batch_size": 5})
    assert s.model is model and s.epoch == 3
    assert s.model.optimizer.learning_rate == pytest.approx(0.3)
    s.configure({"regularization": "L2", "regularization_rate": 0.01})
    assert s.model is not model and s.epoch == 0
    assert s.model.layers[1].kernel_regularizer.l2 == pytest.approx(0.01)


def test_divergence_is_reported_not_raised():
    s = Session({"dataset": "reg-plane", "features": ["x1^2", "x2^2"], "learning_rate": 100})
    s.train(50)
    assert s.error and "Lower the learning rate" in s.error
    assert s.frame()["error"] == s.error
    s.reset()
    assert s.error is None


# ---- the HTTP API ------------------------------------------------------------------------------


@pytest.fixture
def server():
    srv = playground.serve("127.0.0.1", 0, {"dataset": "xor"})
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def call(srv, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(srv.url.rstrip("/") + path, data=data)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status, r.headers.get("Content-Type"), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read()


def test_server_serves_the_page_from_the_package(server):
    assert server.server_address[0] == "127.0.0.1"
    status, kind, body = call(server, "/")
    assert status == 200 and kind.startswith("text/html")
    page = body.decode()
    for asset in ("/static/app.js", "/static/style.css"):
        assert asset in page
        status, _, content = call(server, asset)
        assert status == 200 and content
    # Nothing from elsewhere: every src/href is local.
    static = Path(playground.__file__).parent / "static"
    for f in static.iterdir():
        assert "http://" not in f.read_text().replace("http://www.w3.org/2000/svg", "")
        assert "https://" not in f.read_text()
    assert call(server, "/static/../session.py")[0] == 404
    assert call(server, "/static/%2e%2e/session.py")[0] == 404


def test_server_api_trains_and_refuses_bad_settings(server):
    status, _, body = call(server, "/api/state")
    state = json.loads(body)
    assert status == 200 and state["settings"]["dataset"] == "xor"
    assert len(state["train"]) + len(state["test"]) == state["settings"]["n_points"]
    loss0 = state["frame"]["test_loss"]
    status, _, body = call(server, "/api/train", {"ms": 200})
    frame = json.loads(body)
    assert status == 200 and frame["epoch"] > 0 and frame["test_loss"] < loss0
    status, _, body = call(server, "/api/config", {"hidden": [0]})
    assert status == 400 and "a layer needs at least one neuron" in json.loads(body)["error"]
    status, _, body = call(server, "/api/config", {"learning_rate": 0})
    assert status == 400 and "learning rate 0" in json.loads(body)["error"]
    status, _, body = call(server, "/api/config", {"dataset": "moons"})
    assert status == 400 and "unknown data set" in json.loads(body)["error"]
    assert call(server, "/api/train", b"not json".decode())[0] == 400
    assert call(server, "/api/nothing", {})[0] == 404
    # Still serving, with the settings it had.
    status, _, body = call(server, "/api/step", {})
    assert status == 200 and json.loads(body)["epoch"] == frame["epoch"] + 1
    status, _, body = call(server, "/api/config", {"dataset": "spiral", "hidden": [8, 8]})
    state = json.loads(body)
    assert status == 200 and state["settings"]["hidden"] == [8, 8]
    assert state["frame"]["epoch"] == 0
    status, _, body = call(server, "/api/reset", {})
    assert status == 200 and json.loads(body)["settings"]["dataset"] == "spiral"


def test_playground_does_not_import_matplotlib():
    code = "import sys, nerve.playground; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_main_prints_its_address(tmp_path):
    # `python -m nerve.playground --port 0` serves until stopped; read its first line, then stop.
    proc = subprocess.Popen(
        [sys.executable, "-m", "nerve.playground", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("nerve playground: http://127.0.0.1:")
        url = line.split()[2]
        with urllib.request.urlopen(url + "api/options", timeout=20) as r:
            assert "spiral" in json.loads(r.read())["datasets"]
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_overflowing_outputs_are_reported_and_the_frame_stays_json():
    s = Session({"dataset": "reg-plane", "activation": "linear", "hidden": [2]})
    s.model.set_weights([np.full_like(w, 1e30) for w in s.model.get_weights()])
    s._frame_outputs = None
    f = s.frame()
    json.dumps(f, allow_nan=False)
    assert f["test_loss"] is None and "overflowed" in f["error"]
