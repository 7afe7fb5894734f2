"""Where the CPU of one tag request goes inside the app: the Flask app called in-process, whole and in parts.

    python benchmarks/app_cost.py [--seconds 2] [--json]

It trains the default model into a temporary data directory and calls the WSGI app directly (no HTTP server,
no client) with the POST /v1/tag requests `benchmarks/load.py` sends (one sentence, a ~300-character
paragraph). Each row is CPU microseconds per request (process time, median of --repeats runs):
- `wsgi`: the whole app call, as a server thread makes it (environ in, body bytes out): `service.fastpath`;
- `wsgi_flask`: the same request through the Flask app alone (what the fast path saves);
- `wsgi_flask_without_<hook>`: that with one before/after-request hook taken out (what the hook costs);
- `wsgi_flask_token`: with READS_NEED_TOKEN on and the token sent (the fast path leaves those to Flask);
- the parts of the view, each on its own: reading and parsing the JSON body, validating it (pydantic),
  splitting within the budget, taking the tagging turn, tagging, building the result, encoding the response.
The server's own cost per request (gunicorn, the worker's loop, sockets) is `load.py`'s
server_cpu_us_per_request minus `wsgi`.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from load import HOST, SENTENCES, paragraph  # noqa: E402

TOKEN = "app-cost-token"


def environ(text: str, token: bool = False) -> dict[str, Any]:
    body = json.dumps({"text": text}, ensure_ascii=False).encode("utf-8")
    env = {"REQUEST_METHOD": "POST", "PATH_INFO": "/v1/tag", "QUERY_STRING": "", "SERVER_NAME": HOST,
           "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": HOST, "HTTP_HOST": f"{HOST}:8000",
           "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)), "wsgi.version": (1, 0),
           "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr,
           "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False}
    if token:
        env["HTTP_AUTHORIZATION"] = f"Bearer {TOKEN}"
    return env


def call(app: Any, env: dict[str, Any]) -> bytes:
    env["wsgi.input"].seek(0)
    status: list[str] = []
    out = app(env, lambda s, h, e=None: status.append(s))
    data = b"".join(out)
    if hasattr(out, "close"):
        out.close()
    if not status or not status[0].startswith("200"):
        raise SystemExit(f"the app answered {status} {data[:300]!r}")
    return data


def per_call_us(rows: dict[str, Callable[[], object]], seconds: float, repeats: int,
                setups: dict[str, Callable[[], Callable[[], None]]] | None = None) -> dict[str, float]:
    """CPU microseconds per call of each function in `rows`: the median of `repeats` slices each, the rows
    taking turns slice by slice (so other work on the machine weighs on every row alike). `setups[name]()`
    runs before that row's slice and returns what undoes it."""
    times: dict[str, list[float]] = {name: [] for name in rows}
    for _ in range(repeats):
        for name, fn in rows.items():
            undo = (setups or {}).get(name, lambda: (lambda: None))()
            done, cpu, wall = 0, time.process_time(), time.perf_counter()
            while time.perf_counter() - wall < seconds / repeats:
                fn()
                done += 1
            times[name].append((time.process_time() - cpu) / done * 1e6)
            undo()
    return {name: round(statistics.median(values), 1) for name, values in times.items()}


def without_hook(app: Any, name: str) -> Callable[[], Callable[[], None]]:
    """A setup that takes the before/after-request hook called `name` out of `app` (and puts it back)."""
    def setup() -> Callable[[], None]:
        for table in (app.before_request_funcs, app.after_request_funcs):
            funcs = table.get(None, [])
            for i, f in enumerate(funcs):
                if f.__name__ == name:
                    del funcs[i]
                    return lambda: funcs.insert(i, f)
        raise SystemExit(f"no hook {name!r}")
    return setup


