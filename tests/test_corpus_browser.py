"""The Corpus tab, the Tag tab's review-pool button with a long upload, and the report's HTML, in Debian's chromium
(Playwright). Screenshots go to $POLICYTAG_SCREENSHOTS like the other browser tests'."""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from service.cli import main
from tests.conftest import CHROMIUM
from tests.docgen import long_report
from tests.test_page_browser import enter_token, expect, open_tab, snap, tag_text, wait_for
from tests.test_report import PATTERN, corpus_module
from training.data.store import ExampleStore
from training.paths import store_path

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                                 "(apt-get install -y chromium fonts-noto-cjk; .ci/run does this)")]


@pytest.fixture(scope="module")
def six_reports(tmp_path_factory) -> list[Path]:
    """Six work reports, 2 regions x 2021-2023 (one .docx), from benchmarks/corpus.py."""
    folder = tmp_path_factory.mktemp("six")
    return corpus_module().write_corpus(folder, regions=2, years=range(2021, 2024), paragraphs=12)


# -- Tag tab: a long upload, the pool button, the review queue ---------------------------------------------
def test_a_600_paragraph_upload_is_tagged_explained_and_fills_the_review_queue(page, shots, home, tmp_path):
    doc = long_report(tmp_path / "县2025年工作报告.md", 600)
    page.get_by_test_id("text-input").fill("先前粘贴的文字。")
    page.get_by_test_id("file-input").set_input_files(str(doc))
    expect(page.locator("#tag-status")).to_contain_text("已标注 610 段", timeout=60_000)  # 600 + 10 sub-headings
    assert page.get_by_test_id("text-input").input_value() == ""  # the box no longer shows other text
    # Tagged without explanations (the server explains at most 200 paragraphs a request), then explained in
    # batches: every tagged paragraph ends up with its evidence highlighted.
    wait_for(page, "document.getElementById('tag-results').dataset.explained === 'true'", timeout=120)
    counts = page.evaluate("""() => [...document.querySelectorAll('[data-testid="paragraph"]')].map((card) =>
        [card.querySelectorAll('[data-testid="chip"]').length, card.querySelectorAll('[data-testid="evidence"]').length])""")
    tagged = [evidence for chips, evidence in counts if chips]
    assert len(counts) == 610 and len(tagged) > 100
    assert sum(1 for e in tagged if e) / len(tagged) > 0.9, "most tagged paragraphs show their evidence"

    page.get_by_test_id("pool-add").click()
    enter_token(page)
    expect(page.locator("#pool-status")).to_contain_text("已加入复核池", timeout=60_000)
    store = ExampleStore(store_path(home))
    items = store.pool_items()
    assert len(items) >= 590  # the 600 paragraphs (a few may be labelled already), no sub-heading
    assert all(not re.fullmatch(r"[一二三四五六七八九十]、第\d+部分工作", i.text) for i in items)
    assert {i.source for i in items if "工作报告" in i.source} == {"县2025年工作报告.md"}  # a name, not a path
    page.locator("#tag-status").evaluate("(status) => status.scrollIntoView()")
    page.screenshot(path=str(shots / "11-tag-pool.png"))  # the view, not the 610 cards below it

    page.get_by_test_id("goto-review").click()
    item = page.get_by_test_id("review-item")
    expect(item).to_have_count(1, timeout=60_000)
    expect(item).to_contain_text("县2025年工作报告.md")
    assert "/" not in item.locator("p.muted").first.inner_text().split("·")[-1]
    snap(page, shots, "12-review-from-upload")


def test_pasted_text_goes_to_the_pool_without_its_sub_headings(page, home):
    tag_text(page, "一、科技创新\n加快关键核心技术攻关，推动科技成果转化。\n推进高标准农田建设，促进农民持续增收。")
    page.get_by_test_id("pool-add").click()
    enter_token(page)
    expect(page.locator("#pool-status")).to_contain_text("已加入复核池 2 段")
    pasted = [i for i in ExampleStore(store_path(home)).pool_items() if i.source.startswith("粘贴文本")]
    assert sorted(i.text for i in pasted) == sorted(["加快关键核心技术攻关，推动科技成果转化。",
                                                     "推进高标准农田建设，促进农民持续增收。"])
    assert {i.heading for i in pasted} == {"一、科技创新"}


