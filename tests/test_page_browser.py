"""The analyst's page in a real browser (Debian's chromium driven by Playwright): what an analyst sees and does.

Endpoints the page needs that this build does not have yet (review queue, audit, version report) are answered
by stubs that follow the page/API contract, so the page's own behaviour is still tested; with the
real endpoints present, the same tests run against them and also check the store. Screenshots of each state
go to $POLICYTAG_SCREENSHOTS (default: a temporary folder); the folder is printed at the end of the run.
"""
from __future__ import annotations

import csv
import importlib.util
import io
import json
import time
from pathlib import Path

import pytest

from service.openapi import spec
from tests.conftest import CHROMIUM, TOKEN
from training.data.store import ExampleStore
from training.learning.run import run_training
from training.ops.registry import Registry
from training.paths import store_path

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                                 "(apt-get install -y chromium fonts-noto-cjk; .ci/run does this)")]
if importlib.util.find_spec("playwright") is None:
    pytest.skip("pip install -e '.[test]' installs playwright", allow_module_level=True)


def expect(target, *args, **kwargs):
    """playwright's `expect`, imported when a test first asserts: `-m "not slow"` collects this module too and
    does not need playwright loaded."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target, *args, **kwargs)

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
ROUTES = set(spec()["paths"])  # the API describes exactly its routes (tests/test_api.py checks that)

INNOVATION = "加快关键核心技术攻关，推动科技成果转化，培育壮大高新技术企业。"
RURAL = "推进高标准农田建设，促进农民持续增收，扎实推进宜居宜业和美乡村建设。"
CONSUMPTION = "大力提振消费，扩大服务消费，推动以旧换新，培育新型消费业态。"
# Tagged with no domain by the seed model; one correction labelled "consumption" and a retrain flip it.
TO_CORRECT = "加强文物系统性保护和合理利用，推动文化和旅游深度融合。"


# -- server, browser, page and screenshots: fixtures in tests/conftest.py ----------------------------------------
def snap(page, shots: Path, name: str) -> None:
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)


def tag_text(page, text: str) -> None:
    page.get_by_test_id("text-input").fill(text)
    page.get_by_test_id("tag-button").click()
    expect(page.locator("#tag-status")).to_contain_text("已标注")
    wait_for(page, "document.getElementById('tag-results').dataset.explained === 'true'")  # the evidence is in


def wait_for(page, condition: str, timeout: float = 60.0) -> None:
    """Poll a JavaScript condition. (expect() on a page of hundreds of cards is slow: every failed poll reads
    the whole page's accessibility tree; the page's CSP forbids wait_for_function's eval.)"""
    deadline = time.monotonic() + timeout
    while not page.evaluate(f"() => Boolean({condition})"):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g} s waiting for {condition}")
        page.wait_for_timeout(100)


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def enter_token(page) -> None:
    """Answer the token dialog the first write opens."""
    expect(page.get_by_test_id("token-input")).to_be_visible()
    page.get_by_test_id("token-input").fill(TOKEN)
    page.get_by_test_id("token-input").press("Enter")


def stub(page, pattern: str, get_body: dict, post_status: int, post_body: dict, posted: list) -> None:
    """Answer `pattern` as the contract says (GET -> get_body; POST checks the token, records its JSON)."""
    def handle(route, request):
        if request.method == "GET":
            return route.fulfill(status=200, json=get_body)
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return route.fulfill(status=401, json={"ok": False, "error": "needs the token", "status": 401})
        posted.append(request.post_data_json)
        return route.fulfill(status=post_status, json=post_body)
    page.route(pattern, handle)


