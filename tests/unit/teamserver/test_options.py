"""Who may sign in, which client ids name a metadata document, and which public URLs serve."""

from __future__ import annotations

import pytest

from sage200_mcp.errors import ConfigError
from sage200_mcp.teamserver.app import public_base
from sage200_mcp.teamserver.clients import is_document_url
from sage200_mcp.teamserver.options import AllowList, DocumentLimits, TeamServerOptions


def test_the_allow_list_admits_named_people_and_whole_domains_only() -> None:
    allow = AllowList.parse(" Ann@Example.com, @finance.example.org;bob@other.example ")
    assert allow.admits("ann@example.com") and allow.admits("ANN@EXAMPLE.COM")
    assert allow.admits("carol@finance.example.org") and allow.admits("bob@other.example")
    for refused in (
        None,
        "",
        "eve@example.com",
        "eve@sub.finance.example.org",
        "eve@finance.example.org.evil",
        "ann@example.com.evil",
    ):
        assert not allow.admits(refused)


@pytest.mark.parametrize("text", [None, "", " , ", "ann", "@", "ann@localhost"])
def test_an_empty_or_unreadable_allow_list_is_refused(text: str | None) -> None:
    with pytest.raises(ConfigError, match="SAGE200_TEAM_ALLOW"):
        AllowList.parse(text)


def test_options_come_from_the_environment() -> None:
    options = TeamServerOptions.from_environ(
        {"SAGE200_TEAM_ALLOW": "@example.com"}, access_token_ttl=60
    )
    assert options.access_token_ttl == 60 and options.allow.admits("a@example.com")
    with pytest.raises(ConfigError, match="access-token-ttl"):
        TeamServerOptions.from_environ({"SAGE200_TEAM_ALLOW": "@example.com"}, access_token_ttl=0)


def test_only_https_urls_with_a_path_name_metadata_documents() -> None:
    strict, testing = DocumentLimits(), DocumentLimits(allow_loopback_http=True)
    assert is_document_url("https://client.example/oauth.json", strict)
    for not_one in (
        "https://client.example",
        "https://client.example/",
        "8f0c-uuid",
        "http://client.example/oauth.json",
        "http://127.0.0.1:8/oauth.json",
        "https://client.example/a.json#frag",
    ):
        assert not is_document_url(not_one, strict)
    assert is_document_url("http://127.0.0.1:8/oauth.json", testing)
    assert is_document_url("http://[::1]:8/oauth.json", testing)
    assert not is_document_url("http://client.example/oauth.json", testing)


def test_the_public_url_is_an_https_origin_or_loopback() -> None:
    assert public_base("https://sage.example.com/") == "https://sage.example.com"
    assert public_base("http://127.0.0.1:8000") == "http://127.0.0.1:8000"
    for refused in (
        "http://sage.example.com",
        "https://sage.example.com/team",
        "https://sage.example.com?x=1",
        "ftp://sage.example.com",
    ):
        with pytest.raises(ConfigError):
            public_base(refused)
