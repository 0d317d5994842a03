"""Cached URL reversing answers what reverse() answers, under any script prefix."""

from __future__ import annotations

import pytest
from django.urls import reverse, set_script_prefix

from core import links


@pytest.fixture
def sub_path():
    set_script_prefix("/firebell/")
    yield
    set_script_prefix("/")


def test_a_cached_url_is_what_reverse_gives():
    assert links.url("incidents:board") == reverse("incidents:board")
    assert links.url("incidents:detail", 42) == reverse("incidents:detail", args=[42])


def test_a_deployment_under_a_sub_path_gets_its_own_urls(sub_path):
    assert links.url("incidents:list") == "/firebell/incidents/"
    make = links.url_for_number("incidents:transition", "acknowledge")
    assert make(7) == reverse("incidents:transition", args=[7, "acknowledge"])
    assert make(7).startswith("/firebell/incidents/7/")


def test_the_root_deployment_is_not_served_the_sub_paths_urls(sub_path):
    links.url("incidents:list")
    set_script_prefix("/")
    assert links.url("incidents:list") == "/incidents/"
