"""`policytag serve` for real: a production server on 127.0.0.1 that trains a model on first run."""
from __future__ import annotations

import pytest

from tests.conftest import SEEDS
from tests.live import call, live_server


@pytest.mark.slow
def test_serve_trains_a_default_model_then_tags_over_http(tmp_path):
    home = tmp_path / "home"
    with live_server(home, SEEDS) as base:
        assert (home / "models" / "v1" / "manifest.json").is_file()
        status, body = call(f"{base}/v1/tag", {"text": "加快关键核心技术攻关，推动科技成果转化。"})
        assert status == 200 and body["results"][0]["tags"][0]["domain"] == "innovation"
        status, body = call(f"{base}/v1/tag", {"text": ""})
        assert status == 400 and body["ok"] is False
        status, body = call(f"{base}/v1/nowhere")
        assert status == 404 and body["status"] == 404
        # no POLICYTAG_API_TOKEN: serve generated one, so writes are closed to anyone without it
        status, body = call(f"{base}/v1/models/v1/promote", {}, token="guess")
        assert status == 403
