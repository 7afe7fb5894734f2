"""Several `policytag serve` processes (hosts) on one PostgreSQL: shared labels, one training at a time, a
promotion served by all, a host killed during training, and the database stopped under load."""
from __future__ import annotations

import os
import signal
import threading
from contextlib import ExitStack
from pathlib import Path

import pytest

from service.cli import main
from tests.conftest import SEEDS
from tests.live import PROCESSES, call, live_server
from tests.pg_cluster import running_cluster
from tests.waiting import wait_until
from training.workspace import Workspace

pytestmark = pytest.mark.slow
TOKEN = "tok-cluster-1"
TEXT = "推进高标准农田建设，促进农民增收。"


@pytest.fixture()
def own_cluster():
    """A PostgreSQL server of this test's own (the test stops and starts it)."""
    with running_cluster() as cluster:
        yield cluster


def shared_database(runner, trained_home: Path, url: str) -> str:
    result = runner.invoke(main, ["db", "copy", "--from", str(trained_home), "--to", url])
    assert result.exit_code == 0, result.output
    return url


def hosts(stack: ExitStack, tmp_path: Path, url: str, n: int) -> list[str]:
    """`n` servers (one worker each), each with a data directory of its own and the shared database."""
    env = {"POLICYTAG_DATABASE_URL": url, "POLICYTAG_RELOAD_CHECK_SECONDS": "0.2", "POLICYTAG_STORE_TIMEOUT_SECONDS": "1"}
    for i in range(n):
        (tmp_path / f"host{i}").mkdir()
    return [stack.enter_context(live_server(tmp_path / f"host{i}" / "home", SEEDS, token=TOKEN, workers=1, env=env))
            for i in range(n)]


def served(base: str) -> str:
    status, body = call(f"{base}/v1/tag", {"text": TEXT})
    assert status == 200, body
    return body["model"]["version"]


def wait_for(predicate, timeout: float = 20.0):
    return wait_until(predicate, timeout, interval=0.1)  # each check is an HTTP request to a host


def answered(answers: list[tuple[str, int, dict]], start: int) -> set[tuple[str, int]]:
    """The (path, status) pairs among `answers` from index `start` on."""
    return {(path, status) for path, status, _ in answers[start:]}


