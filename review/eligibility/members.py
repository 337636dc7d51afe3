"""Who is a core member of which start-up team, across all contests of one edition.

"One person may not be a core member of several teams" spans the regional, thematic and overseas
contests of an edition, so the rule needs every other team: those of the batch being checked and
those already in the database. The index keeps one team per registration id (a registration both in
the database and in the batch counts once: the batch's version wins), and finds a person by keyed
ID hash, or only by name when a side has no ID number (which a person must then confirm).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from ingest.names import normalise_person
from review.registrations import Registration


@dataclass(frozen=True)
class MemberRef:
    name: str
    id_hash: str | None = None
    id_masked: str | None = None


@dataclass(frozen=True)
class TeamRecord:
    """The core members of one registration, with the edition and group that scope the rule."""

    registration_id: str
    edition: int
    group: str
    members: tuple[MemberRef, ...]
    contest: str | None = None

    @classmethod
    def from_registration(cls, registration: Registration) -> TeamRecord:
        members = tuple(MemberRef(m.name, m.id_hash, m.id_masked) for m in registration.team if m.core)
        return cls(registration.id, registration.contest.edition, registration.group, members,
                   registration.contest.name)


class MemberIndex:
    """Start-up teams' core members by (edition, ID hash) and (edition, name)."""

    def __init__(self, teams: Iterable[TeamRecord] = ()) -> None:
        self._teams: dict[str, TeamRecord] = {}
        self._by_hash: dict[tuple[int, str], list[tuple[TeamRecord, MemberRef]]] | None = None
        self._by_name: dict[tuple[int, str], list[tuple[TeamRecord, MemberRef]]] | None = None
        for team in teams:
            self.add(team)

    def add(self, team: TeamRecord) -> None:
        """Add (or replace, by registration id) a team."""
        self._teams[team.registration_id] = team
        self._by_hash = self._by_name = None

    def __len__(self) -> int:
        return len(self._teams)

    def _build(self) -> None:
        by_hash: dict[tuple[int, str], list[tuple[TeamRecord, MemberRef]]] = defaultdict(list)
        by_name: dict[tuple[int, str], list[tuple[TeamRecord, MemberRef]]] = defaultdict(list)
        for team in self._teams.values():
            if team.group != "startup":
                continue
            for member in team.members:
                if member.id_hash:
                    by_hash[(team.edition, member.id_hash)].append((team, member))
                by_name[(team.edition, normalise_person(member.name))].append((team, member))
        self._by_hash, self._by_name = by_hash, by_name

    def same_id(self, edition: int, id_hash: str, exclude: str) -> list[tuple[TeamRecord, MemberRef]]:
        """Other teams of the edition with a core member of this ID hash."""
        if self._by_hash is None:
            self._build()
        assert self._by_hash is not None
        return [hit for hit in self._by_hash.get((edition, id_hash), []) if hit[0].registration_id != exclude]

    def same_name(self, edition: int, name: str, exclude: str) -> list[tuple[TeamRecord, MemberRef]]:
        """Other teams of the edition with a core member of this (normalised) name."""
        if self._by_name is None:
            self._build()
        assert self._by_name is not None
        key = (edition, normalise_person(name))
        return [hit for hit in self._by_name.get(key, []) if hit[0].registration_id != exclude]


def load_teams(session, editions: Iterable[int], group: str = "startup") -> list[TeamRecord]:  # type: ignore[no-untyped-def]
    """The teams stored in the database for those editions (core members only), one per submission."""
    from sqlalchemy import select

    from review.models import Contest, Submission, TeamMember

    query = (select(Submission.code, Contest.edition, Contest.name, TeamMember.name, TeamMember.id_hash,
                    TeamMember.id_masked)
             .join(Contest, Submission.contest_id == Contest.id)
             .join(TeamMember, TeamMember.submission_id == Submission.id)
             .where(Contest.edition.in_(sorted(set(editions))), Submission.group == group, TeamMember.core.is_(True))
             .order_by(Submission.code, TeamMember.position))
    members: dict[str, list[MemberRef]] = defaultdict(list)
    scope: dict[str, tuple[int, str]] = {}
    for code, edition, contest, name, id_hash, id_masked in session.execute(query):
        members[code].append(MemberRef(name, id_hash, id_masked))
        scope[code] = (edition, contest)
    return [TeamRecord(code, scope[code][0], group, tuple(refs), scope[code][1]) for code, refs in members.items()]