# -- Corpus tab ----------------------------------------------------------------------------------------------
def test_corpus_tab_documents_heatmap_groups_drill_down_and_csv(page, shots, six_reports):
    open_tab(page, "语料 Corpus")
    page.locator("#corpus-pattern").fill(PATTERN)
    page.get_by_test_id("corpus-input").set_input_files([str(p) for p in six_reports])
    expect(page.locator("#corpus-status")).to_contain_text("6 篇文档", timeout=120_000)
    heatmap = page.get_by_test_id("corpus-heatmap")
    expect(heatmap.locator("tbody tr")).to_have_count(6)
    expect(heatmap.locator("thead")).to_contain_text("科技创新 innovation")
    # Grouped by the pattern's fields, rows in group order: years ascending.
    years = heatmap.locator("tbody tr td.left").all_inner_texts()[0::2]
    assert years == sorted(years) and set(years) == {"2021", "2022", "2023"}
    groups = page.get_by_test_id("corpus-group")
    expect(groups).to_have_count(2)
    for group in groups.all():
        assert group.locator("img").evaluate("(img) => img.complete && img.naturalWidth > 0")  # the chart drew
    snap(page, shots, "13-corpus")

    cell = page.locator('[data-testid="corpus-cell"][data-domain="rural"]').first
    cell.click()
    detail = page.locator("#corpus-detail")
    expect(detail.locator("h3")).to_contain_text("rural")
    paragraphs = detail.get_by_test_id("corpus-paragraph")
    count = int(re.search(r"（(\d+) 段", detail.locator("h3").inner_text()).group(1))
    expect(paragraphs).to_have_count(count)
    scores = [float(s) for s in paragraphs.locator("summary strong").all_inner_texts()]
    assert scores == sorted(scores, reverse=True) and all(s >= 0.5 for s in scores)
    paragraphs.first.locator("summary").click()  # opening it fetches the words behind its tags
    evidence = paragraphs.first.get_by_test_id("corpus-evidence")
    expect(evidence).to_contain_text("证据词", timeout=30_000)
    expect(evidence).to_contain_text("rural")
    snap(page, shots, "14-corpus-drill")

    page.locator("#corpus-order").select_option("rural")
    shares = [int(t.split("%")[0]) for t in
              heatmap.locator('tbody tr [data-testid="corpus-cell"][data-domain="rural"]').all_inner_texts()]
    assert shares == sorted(shares, reverse=True)
    with page.expect_download() as download:
        page.locator("#corpus-export").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert len(rows) == 6 * 3 and {"year", "region", "domain", "share"} <= set(rows[0])
    page.get_by_test_id("corpus-group").first.evaluate("(group) => group.scrollIntoView()")
    page.screenshot(path=str(shots / "15-corpus-groups.png"))


def test_corpus_tab_reads_a_tag_jsonl_and_names_a_bad_file(page, runner, home, six_reports, tmp_path):
    tags = tmp_path / "tags.jsonl"
    result = runner.invoke(main, ["tag", *map(str, six_reports), "-o", str(tags), "--doc-summary", "-j", "1",
                                  "--home", str(home)])
    assert result.exit_code == 0, result.output
    bad = tmp_path / "records.jsonl"
    bad.write_text(json.dumps({"id": 1, "text": "推进乡村振兴。"}, ensure_ascii=False) + "\n", encoding="utf-8")
    open_tab(page, "语料 Corpus")
    page.locator("#corpus-group-by").fill("year")
    page.locator("#corpus-pattern").fill(PATTERN)
    page.get_by_test_id("corpus-input").set_input_files([str(tags), str(bad)])
    expect(page.locator("#corpus-status")).to_contain_text("6 篇文档", timeout=60_000)
    expect(page.locator("#corpus-problems")).to_contain_text("records.jsonl：第 1 行不是 policytag tag 的输出")
    expect(page.get_by_test_id("corpus-group")).to_have_count(1)  # only the field asked for
    # The page's numbers are the --doc-summary rows' numbers.
    summaries = [json.loads(x) for x in tags.read_text(encoding="utf-8").splitlines()]
    first = next(s for s in summaries if s.get("kind") == "document")
    name = Path(first["source"]).name
    row = page.get_by_test_id("corpus-heatmap").locator("tbody tr", has_text=name)
    share = first["composition"]["domains"]["innovation"]["share"]
    expect(row.locator('[data-domain="innovation"]')).to_contain_text(f"{round(100 * share)}%")


# -- the report's HTML ---------------------------------------------------------------------------------------
def test_report_html_reads_in_chromium_sorts_and_opens_cells(browser, runner, home, shots, tmp_path):
    folder = tmp_path / "reports"
    corpus_module().write_corpus(folder)  # 30 reports: 6 regions x 2021-2025
    tags, html = tmp_path / "t.jsonl", tmp_path / "r.html"
    assert runner.invoke(main, ["tag", str(folder), "-o", str(tags), "-j", "1", "--home", str(home)]).exit_code == 0
    result = runner.invoke(main, ["report", str(tags), "--html", str(html), "--name-pattern", PATTERN,
                                  "--home", str(home)])
    assert result.exit_code == 0, result.output
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    view = context.new_page()
    errors: list[str] = []
    view.on("pageerror", lambda exc: errors.append(str(exc)))
    view.goto(html.as_uri())
    rows = view.locator("#heat-body tr")
    expect(rows).to_have_count(30)
    assert all(img.evaluate("(i) => i.complete && i.naturalWidth > 0") for img in view.locator("img.chart").all())
    snap(view, shots, "16-report")
    view.get_by_role("button", name="按名称 by name").click()
    names = rows.locator("th").all_inner_texts()
    assert names == sorted(names)
    view.get_by_role("button", name="消费 consumption ↓").click()
    shares = [int(m.group()) if (m := re.match(r"\d+", t)) else 0
              for t in rows.locator("td.cell:nth-of-type(5)").all_inner_texts()]
    assert shares == sorted(shares, reverse=True)
    first = rows.first.locator("td.cell a[href]").first
    target = first.get_attribute("href")
    first.click()
    expect(view.locator(target)).to_be_visible()  # the cell's paragraphs open
    expect(view.locator(target).locator(".para").first).to_be_visible()
    view.locator("#groups").evaluate("(heading) => heading.scrollIntoView()")
    view.screenshot(path=str(shots / "17-report-groups.png"))
    context.close()
    assert not errors
