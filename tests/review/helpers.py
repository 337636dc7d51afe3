"""Builders shared by the review tests: valid codes, registrations, facts, documents."""

from __future__ import annotations

from typing import Any

from ingest.codes import org_code_check_character, uscc_check_character
from ingest.document import Document, DocumentBuilder
from ingest.facts import Fact
from ingest.identity import check_character
from review.registrations import Registration, protect_ids

KEY = b"test-key"


def make_uscc(org: str = "MA6CKQ3A", region: str = "510500", prefix: str = "91") -> str:
    body = prefix + region + org + org_code_check_character(org)
    return body + uscc_check_character(body)


def make_id(body: str = "51050019900101001") -> str:
    return body + check_character(body)


def registration(**changes: Any) -> Registration:
    """An eligible enterprise-group registration, with ``changes`` merged (applicant keys merged too)."""
    applicant = {"kind": "company", "name": "四川某某增材科技有限公司", "uscc": make_uscc(),
                 "registered_on": "2019-05-20", "industry": "工业", "employees": 120, "revenue_10k_cny": 8500,
                 "assets_10k_cny": 12000, "credit_flags": []}
    applicant.update(changes.pop("applicant", {}))
    record = {"id": "AM11-E-0001", "group": "enterprise", "segment": 1,
              "project": "大尺寸钛合金构件激光选区熔化成形装备", "applicant": applicant, "on_market": True,
              "team": [{"name": "张三", "id_number": make_id(), "role": "负责人", "core": True}],
              "files": ["plan.pdf"], **changes}
    return protect_ids(Registration.model_validate(record), KEY)


def startup(**changes: Any) -> Registration:
    """An eligible start-up company of the startup group."""
    applicant = {"registered_on": "2025-03-01", "employees": 8, "revenue_10k_cny": 50, **changes.pop("applicant", {})}
    return registration(id=changes.pop("id", "AM11-S-0001"), group="startup", on_market=None, applicant=applicant,
                        **changes)


def maker_team(**changes: Any) -> Registration:
    """A maker team without a company."""
    applicant = {"kind": "team", "name": "某某大学增材制造创客团队", "uscc": None, "registered_on": None,
                 "industry": None, "employees": None, "revenue_10k_cny": None, "assets_10k_cny": None}
    applicant.update(changes.pop("applicant", {}))
    return registration(id=changes.pop("id", "AM11-S-0002"), group="startup", on_market=None, applicant=applicant,
                        **changes)


def fact(kind: str, value: Any, text: str | None = None, page: int = 2, **attributes: Any) -> Fact:
    text = text or str(value)
    valid = attributes.pop("valid", None)
    return Fact(kind=kind, value=value, text=text, page=page, span=(10, 10 + len(text)), valid=valid,
                attributes=attributes)


def document(headings: list[str], filename: str = "plan.pdf") -> Document:
    builder = DocumentBuilder("0" * 64, "application/pdf", filename, "test")
    builder.start_page(1)
    for heading in headings:
        builder.add_block("heading", heading, level=1)
        builder.add_block("paragraph", f"{heading}的内容。")
    return builder.build()


PLAN_HEADINGS = ["一、项目概述", "二、技术与产品", "三、知识产权", "四、市场分析", "五、商业模式", "六、团队介绍",
                 "七、财务分析", "八、融资计划"]