def kill_tree(pid: int) -> None:
    """kill -9 a process and every process below it (a host going away)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry))
    todo, found = [pid], []
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children.get(current, [])
    for each in found:
        try:
            os.kill(each, signal.SIGKILL)
        except ProcessLookupError:
            pass


def finished(base: str, job: str) -> dict:
    return wait_for(lambda: (j := call(f"{base}/v1/jobs/{job}", token=TOKEN)[1])["status"] in ("succeeded", "failed")
                    and j,
                    timeout=240)


def test_three_hosts_share_labels_training_and_promotions(runner, trained_home, tmp_path, database_url):
    url = shared_database(runner, trained_home, database_url)
    with ExitStack() as stack:
        a, b, c = hosts(stack, tmp_path, url, 3)
        # Labels written through one host are seen by all.
        status, body = call(f"{a}/v1/examples", {"examples": [{"text": TEXT, "labels": ["rural"]}]}, token=TOKEN)
        assert (status, body) == (201, {"added": 1, "updated": 0, "total": 1})
        for other in (b, c):
            status, body = call(f"{other}/v1/examples", {"examples": [{"text": TEXT, "labels": ["rural"]}]},
                                token=TOKEN)
            assert status == 201 and body["added"] == 0 and body["updated"] == 1 and body["total"] == 1
        assert call(f"{b}/v1/pool", {"texts": ["加强农村基础设施建设。"]}, token=TOKEN)[0] == 201
        assert {call(f"{h}/v1/pool", token=TOKEN)[1]["pool_size"] for h in (a, b, c)} == {1}
        # A training started on one host cannot start again anywhere.
        status, body = call(f"{a}/v1/train", {"force": True}, token=TOKEN)
        assert status == 202, body
        assert [call(f"{h}/v1/train", {}, token=TOKEN)[0] for h in (a, b, c)] == [409, 409, 409]
        job = finished(c, body["job"])  # any host reports the job
        assert job["status"] == "succeeded" and job["version"] == "v2" and job["promoted"] is True, job
        # The promotion is served by every host within the reload interval.
        wait_for(lambda: all(served(h) == "v2" for h in (a, b, c)))
        assert call(f"{b}/v1/models/v1/promote", {}, token=TOKEN) == (200, {"current": "v1"})
        wait_for(lambda: all(served(h) == "v1" for h in (a, b, c)))

        # kill -9 a host while it trains: the job is reported failed, and another host can train.
        status, body = call(f"{c}/v1/train", {}, token=TOKEN)
        assert status == 202
        jobs = Workspace(tmp_path / "observer", SEEDS, database=url).jobs
        pid = wait_for(lambda: jobs.pid(body["job"]))
        kill_tree(PROCESSES[c].pid)
        kill_tree(pid)
        job = wait_for(lambda: (j := call(f"{a}/v1/jobs/{body['job']}", token=TOKEN)[1])["status"] != "running" and j)
        assert job["status"] == "failed" and "ended without finishing" in job["error"]
        status, again = call(f"{a}/v1/train", {}, token=TOKEN)
        assert status == 202, again
        try:
            assert call(f"{b}/v1/train", {}, token=TOKEN)[0] == 409
        finally:
            survivor = wait_for(lambda: jobs.pid(again["job"]))
            kill_tree(survivor)  # its process runs in a session of its own: end it with the test
        assert served(a) == served(b) == "v1"


def test_stopping_postgresql_under_load_answers_tags_or_json_503_and_recovers(runner, trained_home, tmp_path,
                                                                             own_cluster):
    url = shared_database(runner, trained_home, own_cluster.database())
    with ExitStack() as stack:
        a, b = hosts(stack, tmp_path, url, 2)
        answers: list[tuple[str, int, dict]] = []
        stop = threading.Event()

        def hammer(base: str, path: str, body: object | None) -> None:
            while not stop.is_set():
                try:
                    status, answer = call(f"{base}{path}", body, token=TOKEN)
                except Exception as exc:  # noqa: BLE001 - not JSON, no answer: what this test counts
                    answers.append((path, -1, {"exception": repr(exc)}))
                    continue
                answers.append((path, status, answer))

        label = {"examples": [{"text": "加强农村基础设施建设。", "labels": ["rural"]}]}
        threads = [threading.Thread(target=hammer, args=(host, path, body)) for host in (a, b)
                   for path, body in (("/v1/tag", {"text": TEXT}), ("/v1/examples", label), ("/v1/models", None))]
        for thread in threads:
            thread.start()
        try:
            # Load first: every kind of request answered while the database is up.
            wait_for(lambda: answered(answers, 0) >= {("/v1/tag", 200), ("/v1/examples", 201), ("/v1/models", 200)})
            own_cluster.stop("immediate")
            wait_for(lambda: call(f"{a}/v1/health")[0] == 503 and call(f"{b}/v1/health")[0] == 503)
            health = call(f"{a}/v1/health")[1]
            assert health["degraded"] is True and health["model"]["version"] == "v1"
            # Load during the outage: tags still answered, writes and reads of the database refused with 503.
            stopped = len(answers)
            wait_for(lambda: answered(answers, stopped) >= {("/v1/tag", 200), ("/v1/examples", 503),
                                                            ("/v1/models", 503)})
            during = len(answers)
            own_cluster.resume()
            wait_for(lambda: call(f"{a}/v1/health")[0] == 200 and call(f"{b}/v1/health")[0] == 200, timeout=30)
            wait_for(lambda: call(f"{b}/v1/examples", label, token=TOKEN)[0] == 201, timeout=30)
        finally:
            stop.set()
            for thread in threads:
                thread.join()
    tags = [status for path, status, _ in answers if path == "/v1/tag"]
    writes = [(status, body) for path, status, body in answers if path == "/v1/examples"]
    assert tags and set(tags) == {200}, {s for s in tags}  # tagging never touches the database
    assert {status for status, _ in writes} <= {201, 503} and 503 in {status for status, _ in writes}
    assert all(body.get("ok") is False and body["status"] == 503 for status, body in writes if status == 503)
    reads = [(status, body) for path, status, body in answers if path == "/v1/models"]
    assert {status for status, _ in reads} <= {200, 503} and 503 in {status for status, _ in reads}
    assert all(body.get("ok") is False for status, body in reads if status == 503)
    assert during > 0