# -- Tag -------------------------------------------------------------------------------------------------------
def test_paste_shows_paragraphs_chips_evidence_and_summary(page, shots):
    tag_text(page, "\n".join([INNOVATION, RURAL, CONSUMPTION]))
    paragraphs = page.get_by_test_id("paragraph")
    expect(paragraphs).to_have_count(3)
    for card, domain in zip(paragraphs.all(), ["innovation", "rural", "consumption"]):
        expect(card.get_by_test_id("chip")).to_have_attribute("data-domain", domain)
        # Each tag's evidence: highlighted words of that paragraph, shown in the domain's colour.
        evidence = card.locator(f'[data-testid="evidence"][data-domain~="{domain}"]')
        assert evidence.count() >= 1
        text = card.locator(".text").inner_text()
        assert all(e.inner_text() in text for e in evidence.all())
    expect(page.get_by_test_id("chip").first).to_contain_text("科技创新")
    expect(page.get_by_test_id("chip").first).to_contain_text("innovation")
    summary = page.get_by_test_id("doc-summary")
    expect(summary).to_contain_text("共 3 段")
    expect(summary).to_contain_text("乡村振兴 rural 1 段")
    assert summary.locator("svg rect").count() == 4  # one bar per domain and one for "none"
    snap(page, shots, "1-tag")


def test_evidence_is_found_in_the_normalised_text_and_marked_in_the_original(page):
    # The model sees NFKC + lower case: full-width "５Ｇ" is the term "5g"; the mark must cover "５Ｇ基站".
    ranges = page.evaluate("""async () => {
        const { evidenceRanges } = await import("/assets/js/evidence.js");
        const text = "加快建设５Ｇ基站和数据中心。";
        const found = evidenceRanges(text, {innovation: [{term: "5g 基站", kind: "word", weight: 0.2},
                                                         {term: "数据", kind: "char", weight: 0.1},
                                                         {term: "数据 中心 $", kind: "word", weight: 0.1}]},
                                     ["innovation"]);
        return found.map((r) => text.slice(r.start, r.end));
    }""")
    assert ranges == ["５Ｇ基站", "数据中心"]  # char terms are not highlighted; ^/$ markers are dropped


def test_threshold_filter_and_export_work_on_what_is_shown(page, shots):
    tag_text(page, "\n".join([INNOVATION, RURAL, CONSUMPTION, "全面加强国防和军队建设，巩固军政军民团结。"]))
    expect(page.get_by_test_id("paragraph")).to_have_count(4)
    page.locator("#filter-domain").select_option("rural")
    expect(page.get_by_test_id("paragraph")).to_have_count(1)
    expect(page.get_by_test_id("paragraph")).to_contain_text("高标准农田")
    page.locator("#filter-domain").select_option("none")
    expect(page.get_by_test_id("paragraph")).to_have_count(1)
    expect(page.get_by_test_id("paragraph")).to_contain_text("国防")
    page.locator("#filter-domain").select_option("")
    # The slider re-filters on the client from the returned scores: at each threshold the chips are exactly
    # the domains scoring at least that much (paragraphs with Chinese text).
    texts = [INNOVATION, RURAL, CONSUMPTION, "全面加强国防和军队建设，巩固军政军民团结。"]
    scores = [p["scores"] for p in page.request.post(page.base + "/v1/tag", data={"text": "\n".join(texts)}).json()
              ["results"][0]["paragraphs"]]
    for threshold in ("0.95", "0.05"):
        page.locator("#threshold").fill(threshold)
        expect(page.locator("#threshold-value")).to_have_text(threshold)  # rendered with the new threshold
        expected = sum(score >= float(threshold) for row in scores for score in row.values())
        expect(page.get_by_test_id("chip")).to_have_count(expected)
    page.locator("#threshold-reset").click()
    expect(page.get_by_test_id("chip")).to_have_count(3)
    page.locator("#filter-domain").select_option("innovation")
    with page.expect_download() as download:
        page.locator("#export-csv").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert [(r["text"], r["tags"]) for r in rows] == [(INNOVATION, "innovation")]
    assert float(rows[0]["score_innovation"]) > 0.5
    page.locator("#filter-domain").select_option("")
    with page.expect_download() as download:
        page.locator("#export-jsonl").click()
    lines = [json.loads(x) for x in Path(download.value.path()).read_text(encoding="utf-8").splitlines()]
    assert [x["tags"] for x in lines] == [["innovation"], ["rural"], ["consumption"], []]
    snap(page, shots, "2-tag-filtered")


