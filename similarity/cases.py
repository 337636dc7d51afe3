"""From pairs to cases: what each suspicious pair is, how suspicious, and which pairs are one case.

A pair of entries carries its content evidence (the resemblance of the two texts, the passages they
share and the share of each text those passages cover) and its entity links. It becomes:

* a **repeat entry** when the two come from one applicant (``entities.same_applicant``) and the
  project looks the same: similar text, or a shared patent, or a near-identical project name —
  so a repeat whose text was rewritten is still caught;
* **suspected copying** when different applicants' texts share passages or resemble each other;
* **reference copying** when an entry shares passages with a reference text (a past winner's plan,
  a public document) an admin loaded;
* nothing, otherwise (one firm's two different projects are allowed).

Its score (0–1) combines the independent signals as ``1 − Π(1 − sᵢ)``, so two weak signals together
rank above one; cases are the connected groups of suspicious pairs (one project entered in three
contests is one case), ranked by their strongest pair.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from similarity.entities import Link, same_applicant

REPEAT, COPYING, REFERENCE = "repeat", "copying", "reference"
KINDS = (REPEAT, COPYING, REFERENCE)
MIN_CONTENT = 0.15  # text evidence below this is shared vocabulary, not shared writing
MIN_SCORE = 0.3  # a pair below this is not shown
FULL_PASSAGE = 1500  # characters of shared passages that alone make a pair certain (450 reach MIN_SCORE)


@dataclass
class PairEvidence:
    """What two entries (or an entry and a reference text) have in common; keys are ``s:ID`` or ``r:ID``."""

    a: str
    b: str
    resemblance: float = 0.0  # Jaccard resemblance of the two texts' shingles
    a_share: float = 0.0  # share of a's text inside passages shared with b
    b_share: float = 0.0
    passages: list[dict] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)

    @property
    def shared_characters(self) -> int:
        """Characters inside shared passages, on the side where they cover less."""
        return min(covered([tuple(p["a"]) for p in self.passages]), covered([tuple(p["b"]) for p in self.passages]))

    @property
    def content(self) -> float:
        """How much writing the two share: the larger of resemblance, either share, and passage length.

        Three paragraphs copied into a 60-page plan are a small share of it but still copying, so the
        passages' own length counts too.
        """
        shares = max(self.resemblance, self.a_share, self.b_share)
        return max(shares if shares >= MIN_CONTENT else 0.0, min(1.0, self.shared_characters / FULL_PASSAGE))


def covered(spans: list[tuple[int, int]]) -> int:
    """Characters covered by the union of ``spans``."""
    total, reach = 0, 0
    for start, end in sorted(spans):
        start = max(start, reach)
        if end > start:
            total += end - start
            reach = end
    return total


@dataclass(frozen=True)
class Judgement:
    kind: str | None
    score: float


def _combine(strengths: list[float]) -> float:
    remaining = 1.0
    for strength in strengths:
        remaining *= 1.0 - max(0.0, min(1.0, strength))
    return 1.0 - remaining


def judge(pair: PairEvidence) -> Judgement:
    """The pair's kind (None: not suspicious) and score."""
    content = pair.content
    project = [link.strength for link in pair.links if link.kind in ("patent", "project")]
    if pair.b.startswith("r:") or pair.a.startswith("r:"):
        return Judgement(REFERENCE if content else None, content)
    if same_applicant(pair.links):
        score = _combine([content, *project])
        return Judgement(REPEAT if score >= MIN_SCORE else None, score)
    patents = [link.strength for link in pair.links if link.kind == "patent"]
    score = _combine([content, *patents])
    return Judgement(COPYING if content and score >= MIN_SCORE else None, score)


@dataclass
class Cluster:
    """Connected suspicious pairs: the members, the pairs, the kind(s) and the strongest score."""

    members: list[str]
    pairs: list[tuple[PairEvidence, Judgement]]

    @property
    def score(self) -> float:
        return max(j.score for _, j in self.pairs)

    @property
    def kind(self) -> str:
        kinds = {j.kind for _, j in self.pairs}
        return kinds.pop() if len(kinds) == 1 else "mixed"


def _root(parent: dict[str, str], key: str) -> str:
    while parent[key] != key:
        parent[key] = parent[parent[key]]
        key = parent[key]
    return key


def clusters(pairs: list[PairEvidence]) -> list[Cluster]:
    """Suspicious pairs grouped into connected clusters, strongest first."""
    judged = [(p, judge(p)) for p in pairs]
    judged = [(p, j) for p, j in judged if j.kind is not None]
    parent: dict[str, str] = {}
    for pair, _ in judged:
        for key in (pair.a, pair.b):
            parent.setdefault(key, key)
        parent[_root(parent, pair.a)] = _root(parent, pair.b)
    groups: dict[str, Cluster] = {}
    for pair, judgement in judged:
        cluster = groups.setdefault(_root(parent, pair.a), Cluster([], []))
        cluster.pairs.append((pair, judgement))
    for cluster in groups.values():
        cluster.members = sorted({k for p, _ in cluster.pairs for k in (p.a, p.b)})
        cluster.pairs.sort(key=lambda item: -item[1].score)
    return sorted(groups.values(), key=lambda c: (-c.score, c.members))
