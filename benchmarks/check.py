"""Speed of ``amreview check`` on many registrations without documents (target: 10,000 in under 30 s).

Run from the repository root:  python benchmarks/check.py [--count N] [--seed S]

Generates ``--count`` realistic registrations (both groups, valid USCCs and ID numbers, start-up
teams with and without a company, about one in ten with a violation: a large enterprise, a bad check
character, too many core members, a person in two teams, a credit flag, an old start-up) into a
temporary JSON Lines file, runs the CLI once as a subprocess (process start included) with a fresh
data directory, and prints the elapsed time and the verdict counts. Nothing is asserted.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from datetime import date, timedelta  # noqa: E402
from typing import Any  # noqa: E402

from ingest.codes import USCC_CHARSET, org_code_check_character, uscc_check_character  # noqa: E402
from ingest.identity import check_character  # noqa: E402

REGIONS = ("510500", "510100", "440300", "320500", "330100", "110108", "610100", "420100")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
WORDS = ("精工", "智造", "科创", "立方", "光韵", "铂力", "华曙", "增材", "三维", "熔融", "航宇", "锐新")
PROJECTS = ("大尺寸钛合金构件激光选区熔化成形装备", "连续纤维增强复合材料3D打印", "个性化骨科植入物增材制造",
            "高功率光纤激光器", "球形钛合金粉末制备", "增材制造工艺仿真软件", "熔池监测与缺陷识别AI系统")
VIOLATIONS = ("large", "check_char", "eight_core", "shared_person", "credit", "old_startup")


def uscc(rng: random.Random) -> str:
    org = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
    body = "91" + rng.choice(REGIONS) + org + org_code_check_character(org)
    if any(ch not in USCC_CHARSET for ch in body):  # the org check may give X, which USCCs allow
        return uscc(rng)
    return body + uscc_check_character(body)


def id_number(rng: random.Random) -> str:
    born = date(1960, 1, 1) + timedelta(days=rng.randrange(16000))
    body = rng.choice(REGIONS) + born.strftime("%Y%m%d") + f"{rng.randrange(1000):03d}"
    return body + check_character(body)


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def team(rng: random.Random, size: int) -> list[dict[str, Any]]:
    roles = ("负责人", "技术总监", "市场总监", "财务负责人", "研发工程师")
    return [{"name": person(rng), "id_number": id_number(rng), "role": roles[min(i, 4)], "core": True}
            for i in range(size)]


def registration(rng: random.Random, index: int) -> dict[str, Any]:
    startup = rng.random() < 0.45
    group = "startup" if startup else "enterprise"
    company = not startup or rng.random() < 0.6
    name = f"{rng.choice(('四川', '成都', '深圳市', ''))}{rng.choice(WORDS)}{rng.choice(WORDS)}科技有限公司"
    applicant: dict[str, Any] = {"kind": "company" if company else "team", "name": name if company else
                                 f"{person(rng)}团队", "credit_flags": []}
    if company:
        registered = date(2024, 7, 1) + timedelta(days=rng.randrange(540)) if startup else \
            date(2008, 1, 1) + timedelta(days=rng.randrange(5000))
        applicant.update(uscc=uscc(rng), registered_on=registered.isoformat(), industry=rng.choice(("工业", "C3493")),
                         employees=rng.randrange(5, 900), revenue_10k_cny=round(rng.uniform(50, 30000), 1),
                         assets_10k_cny=round(rng.uniform(100, 40000), 1))
    return {"id": f"AM11-{'S' if startup else 'E'}-{index:05d}",
            "contest": {"kind": "thematic", "name": "增材制造专题赛", "edition": 11, "year": 2026, "region": None},
            "group": group, "segment": rng.randrange(1, 8), "project": rng.choice(PROJECTS), "applicant": applicant,
            "on_market": True if not startup else None, "team": team(rng, rng.randrange(1, 7)), "files": ["plan.pdf"]}


def violate(rng: random.Random, record: dict[str, Any], previous: dict[str, Any] | None) -> None:
    applicant = record["applicant"]
    kind = rng.choice(VIOLATIONS)
    if kind == "large" and record["group"] == "enterprise":
        applicant.update(employees=1200, revenue_10k_cny=52000)
    elif kind == "check_char" and applicant.get("uscc"):
        code = applicant["uscc"]
        applicant["uscc"] = code[:17] + ("0" if code[17] != "0" else "1")
    elif kind == "eight_core":
        record["team"] = team(rng, 8)
    elif kind == "shared_person" and previous and record["group"] == previous["group"] == "startup":
        record["team"][0] = dict(previous["team"][0])
    elif kind == "credit":
        applicant["credit_flags"] = ["abnormal_operation"]
    elif kind == "old_startup" and record["group"] == "startup" and applicant.get("registered_on"):
        applicant["registered_on"] = "2023-06-01"


def generate(count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    records: list[dict[str, Any]] = []
    for index in range(1, count + 1):
        record = registration(rng, index)
        if rng.random() < 0.1:
            violate(rng, record, records[-1] if records else None)
        records.append(record)
    return records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="amreview-check-") as folder:
        path = Path(folder) / "registrations.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in generate(args.count, args.seed)),
                        encoding="utf-8")
        env = {**os.environ, "AMREVIEW_DATA_DIR": str(Path(folder) / "data"), "AMREVIEW_SECRET_KEY": "benchmark"}
        started = time.perf_counter()
        process = subprocess.run([sys.executable, "-m", "api.cli", "check", str(path), "--jsonl"], cwd=ROOT,
                                 capture_output=True, text=True, env=env, check=False)
        elapsed = time.perf_counter() - started
    lines = [json.loads(line) for line in process.stdout.splitlines() if line.startswith("{")]
    verdicts = Counter(line["verdict"] for line in lines)
    print(f"amreview check: {args.count} registrations, exit {process.returncode}, {len(lines)} lines "
          f"in {elapsed:.2f} s (target < 30 s); verdicts {dict(verdicts)}")
    if process.returncode:
        print(process.stderr[-2000:])


if __name__ == "__main__":
    main()
