"""Entity links, pair judgements and clusters: repeat vs copying vs nothing, and one case per project."""

from __future__ import annotations

from similarity.cases import COPYING, REFERENCE, REPEAT, PairEvidence, clusters, judge
from similarity.entities import Entry, links, same_applicant


def _entry(key: str, applicant: str, project: str, **extra: object) -> Entry:
    return Entry(key=key, code=key.upper(), contest="增材制造专题赛", contest_kind="thematic", edition=11,
                 applicant=applicant, project=project, **extra)  # type: ignore[arg-type]


def test_links_find_one_applicant_by_uscc_or_by_name_variants() -> None:
    a = _entry("s:1", "四川博钛增材科技有限公司", "钛合金骨科植入物", uscc="91510100MA61234567",
               people=frozenset({"h1", "h2"}), patents=frozenset({"2021100000001"}))
    b = _entry("s:2", "博钛增材科技（成都）股份有限公司", "钛合金骨科植入物项目", uscc="91510100MA61234567",
               people=frozenset({"h2"}), patents=frozenset({"2021100000001"}))
    kinds = [link.kind for link in links(a, b)]
    assert kinds == ["uscc", "person", "patent", "project"]
    renamed = _entry("s:3", "成都市博钛增材科技有限公司", "多孔钽人工关节")
    assert [link.kind for link in links(a, renamed)] == ["company"] and same_applicant(links(a, renamed))
    stranger = _entry("s:4", "宇达增材科技有限公司", "金属粉末雾化装备")
    assert links(a, stranger) == []  # same industry words, another trade name


def test_a_repeat_needs_one_applicant_and_a_similar_project() -> None:
    a = _entry("s:1", "四川博钛增材科技有限公司", "钛合金骨科植入物", uscc="U1", patents=frozenset({"P1"}))
    rewritten = _entry("s:2", "四川博钛增材科技有限公司", "钛合金骨科植入物", uscc="U1", patents=frozenset({"P1"}))
    other_project = _entry("s:3", "四川博钛增材科技有限公司", "航空发动机燃油喷嘴", uscc="U1")
    repeat = judge(PairEvidence("s:1", "s:2", resemblance=0.05, links=links(a, rewritten)))
    assert repeat.kind == REPEAT and repeat.score > 0.7  # text rewritten: the patent and the title still match
    assert judge(PairEvidence("s:1", "s:3", resemblance=0.04, links=links(a, other_project))).kind is None


def test_copying_is_judged_on_shared_passages_even_when_they_are_a_small_share() -> None:
    passages = [{"a": [1000, 1800], "b": [5000, 5790], "score": 0.97}]
    copied = judge(PairEvidence("s:1", "s:2", resemblance=0.04, a_share=0.03, b_share=0.02, passages=passages))
    assert copied.kind == COPYING and 0.5 < copied.score < 0.6  # 790 characters of 1500 for certainty
    vocabulary = judge(PairEvidence("s:1", "s:2", resemblance=0.1))
    assert vocabulary.kind is None
    reference = judge(PairEvidence("s:1", "r:7", passages=passages))
    assert reference.kind == REFERENCE


def test_one_project_in_three_contests_is_one_case_ranked_above_a_weaker_one() -> None:
    strong = {"uscc": "U1"}
    pairs = [
        PairEvidence("s:1", "s:2", resemblance=0.9, links=_links(strong)),
        PairEvidence("s:2", "s:3", resemblance=0.8, links=_links(strong)),
        PairEvidence("s:4", "s:5", passages=[{"a": [0, 600], "b": [0, 600], "score": 1.0}]),
        PairEvidence("s:6", "s:7", resemblance=0.05),  # not suspicious: no case
    ]
    found = clusters(pairs)
    assert [c.members for c in found] == [["s:1", "s:2", "s:3"], ["s:4", "s:5"]]
    assert [c.kind for c in found] == [REPEAT, COPYING]
    assert found[0].score >= found[1].score


def _links(fields: dict[str, str]) -> list:
    a = _entry("s:a", "甲公司", "项目甲", uscc=fields["uscc"])
    return links(a, _entry("s:b", "甲公司", "项目甲", uscc=fields["uscc"]))