def _rows(app: Any, app_token: Any, tagger: Any, names: dict[str, str], version: str | None, text: str,
          seconds: float, repeats: int) -> dict[str, float]:
    """The table's column for one request text."""
    from flask import json as flask_json

    from model.tagging import tag_units
    from service.budget import Deadline, split_within_budget
    from service.request_body import tag_request
    from service.tag_requests import result_row
    from service.turns import tagging_turn

    env, env_token = environ(text), environ(text, token=True)
    for _ in range(50):
        call(app, env)
    body = json.dumps({"text": text}, ensure_ascii=False).encode("utf-8")
    with app.test_request_context("/v1/tag", method="POST", data=body, content_type="application/json",
                                  headers={"Host": f"{HOST}:8000"}):
        parsed = json.loads(body)
        texts, options = tag_request(parsed)
        (units, skipped), = split_within_budget(texts, options.explain, app.config, Deadline(10.0))
        document, paragraphs = tag_units(tagger, units, None, False, text)
        payload = {"model": {"version": version}, "results": [result_row(document, paragraphs, skipped, names, False)]}

        def turn() -> None:
            with tagging_turn(Deadline(10.0)):
                pass

        flask = app.wsgi_app.flask_wsgi  # the Flask app alone, without service.fastpath in front

        def through_flask() -> bytes:
            return call(lambda e, s: flask(e, s), env)

        rows: dict[str, Callable[[], object]] = {
            "wsgi": lambda: call(app, env),
            "wsgi_flask": through_flask,
            "wsgi_flask_without_headers": through_flask,
            "wsgi_flask_without_check_host": through_flask,
            "wsgi_flask_token": lambda: call(app_token, env_token),
            "json_loads": lambda: json.loads(body.decode("utf-8")),
            "validate": lambda: tag_request(parsed),
            "split_budget": lambda: split_within_budget(texts, options.explain, app.config, Deadline(10.0)),
            "turn": turn,
            "tag_document": lambda: tag_units(tagger, units, None, False, text),
            "tag_result": lambda: result_row(document, paragraphs, skipped, names, False),
            "json_encode": lambda: flask_json.dumps(payload),
            "jsonify": lambda: app.json.response(payload),
        }
        setups = {"wsgi_flask_without_headers": without_hook(app, "_headers"),
                  "wsgi_flask_without_check_host": without_hook(app, "_check_host")}
        return per_call_us(rows, seconds, repeats, setups)


def measure(home: Path, seconds: float, repeats: int) -> dict[str, dict[str, float]]:
    from service.app import create_app
    from service.context import MODEL_EXTENSION

    app = create_app({"HOME": str(home), "SEEDS": str(ROOT / "seeds"), "API_TOKEN": TOKEN})
    app_token = create_app({"HOME": str(home), "SEEDS": str(ROOT / "seeds"), "API_TOKEN": TOKEN,
                            "READS_NEED_TOKEN": True})
    served = app.extensions[MODEL_EXTENSION].served()
    table: dict[str, dict[str, float]] = {}
    for label, text in (("sentence", SENTENCES[0]), ("paragraph", paragraph(0))):
        table[label] = _rows(app, app_token, served.tagger, served.names, served.version, text, seconds, repeats)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="time spent on each row")
    parser.add_argument("--repeats", type=int, default=9, help="slices per row (the median is reported)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    if not (0 < args.seconds <= 60 and 1 <= args.repeats <= 50):
        parser.error("--seconds up to 60 and --repeats 1-50 keep the run bounded")
    from training.learning.run import run_training

    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="policytag-app-cost-") as tmp:
        home = Path(tmp) / "home"
        print("training the default model ...", file=sys.stderr, flush=True)
        run_training(home, ROOT / "seeds", cv=0)
        table = measure(home, args.seconds, args.repeats)
    report = {"cpu_us_per_request": table, "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)]}
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"CPU us per request (median of {args.repeats}); load average {report['load_average']}")
    print(f"{'part':<24}{'sentence':>10}{'paragraph':>11}")
    for key in table["sentence"]:
        print(f"{key:<24}{table['sentence'][key]:>10}{table['paragraph'][key]:>11}")


if __name__ == "__main__":
    main()
