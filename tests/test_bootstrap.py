"""Labels bootstrapped from headings: the seed document's exact result and the article rules."""
from __future__ import annotations

from pathlib import Path

from tests.conftest import SEED_DOC, SEEDS
from tests.text_helpers import read_document
from training.data.bootstrap import bootstrap_paths, bootstrap_text
from training.data.taxonomy import load_taxonomy

TAXONOMY = load_taxonomy(SEEDS)
TAXONOMY_TEN = load_taxonomy(Path(__file__).parent / "fixtures" / "taxonomy10")


def seed_examples():
    return bootstrap_text(read_document(SEED_DOC), SEED_DOC.name, TAXONOMY)


def test_seed_gives_29_paragraphs_labelled_by_article():
    examples, report = seed_examples()
    assert len(examples) == 29
    labels = [e.labels for e in examples]
    assert labels == [("innovation",)] * 19 + [("rural",)] * 6 + [("consumption",)] * 4
    assert report.per_domain == {"innovation": 19, "rural": 6, "consumption": 4}
    assert report.unlabelled == 0


def test_seed_boilerplate_dropped_and_page_breaks_mended():
    examples, report = seed_examples()
    assert sum(report.boilerplate.values()) == 9
    assert report.rejoined == 5
    texts = [e.text for e in examples]
    for fragment in ("全力塑造科技创新核心优势", "低成本、高效率", "试点建设工作", "特别是需要重视抓住电商发展机遇",
                     "同时,强化执法力度"):
        assert sum(fragment in t for t in texts) == 1, fragment
    for noise in ("□", "【", "作者单位", "@163.com", "投稿邮箱"):
        assert not any(noise in t for t in texts), noise
    assert not any(t.startswith(("(一)", "(二)", "(三)")) for t in texts)


def test_title_placed_after_its_body_labels_the_untitled_article():
    examples, report = seed_examples()
    rural = [e for e in examples if e.labels == ("rural",)]
    assert all(e.heading.startswith("学好用好『千万工程』经验") for e in rural)
    assert rural[0].text.startswith("习近平总书记在浙江工作时")
    assert report.headings["学好用好『千万工程』经验 推进乡村全面振兴"].domains == ["rural"]
    assert report.headings["提振消费信心 扩大城乡居民消费"].domains == ["consumption"]


def test_section_heading_overrides_the_article_title():
    doc = "# 推动科技创新\n\n□作者\n\n第一段讲科技。\n\n## 扩大农村消费市场\n\n这一段讲消费。\n"
    examples, _ = bootstrap_text(doc, "x.md", TAXONOMY)
    assert [e.labels for e in examples] == [("innovation",), ("rural", "consumption")]
    assert examples[1].label_from == "扩大农村消费市场"
    assert examples[1].heading == "推动科技创新 > 扩大农村消费市场"


def test_paragraph_under_no_matching_heading_is_unlabelled_not_guessed():
    doc = "# 加强国防建设\n\n全面加强练兵备战。\n"
    examples, report = bootstrap_text(doc, "x.md", TAXONOMY)
    assert examples[0].labels == () and report.unlabelled == 1
    assert {h: m.domains for h, m in report.headings.items()} == {"加强国防建设": []}


def test_byline_starts_a_new_article_without_inheriting_the_previous_title():
    doc = "# 推动科技创新\n\n讲科技的一段。\n\n□另一位作者\n\n没有标题的文章正文。\n"
    examples, _ = bootstrap_text(doc, "x.md", TAXONOMY)
    assert [e.labels for e in examples] == [("innovation",), ()]


def test_folder_bootstrap_reads_every_document(tmp_path: Path):
    (tmp_path / "a.md").write_text("# 扩大内需\n\n促进消费。\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_bytes("# 乡村建设\n\n建设和美乡村。\n".encode("gb18030"))
    examples, report = bootstrap_paths([tmp_path], TAXONOMY)
    assert {(e.source, e.labels) for e in examples} == {("a.md", ("consumption",)), ("sub/b.txt", ("rural",))}


def test_a_saved_notice_s_quoted_title_labels_its_measures():
    notice = ("梧川县人民政府关于学习运用“千万工程”经验扎实推进乡村全面振兴的实施意见\n"
              "发布时间：2025-03-05 08:56　来源：梧川县农业农村局\n梧政发〔2025〕2号\n"
              "各乡镇人民政府，县政府各部门：\n为深入学习运用经验，现提出如下意见。\n"
              "一、稳定粮食播种面积\n全年粮食播种面积稳定在86万亩以上，落实耕地地力保护补贴。\n")
    examples, report = bootstrap_text(notice, "notice.txt", TAXONOMY)
    assert [e.labels for e in examples] == [("rural",), ("rural",)]
    assert {e.label_from for e in examples} == {"梧川县人民政府关于学习运用“千万工程”经验扎实推进乡村全面振兴的实施意见"}


UNTITLED_NOTICE = ("各县（市、区）人民政府，市政府各部门：\n为稳定和扩大岗位供给，现提出如下措施。\n一、加大政策支持力度\n"
                   "对招用离校2年内未就业青年的企业，按每人1500元给予一次性补助。\n")


def test_a_document_without_a_title_takes_the_title_its_file_is_named_after(tmp_path: Path):
    # A notice copied from its page without the title, into the file the browser named after the page.
    named = tmp_path / "青禾市人民政府办公室关于促进就业创业的若干措施_青禾市人民政府.txt"
    named.write_text(UNTITLED_NOTICE, encoding="utf-8")
    examples, _ = bootstrap_paths([named], TAXONOMY_TEN)
    assert [e.labels for e in examples] == [("employment",)] * 2
    assert {e.label_from for e in examples} == {"青禾市人民政府办公室关于促进就业创业的若干措施"}
    # A title in the text wins over the file's name, and a name that is no title gives none.
    (tmp_path / "关于促进消费的若干措施.txt").write_text("关于促进就业创业的若干措施\n\n" + UNTITLED_NOTICE,
                                                  encoding="utf-8")
    (tmp_path / "notice_3.txt").write_text(UNTITLED_NOTICE, encoding="utf-8")
    examples, _ = bootstrap_paths([tmp_path / "关于促进消费的若干措施.txt", tmp_path / "notice_3.txt"], TAXONOMY_TEN)
    assert [e.labels for e in examples] == [("employment",)] * 2 + [()] * 2
