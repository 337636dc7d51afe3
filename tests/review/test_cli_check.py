"""`amreview check` as a user runs it: JSON lines on stdout, errors on stderr, the database consulted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ingest.identity import id_number_hash
from tests.documents import one_page_pdf
from tests.review.helpers import make_id, make_uscc

AMREVIEW = [sys.executable, "-m", "api.cli"]
SECRET = "cli-test-secret"
SHARED_ID = make_id("11010519491231002")


def _run(*args: str, cwd: Path, data: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AMREVIEW_DATA_DIR": str(data or cwd / "data"), "AMREVIEW_SECRET_KEY": SECRET}
    return subprocess.run([*AMREVIEW, *args], capture_output=True, text=True, cwd=cwd, timeout=300, env=env)


def _startup(code: str, member_id: str, **extra: object) -> dict:
    return {"id": code, "group": "创业组", "segment": 2, "project": f"项目{code}",
            "applicant": {"kind": "team", "name": f"团队{code}"},
            "team": [{"name": "张三", "id_number": member_id, "role": "负责人"}], **extra}


ENTERPRISE = {"id": "AM11-E-0001", "group": "enterprise", "segment": 1,
              "project": "大尺寸钛合金构件激光选区熔化成形装备",
              "applicant": {"name": "四川某某增材科技有限公司", "uscc": make_uscc(), "registered_on": "2019-05-20",
                            "industry": "工业", "employees": 120, "revenue_10k_cny": 8500},
              "on_market": True, "files": ["plan.pdf"]}


def _write_jsonl(path: Path, *records: object) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n"
                            for r in records), encoding="utf-8")
    return path


def _lines(stdout: str) -> dict[str, dict]:
    return {line["id"]: line for line in map(json.loads, stdout.splitlines())}


def _status(line: dict, rule: str) -> str:
    return next(r["status"] for r in line["rules"] if r["rule"] == rule)


def test_check_jsonl_contract_with_past_lists_and_shared_member(tmp_path: Path) -> None:
    _write_jsonl(tmp_path / "regs.jsonl", _startup("AM11-S-0001", SHARED_ID), _startup("AM11-S-0002", SHARED_ID),
                 {"id": "AM11-S-0003", "group": "nobody"}, ENTERPRISE)
    (tmp_path / "2024年创客中国企业组500强名单.csv").write_text(
        "2024年创客中国企业组500强名单,,,\n序号,参赛主体,项目名称,推荐赛区\n"
        "7,某某增材科技（四川）股份有限公司,大尺寸钛合金构件激光选区熔化成形装备,四川赛区\n", encoding="utf-8")
    (tmp_path / "2025年创业组300强.csv").write_text("序号,团队名称,项目名称\n1,别的团队,别的项目\n", encoding="utf-8")
    result = _run("check", "regs.jsonl", "--past-lists", "2024年创客中国企业组500强名单.csv", "2025年创业组300强.csv",
                  "--jsonl", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = _lines(result.stdout)
    assert list(lines) == ["AM11-S-0001", "AM11-S-0002", "AM11-E-0001"]
    assert all(set(line) >= {"id", "verdict", "rules"} for line in lines.values())
    for code in ("AM11-S-0001", "AM11-S-0002"):
        assert lines[code]["verdict"] == "ineligible" and _status(lines[code], "one_team_per_person") == "fail"
    enterprise = lines["AM11-E-0001"]
    assert _status(enterprise, "past_top_lists") == "fail" and enterprise["verdict"] == "ineligible"
    assert _status(enterprise, "documents_complete") == "skipped"  # no --files
    assert "line 3 (AM11-S-0003)" in result.stderr and "group" in result.stderr
    assert SHARED_ID not in result.stdout and SHARED_ID not in result.stderr


def test_check_files_refuses_traversal_and_reads_csv(tmp_path: Path) -> None:
    files = tmp_path / "files"
    files.mkdir()
    (files / "plan.pdf").write_bytes(one_page_pdf("商业计划书 一、项目概述"))
    (tmp_path / "secret.pdf").write_bytes(one_page_pdf("secret"))
    (tmp_path / "regs.csv").write_text(
        "报名编号,组别,项目名称,企业名称,统一社会信用代码,行业,从业人员,营业收入（万元）,是否已进入市场,文件\n"
        f"AM11-E-0001,企业组,钛合金装备,四川某某增材科技有限公司,{make_uscc()},工业,120,8500,是,../secret.pdf;plan.pdf\n"
        f"AM11-E-0002,企业组,树脂,某乙公司,{make_uscc('MA7ABCDE')},工业,50,900,是,missing.pdf\n", encoding="utf-8")
    result = _run("check", "regs.csv", "--files", "files", "--no-sandbox", "--no-ocr", "--jsonl", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = _lines(result.stdout)
    first = next(r for r in lines["AM11-E-0001"]["rules"] if r["rule"] == "documents_complete")
    assert first["status"] == "fail" and any("../secret.pdf" in e["file"] for e in first["evidence"])
    assert _status(lines["AM11-E-0002"], "documents_complete") == "fail"
    assert _status(lines["AM11-E-0001"], "registration_consistent") in ("pass", "unknown")


def test_check_exits_2_only_when_the_input_cannot_be_read(tmp_path: Path) -> None:
    result = _run("check", "absent.jsonl", "--jsonl", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == "" and result.stderr.strip().count("\n") == 0
    (tmp_path / "rules.yaml").write_text("no_such_rule: {}\n", encoding="utf-8")
    _write_jsonl(tmp_path / "regs.jsonl", ENTERPRISE)
    bad_rules = _run("check", "regs.jsonl", "--rules", "rules.yaml", "--jsonl", cwd=tmp_path)
    assert bad_rules.returncode == 2 and "unknown rule" in bad_rules.stderr


def test_check_compares_with_teams_in_the_database(data_dir: Path, tmp_path: Path) -> None:
    from ingest.database import session_scope
    from review.models import Contest, Submission, TeamMember

    with session_scope() as session:
        contest = Contest(kind="regional", name="四川赛区", edition=11, year=2026, region="四川")
        other_edition = Contest(kind="regional", name="四川赛区", edition=10, year=2025, region="四川")
        session.add_all([contest, other_edition])
        session.flush()
        for code, owner in (("R11-S-0001", contest), ("R10-S-0001", other_edition), ("AM11-S-0001", contest)):
            submission = Submission(contest_id=owner.id, code=code, group="startup", project="p", applicant="t")
            submission.members.append(TeamMember(name="张三", core=True, id_hash=id_number_hash(SHARED_ID,
                                                                                         SECRET.encode()),
                                                 id_masked=SHARED_ID[:6] + "********" + SHARED_ID[14:]))
            session.add(submission)
    _write_jsonl(tmp_path / "regs.jsonl", _startup("AM11-S-0001", make_id("51050019900101001")),
                 _startup("AM11-S-0002", SHARED_ID))
    result = _run("check", "regs.jsonl", "--jsonl", cwd=tmp_path, data=data_dir)
    assert result.returncode == 0, result.stderr
    lines = _lines(result.stdout)
    shared = next(r for r in lines["AM11-S-0002"]["rules"] if r["rule"] == "one_team_per_person")
    assert shared["status"] == "fail" and "R11-S-0001" in shared["reason"] and "R10-S-0001" not in shared["reason"]
    assert "AM11-S-0001" not in shared["reason"]  # its stored version is replaced by the input's
    assert _status(lines["AM11-S-0001"], "one_team_per_person") == "pass"
