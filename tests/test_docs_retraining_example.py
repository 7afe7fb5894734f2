"""The README's retraining example, run exactly as written (its curl commands, against the app)."""
from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from service.app import create_app
from tests.conftest import ROOT, SEEDS
from tests.waiting import wait_until

TOKEN = "readme-token"


def readme_commands() -> list[dict]:
    """Each curl command of the README's retraining block: method, path, headers, body and its comment."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Retraining with new labels"):]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    commands = []
    for chunk in re.split(r"\n(?=curl )", block.replace("\\\n", " ")):
        if not chunk.startswith("curl "):
            continue
        comment = chunk.rpartition("#")[2].strip() if "#" in chunk else ""  # the bodies hold no "#"
        words = shlex.split(chunk, comments=True)
        command = {"method": "GET", "headers": {}, "body": None, "comment": comment}
        for flag, value in zip(words, words[1:]):
            if flag == "-X":
                command["method"] = value
            elif flag == "-H":
                name, _, header = value.partition(": ")
                command["headers"][name] = header.replace("$TOKEN", TOKEN)
            elif flag == "-d":
                command["body"], command["method"] = value, "POST"
        command["path"] = next(w for w in words if w.startswith("localhost:8000")).removeprefix("localhost:8000")
        commands.append(command)
    return commands


def test_the_readme_block_is_parsed():
    commands = readme_commands()
    assert [(c["method"], c["path"]) for c in commands] == [
        ("POST", "/v1/domains"), ("POST", "/v1/examples"), ("POST", "/v1/train"), ("GET", "/v1/jobs/<job>"),
        ("POST", "/v1/tag"), ("POST", "/v1/models/v1/promote"), ("POST", "/v1/tag")]


@pytest.mark.slow
def test_readme_retraining_loop_works_as_written(trained_home: Path, tmp_path: Path):
    home = tmp_path / "home"
    shutil.copytree(trained_home, home)
    client = create_app({"TESTING": True, "HOME": str(home), "SEEDS": str(SEEDS), "API_TOKEN": TOKEN,
                         "RELOAD_CHECK_SECONDS": 0}).test_client()
    job_id = ""
    for command in readme_commands():
        path = command["path"].replace("<job>", job_id)
        data = command["body"].encode("utf-8") if command["body"] is not None else None
        response = client.open(path, method=command["method"], headers=command["headers"], data=data)
        body = response.get_json()
        assert response.status_code < 300, (path, body)
        if path == "/v1/train":
            job_id = body["job"]
        elif path.startswith("/v1/jobs/"):
            body = wait_until(lambda path=path, headers=command["headers"]: (
                (record := client.get(path, headers=headers).get_json())["status"] in ("succeeded", "failed")
                and record), 300, interval=0.5, what="the README's training job finishing")
            assert body["status"] == "succeeded" and body["version"] == "v2" and body["promoted"] is True, body
        elif path == "/v1/tag":
            # The comment after the command says what the README promises.
            tags = [t["domain"] for t in body["results"][0]["tags"]]
            expected_version = re.search(r'"version": "(v\d+)"', command["comment"]).group(1)
            assert body["model"]["version"] == expected_version, command["comment"]
            if "no tags" in command["comment"]:
                assert tags == []
            else:
                assert tags[:1] == [command["comment"].split("->")[1].split(",")[0].strip()], (tags, command)
