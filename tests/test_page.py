"""The page as served (no browser): headers, bundled assets, package data, and the safety rules in its JS."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from service.page import ASSETS

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = sorted((ASSETS / "js").glob("*.js"))
# The hooks the page promises to tests outside this repository.
HOOKS = ["text-input", "tag-button", "file-input", "paragraph", "chip", "evidence", "doc-summary", "save-labels",
         "review-item", "audit-item", "model-version", "token-input",
         # the Corpus tab and the Tag tab's pool button
         "corpus-input", "corpus-heatmap", "corpus-cell", "corpus-group", "pool-add"]


def test_page_is_chinese_html_with_a_strict_content_security_policy(client):
    response = client.get("/")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert '<html lang="zh-CN">' in response.get_data(as_text=True)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_every_script_and_stylesheet_the_page_loads_is_served_from_the_package(client):
    html = client.get("/").get_data(as_text=True)
    wanted = set(re.findall(r'(?:src|href)="(/assets/[^"]+)"', html))
    for script in SCRIPTS:  # module imports: ./x.js next to the importer
        wanted |= {f"/assets/js/{name}" for name in re.findall(r'from "\./([\w.]+\.js)"', script.read_text("utf-8"))}
    assert "/assets/js/main.js" in wanted and "/assets/page.css" in wanted
    for url in sorted(wanted):
        response = client.get(url)
        assert response.status_code == 200, url
        expected = "text/css" if url.endswith(".css") else ("text/javascript", "application/javascript")
        assert response.mimetype in expected, f"{url} served as {response.mimetype}"


@pytest.mark.parametrize("url", ["/assets/../page.py", "/assets/%2e%2e/app.py", "/assets/nothing.js"])
def test_asset_urls_cannot_reach_outside_the_asset_folder(client, url):
    assert client.get(url).status_code == 404


def test_nothing_is_fetched_from_another_site():
    for path in [ASSETS / "index.html", ASSETS / "page.css", *SCRIPTS]:
        text = path.read_text("utf-8").replace("http://www.w3.org/2000/svg", "")  # a namespace name, not a fetch
        assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", text), path.name


def test_scripts_never_insert_data_as_html_or_keep_the_token_beyond_the_tab():
    for script in SCRIPTS:
        source = script.read_text("utf-8")
        for banned in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function",
                       "localStorage", "console.log"):
            assert banned not in source, f"{script.name} uses {banned}"
    # The token is read in one place and leaves only in the Authorization header.
    readers = [s.name for s in SCRIPTS if "sessionStorage.getItem(TOKEN_KEY)" in s.read_text("utf-8")]
    assert readers == ["api.js"]


def test_every_promised_test_hook_is_on_the_page():
    sources = "\n".join(p.read_text("utf-8") for p in [ASSETS / "index.html", *SCRIPTS])
    for hook in HOOKS:
        assert re.search(rf'data-testid="{hook}"|testid: "{hook}"', sources), hook
    # correct-<domain id> and correct-none are built from the served model's domains.
    assert 'labelToggles("correct"' in sources and "`${prefix}-${d.id}`" in sources and "`${prefix}-none`" in sources


def test_package_data_ships_every_asset():
    """A non-editable install must contain the page: pyproject's package-data globs cover every asset file."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    globs = config["tool"]["setuptools"]["package-data"]["service"]
    service = ASSETS.parent
    shipped = {p for pattern in globs for p in service.glob(pattern)}
    assets = {p for p in ASSETS.rglob("*") if p.is_file()}
    assert assets and assets <= shipped, sorted(str(p.relative_to(service)) for p in assets - shipped)