def test_text_that_looks_like_html_shows_as_text_and_runs_nothing(page, shots):
    hostile = ('<script>window.__xss = 1</script>扩大消费，推动以旧换新。'
               '<img src=x onerror="window.__xss = 2">培育新型消费业态。')
    tag_text(page, hostile)
    card = page.get_by_test_id("paragraph")
    expect(card).to_have_count(1)
    expect(card.locator(".text")).to_contain_text("<script>window.__xss = 1</script>")
    expect(card.locator(".text")).to_contain_text('<img src=x onerror="window.__xss = 2">')
    assert page.locator("#paragraphs script, #paragraphs img").count() == 0
    assert page.evaluate("window.__xss") is None
    response = page.request.get(page.base + "/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    snap(page, shots, "3-xss-as-text")


def test_upload_docx_shows_its_paragraphs(page, shots, tmp_path):
    import docx

    document = docx.Document()
    document.add_heading("关于推动高质量发展的实施意见", level=1)
    document.add_paragraph("一、加快科技创新")
    document.add_paragraph(INNOVATION)
    document.add_paragraph("二、全面推进乡村振兴")
    document.add_paragraph(RURAL)
    path = tmp_path / "意见.docx"
    document.save(path)
    page.get_by_test_id("file-input").set_input_files(str(path))
    expect(page.locator("#tag-status")).to_contain_text("已标注", timeout=30_000)
    texts = [p.locator(".text").inner_text() for p in page.get_by_test_id("paragraph").all()]
    assert INNOVATION in texts and RURAL in texts
    expect(page.get_by_test_id("doc-summary")).to_contain_text("意见.docx")
    snap(page, shots, "4-upload-docx")


def test_a_file_of_another_type_is_refused_with_a_plain_message(page, tmp_path):
    path = tmp_path / "表格.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    page.get_by_test_id("file-input").set_input_files(str(path))
    expect(page.locator("#tag-status")).to_contain_text("表格.xlsx：只能上传 .txt .md .docx .pdf .html")
    expect(page.get_by_test_id("paragraph")).to_have_count(0)


# -- Correct ---------------------------------------------------------------------------------------------------
def test_correct_grows_the_store_and_a_retrain_changes_the_tags(page, shots, home):
    store = ExampleStore(store_path(home))
    before = store.count()
    tag_text(page, TO_CORRECT)
    card = page.get_by_test_id("paragraph")
    expect(card.get_by_test_id("chip")).to_have_count(0)
    expect(card.get_by_test_id("correct-none")).to_have_attribute("aria-pressed", "true")
    card.get_by_test_id("correct-consumption").click()
    expect(card.get_by_test_id("correct-none")).to_have_attribute("aria-pressed", "false")
    card.get_by_test_id("save-labels").click()
    enter_token(page)  # asked once, on the first write
    expect(card).to_contain_text("已保存")
    assert store.count() == before + 1
    assert [list(e.labels) for e in store.current() if e.text == TO_CORRECT] == [["consumption"]]
    assert page.evaluate("sessionStorage.getItem('policytag.token')") == TOKEN
    open_tab(page, "纠正 Correct")
    expect(page.locator("#correct-log li")).to_have_count(1)
    snap(page, shots, "5-correct-log")

    open_tab(page, "模型 Model")
    expect(page.get_by_test_id("model-version")).to_have_text("v1")
    page.locator("#train-force").check()
    page.locator("#train-button").click()  # the token is not asked again
    expect(page.locator("#train-status")).to_contain_text("已通过把关并发布", timeout=240_000)
    expect(page.get_by_test_id("model-version")).to_have_text("v2")
    snap(page, shots, "6-model-trained")

    open_tab(page, "标注 Tag")
    page.get_by_test_id("tag-button").click()
    expect(page.locator("#tag-status")).to_contain_text("model v2")
    expect(page.get_by_test_id("chip")).to_have_attribute("data-domain", "consumption")


def test_a_wrong_token_is_explained_and_asked_again(page):
    tag_text(page, TO_CORRECT)
    card = page.get_by_test_id("paragraph")
    card.get_by_test_id("correct-rural").click()
    card.get_by_test_id("save-labels").click()
    page.get_by_test_id("token-input").fill("not-the-token")
    page.get_by_test_id("token-input").press("Enter")
    expect(page.locator("#token-dialog")).to_contain_text("403")  # asked again, saying why
    page.locator("#token-cancel").click()
    expect(card.locator(".status")).to_contain_text("令牌被拒绝")
    assert page.evaluate("sessionStorage.getItem('policytag.token')") is None


# -- Review queue ----------------------------------------------------------------------------------------------
REVIEW_TEXTS = ["发展县域特色产业，带动农民就地就近就业增收。",
                "推动数字技术与商贸流通融合，发展即时零售等新业态。",
                "支持科技型企业参与农业关键核心技术攻关。"]


def test_review_queue_is_driven_by_keys(page, shots, home):
    posted: list = []
    real = "/v1/review" in ROUTES
    if real:
        status = page.request.post(page.base + "/v1/pool", data={"texts": REVIEW_TEXTS},
                                   headers={"Authorization": f"Bearer {TOKEN}"}).status
        assert status == 201
        page.on("request", lambda r: posted.append(r.post_data_json)
                if r.method == "POST" and r.url.endswith("/v1/review") else None)
    else:
        items = [{"id": i + 1, "text": t, "source": "县里的材料.md", "heading": "三、重点任务",
                  "scores": {"rural": 0.31, "consumption": 0.27, "innovation": 0.2},
                  "tags": [{"domain": "rural", "name": "乡村振兴", "score": 0.31}],
                  "reason": "closest to rural's threshold"} for i, t in enumerate(REVIEW_TEXTS)]
        stub(page, "**/v1/review*", {"items": items, "pool_size": 3, "model": {"version": "v1"}},
             201, {"added": 1, "updated": 0, "pool_size": 2}, posted)
    open_tab(page, "复核 Review")
    if real:
        enter_token(page)  # the queue's paragraphs are labelled data: reading them needs the token
    item = page.get_by_test_id("review-item")
    expect(item).to_have_count(1)
    first = item.locator(".text").inner_text()
    snap(page, shots, "7-review")
    page.keyboard.press("0")  # none of these
    expect(item.get_by_test_id("review-none")).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("Enter")
    if not real:
        enter_token(page)  # asked on the first write
    expect(page.locator("#review-counter")).to_contain_text("已复核 reviewed 1")
    second = item.locator(".text").inner_text()
    assert second != first
    page.keyboard.press("s")
    expect(page.locator("#review-counter")).to_contain_text("跳过 skipped 1")
    # The model's tags come pre-selected; 0 clears them, then 2 picks the second domain (rural).
    page.keyboard.press("0")
    page.keyboard.press("2")
    expect(item.get_by_test_id("review-none")).to_have_attribute("aria-pressed", "false")
    expect(item.get_by_test_id("review-rural")).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("Enter")
    expect(page.locator("#review-counter")).to_contain_text("已复核 reviewed 2")
    sent = [p for p in posted if p]
    assert [p["labels"] for p in sent] == [[], ["rural"]]
    assert all(isinstance(p["id"], int) for p in sent)
    if real:
        pool = page.request.get(page.base + "/v1/pool", headers={"Authorization": f"Bearer {TOKEN}"}).json()
        assert pool["pool_size"] <= len(REVIEW_TEXTS) - 2


# -- Audit -----------------------------------------------------------------------------------------------------
def test_audit_accept(page, shots, home):
    posted: list = []
    real = "/v1/audit" in ROUTES
    if not real:
        items = [{"id": "seed:17", "text": "完善县域商业体系，畅通工业品下乡和农产品进城双向流通。", "labels": ["rural"],
                  "source": "theory_page_innovation_rural_consumption.md", "label_from": "全面推进乡村振兴",
                  "suggested": ["consumption"], "confidence": 0.81,
                  "probabilities": {"consumption": 0.81, "rural": 0.22, "innovation": 0.03},
                  "reason": "out-of-fold probability of rural 0.22; consumption 0.81"}]
        stub(page, "**/v1/audit*", {"items": items, "model": {"version": "v1"}}, 200, {"ok": True}, posted)
    store = ExampleStore(store_path(home))
    before = store.count()
    open_tab(page, "审核 Audit")
    if real:
        enter_token(page)  # the audit lists labelled paragraphs: reading it needs the token
    item = page.get_by_test_id("audit-item").first
    expect(item).to_be_visible(timeout=120_000)  # the real audit cross-validates first
    snap(page, shots, "8-audit")
    item.get_by_test_id("audit-accept").click()
    if not real:
        enter_token(page)
    expect(item).to_contain_text("已接受建议")
    expect(item.get_by_test_id("audit-accept")).to_be_disabled()
    if real:
        assert store.count() == before + 1  # the accepted suggestion, stored with source "audit"
        assert any(e.source == "audit" for e in store.current())
    else:
        assert posted == [{"id": "seed:17", "action": "accept"}]


# -- Model -----------------------------------------------------------------------------------------------------
def test_model_tab_shows_metrics_and_heatmap_and_promotes_an_older_version(page, shots, home):
    # v2: cross-validated (so it has a report with a confusion matrix) and made current; v1 has no report.
    manifest = run_training(home, SEEDS, cv=3, force=True)
    assert manifest["version"] == "v2" and Registry(home).current() == "v2"
    if "/v1/models/{version}/report" not in ROUTES:
        page.route("**/v1/models/*/report", lambda route: route.fulfill(json={
            "version": "v2", "metrics": manifest["metrics"], "report": manifest["cv_report"]}))
    open_tab(page, "模型 Model")
    expect(page.get_by_test_id("model-version")).to_have_text("v2")
    expect(page.locator("#metrics-table")).to_contain_text("乡村振兴 rural")
    rural_f1 = manifest["metrics"]["per_domain"]["rural"]["f1"]
    expect(page.locator("#metrics-table tr", has_text="rural")).to_contain_text(f"{rural_f1:.2f}")
    cells = page.locator("#heatmap td")
    expect(cells).to_have_count(len(manifest["cv_report"]["confusion"]["labels"]) ** 2)
    snap(page, shots, "9-model")
    page.get_by_test_id("promote-v1").click()  # roll back
    enter_token(page)
    expect(page.get_by_test_id("model-version")).to_have_text("v1")
    expect(page.locator("#header-version")).to_have_text("v1")
    assert Registry(home).current() == "v1"


# -- Small screens and the keyboard ----------------------------------------------------------------------------
def test_page_at_360_px_has_no_sideways_scrolling(browser, server, shots):
    context = browser.new_context(viewport={"width": 360, "height": 780}, device_scale_factor=2)
    page = context.new_page()
    page.goto(server + "/")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    # A curator who has entered the token (the Review and Audit tabs read labelled data with it).
    page.evaluate(f"sessionStorage.setItem('policytag.token', {TOKEN!r})")
    tag_text(page, "\n".join([INNOVATION, RURAL, CONSUMPTION]))
    expect(page.get_by_test_id("paragraph")).to_have_count(3)
    for name in ["标注 Tag", "语料 Corpus", "纠正 Correct", "复核 Review", "审核 Audit", "模型 Model"]:
        page.get_by_role("tab", name=name).click()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"the {name} tab is {width} px wide at a 360 px viewport"
    page.get_by_role("tab", name="标注 Tag").click()
    save = page.get_by_test_id("save-labels").first
    assert save.bounding_box()["x"] + save.bounding_box()["width"] <= 360
    snap(page, shots, "10-tag-360px")
    context.close()


def test_usable_by_keyboard_alone(page):
    # Tab from the top of the page to the text box, type, Tab to the button, Enter.
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.testid") == "text-input":
            break
    else:
        pytest.fail("the text box is not reachable with Tab")
    page.keyboard.type(INNOVATION)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.testid") == "tag-button"
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("paragraph")).to_have_count(1)
    # The tab list follows the ARIA pattern: arrows move between tabs.
    page.get_by_role("tab", name="标注 Tag").focus()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("tab", name="语料 Corpus")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#panel-corpus")).to_be_visible()
    page.keyboard.press("End")
    expect(page.get_by_role("tab", name="模型 Model")).to_be_focused()
    expect(page.locator("#panel-tag")).to_be_hidden()

