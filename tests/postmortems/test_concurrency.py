"""Concurrent section saves on PostgreSQL, each in its own thread and connection: saves of
different sections all land; saves of one section from the same version leave exactly one
winner and a conflict for every other — no lost update, no silent overwrite."""

from __future__ import annotations

import pytest

from core.errors import ConflictError
from incidents.models import Source
from postmortems import selectors, services
from postmortems.models import PostmortemSection, SectionComment
from tests.concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

KEYS = ["summary", "impact", "root_cause", "resolution", "went_well", "lessons"]


def _save(section_pk: int, actor, body: str, base_version: int):
    def job() -> None:
        section = PostmortemSection.objects.get(pk=section_pk)
        services.section_save(section=section, actor=actor, body=body, base_version=base_version)

    return job


def test_people_saving_different_sections_at_once_all_keep_their_work(
    busy_incident, responder, other_responder
):
    postmortem = services.postmortem_create(
        incident=busy_incident, actor=responder, source=Source.WEB
    )
    sections = {key: selectors.section_get(postmortem=postmortem, key=key) for key in KEYS}
    jobs = [
        _save(sections[key].pk, (responder, other_responder)[n % 2], f"text of {key}", 1)
        for n, key in enumerate(KEYS)
    ]
    assert run_together(*jobs) == []
    for key in KEYS:
        saved = selectors.section_get(postmortem=postmortem, key=key)
        assert (saved.body, saved.version) == (f"text of {key}", 2)


def test_saves_of_one_section_from_the_same_version_have_one_winner(
    busy_incident, responder, other_responder
):
    postmortem = services.postmortem_create(
        incident=busy_incident, actor=responder, source=Source.WEB
    )
    summary = selectors.section_get(postmortem=postmortem, key="summary")
    bodies = [f"version by writer {n}" for n in range(6)]
    errors = run_together(
        *[
            _save(summary.pk, (responder, other_responder)[n % 2], body, 1)
            for n, body in enumerate(bodies)
        ]
    )
    assert len(errors) == 5
    assert all(isinstance(error, ConflictError) for error in errors), errors
    assert all("since you opened it" in error.message for error in errors)
    saved = selectors.section_get(postmortem=postmortem, key="summary")
    assert saved.version == 2
    assert saved.body in bodies
    assert not SectionComment.objects.exists()
