"""What SageClient finds out about Sage on first use, and remembers: how a company answers
``$count=true``, how many rows a collection can be read in at once, what a 401 means, and the
edition when none is configured. Sage is mocked with respx, playing each undocumented variant.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from sage200_mcp.api.client import Company, PagePolicy, SageClient
from sage200_mcp.api.errors import (
    CompanyRefused,
    EditionNotFound,
    TooSlow,
    Unavailable,
)
from sage200_mcp.auth.errors import NotSignedIn
from sage200_mcp.config import Settings, read_toml
from tests.unit.api.fakes import API, COMPANY, Clock, Tokens

pytestmark = pytest.mark.anyio

ORIGIN = "https://api.test.invalid"
STANDARD = f"{ORIGIN}/uk/sage200/accounts/v1/"
OTHER = Company("site-guid", 8, "Site", "Other Ltd")
ORDERED = {"$orderby": "id asc"}
SITES = [
    {"site_id": "site-guid", "site_name": "Site", "company_id": 7, "company_name": "Company"},
    {"site_id": "site-guid", "site_name": "Site", "company_id": 8, "company_name": "Other Ltd"},
]


def rows(count: int, start: int = 0) -> list[dict[str, int]]:
    return [{"id": n} for n in range(start, start + count)]


def params_of(route: respx.Route) -> list[dict[str, str]]:
    return [dict(call.request.url.params) for call in route.calls]


def pages_of(route: respx.Route) -> list[dict[str, str]]:
    """The page requests, without the $count probes a scan's first page sends beside them."""
    return [params for params in params_of(route) if "$count" not in params]


# -- $count: detected once per company, then used the cheapest way --------------------------------


def count_style(style: str, total: int = 523) -> Callable[[httpx.Request], httpx.Response]:
    """A company that answers $count=true as ``style`` does; pages as asked otherwise."""

    def answer(request: httpx.Request) -> httpx.Response:
        params = request.url.params
        top = int(params.get("$top", "500"))
        skip = int(params.get("$skip", "0"))
        page = rows(max(0, min(top, total - skip)), skip)
        if params.get("$count") != "true":
            return httpx.Response(200, json=page)
        if style == "number":
            return httpx.Response(200, json=total)
        if style == "odata":
            return httpx.Response(200, json={"@odata.count": total, "value": page})
        if style == "refused":
            return httpx.Response(400, json={"Message": "$count is not supported"})
        return httpx.Response(200, json=page)  # ignored

    return answer


@respx.mock
async def test_a_bare_number_count_is_asked_beside_the_page(client: SageClient) -> None:
    route = respx.get(f"{API}customers").mock(side_effect=count_style("number"))
    assert await client.page_with_total("customers", COMPANY, ORDERED, 0, 25) == (
        rows(25),
        True,
        523,
    )
    route.calls.clear()
    found = await client.page_with_total("customers", COMPANY, ORDERED, 0, 25)
    assert found == (rows(25), True, 523)
    sent = params_of(route)
    assert len(sent) == 2
    assert {"$count": "true"} in sent  # the count as today: no $top, nothing but the filter
    assert {"$orderby": "id asc", "$top": "26"} in sent


@respx.mock
async def test_an_odata_count_comes_with_the_page_in_one_request(client: SageClient) -> None:
    route = respx.get(f"{API}customers").mock(side_effect=count_style("odata"))
    await client.page_with_total("customers", COMPANY, ORDERED, 0, 25)
    route.calls.clear()
    found = await client.page_with_total("customers", COMPANY, ORDERED, 50, 25)
    assert found == (rows(25, 50), True, 523)
    assert params_of(route) == [
        {"$orderby": "id asc", "$top": "26", "$skip": "50", "$count": "true"}
    ]


@pytest.mark.parametrize("style", ["refused", "ignored"])
@respx.mock
async def test_without_count_support_no_count_is_asked_again(
    client: SageClient, style: str
) -> None:
    route = respx.get(f"{API}customers").mock(side_effect=count_style(style))
    assert await client.page_with_total("customers", COMPANY, ORDERED, 0, 25) == (
        rows(25),
        True,
        None,
    )
    route.calls.clear()
    assert await client.page_with_total("customers", COMPANY, ORDERED, 25, 25) == (
        rows(25, 25),
        True,
        None,
    )
    assert params_of(route) == [{"$orderby": "id asc", "$top": "26", "$skip": "25"}]


@respx.mock
async def test_the_count_style_is_remembered_per_company(client: SageClient) -> None:
    route = respx.get(f"{API}customers").mock(side_effect=count_style("ignored"))
    await client.page_with_total("customers", COMPANY, ORDERED, 0, 25)
    route.calls.clear()
    await client.page_with_total("customers", OTHER, ORDERED, 0, 25)
    assert route.call_count == 2  # another company: found out again


@respx.mock
async def test_a_failed_count_proves_nothing_and_is_asked_again(client: SageClient) -> None:
    answer = count_style("number")

    def failing_count(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("$count"):
            return httpx.Response(500)
        return answer(request)

    route = respx.get(f"{API}customers").mock(side_effect=failing_count)
    assert (await client.page_with_total("customers", COMPANY, ORDERED, 0, 25))[2] is None
    route.mock(side_effect=answer)
    route.calls.clear()
    assert (await client.page_with_total("customers", COMPANY, ORDERED, 0, 25))[2] == 523
    assert any(p.get("$count") for p in params_of(route))


@respx.mock
async def test_a_count_cut_short_by_the_pages_top_is_no_total(client: SageClient) -> None:
    def cut(request: httpx.Request) -> httpx.Response:
        top = int(request.url.params["$top"])
        if request.url.params.get("$count"):
            return httpx.Response(200, json=top)  # counted after $top: 26, not 523
        return httpx.Response(200, json=rows(top))

    respx.get(f"{API}customers").mock(side_effect=cut)
    assert (await client.page_with_total("customers", COMPANY, ORDERED, 100, 25))[2] is None


@respx.mock
async def test_a_count_refused_later_does_not_fail_the_page(client: SageClient) -> None:
    route = respx.get(f"{API}customers").mock(side_effect=count_style("odata"))
    await client.page_with_total("customers", COMPANY, ORDERED, 0, 25)
    route.mock(side_effect=count_style("refused"))
    assert await client.page_with_total("customers", COMPANY, ORDERED, 0, 25) == (
        rows(25),
        True,
        None,
    )


# -- heavy requests fail fast; scans halve their pages ---------------------------------------------


@pytest.mark.parametrize(
    ("params", "failure"),
    [
        ({}, httpx.Response(504)),  # no $top: Sage's default of 500 rows
        ({"$top": "1000"}, httpx.Response(504)),
        ({"$top": "251"}, httpx.ReadTimeout("slow")),
    ],
)
@respx.mock
async def test_a_heavy_request_that_times_out_is_not_sent_again(
    client: SageClient, clock: Clock, params: dict[str, str], failure: Any
) -> None:
    route = respx.get(f"{API}customers").mock(side_effect=[failure, httpx.Response(200, json=[])])
    with pytest.raises(TooSlow, match="ask for less"):
        await client.get_list("customers", COMPANY, params)
    assert route.call_count == 1 and clock.slept == []


@pytest.mark.parametrize(
    "params", [{"$top": "250"}, {"$count": "true"}, {"$count": "true", "$filter": "x eq 1"}]
)
@respx.mock
async def test_light_requests_and_counts_are_still_retried(
    client: SageClient, params: dict[str, str]
) -> None:
    route = respx.get(f"{API}customers").mock(
        side_effect=[httpx.Response(504), httpx.Response(200, json=[])]
    )
    await client.get_json("customers", COMPANY, params)
    assert route.call_count == 2


@respx.mock
async def test_one_record_is_light_whatever_its_options(client: SageClient) -> None:
    route = respx.get(f"{API}customers/1").mock(
        side_effect=[httpx.Response(504), httpx.Response(200, json={"id": 1})]
    )
    assert await client.get_item("customers/1", COMPANY, {"$expand": "contacts"}) == {"id": 1}
    assert route.call_count == 2


def tunnel(most: int, total: int) -> Callable[[httpx.Request], httpx.Response]:
    """A slow on-premises tunnel: a 504 for any request asking for more than ``most`` rows."""

    def answer(request: httpx.Request) -> httpx.Response:
        top = int(request.url.params.get("$top", "500"))
        if top > most:
            return httpx.Response(504)
        skip = int(request.url.params.get("$skip", "0"))
        return httpx.Response(200, json=rows(max(0, min(top, total - skip)), skip))

    return answer


@respx.mock
async def test_a_scan_halves_its_page_on_a_timeout_and_remembers_the_size(
    client: SageClient,
) -> None:
    route = respx.get(f"{API}customers").mock(side_effect=tunnel(most=600, total=1200))
    assert await client.all_rows("customers", COMPANY, ORDERED) == rows(1200)
    sent = [(p["$top"], p.get("$skip", "0")) for p in pages_of(route)]
    assert sent == [("1001", "0"), ("501", "0"), ("501", "500"), ("501", "1000")]
    route.calls.clear()
    await client.all_rows("customers", COMPANY, ORDERED)
    assert pages_of(route)[0]["$top"] == "501"  # the working size, from the start
    route.calls.clear()
    await client.all_rows("customers", OTHER, ORDERED)
    assert pages_of(route)[0]["$top"] == "1001"  # another company starts afresh


@respx.mock
async def test_a_scan_stops_halving_at_the_floor_and_then_retries(
    client: SageClient, clock: Clock
) -> None:
    route = respx.get(f"{API}customers").respond(504)
    with pytest.raises(Unavailable, match="504") as raised:
        await client.all_rows("customers", COMPANY, ORDERED)
    assert not isinstance(raised.value, TooSlow)
    tops = [p["$top"] for p in pages_of(route)]
    assert tops == ["1001", "501", "251", "126", "63", "51", "51", "51"]
    assert len(clock.slept) == 2  # only the floor page was retried


@respx.mock
async def test_the_page_policy_is_the_clients_to_set(
    settings: Settings, tokens: Tokens, clock: Clock
) -> None:
    route = respx.get(f"{API}customers").mock(side_effect=tunnel(most=150, total=30))
    async with httpx.AsyncClient() as http:
        client = SageClient(
            settings, tokens, http, clock=clock, sleep=clock.sleep, pages=PagePolicy(first=200)
        )
        assert await client.all_rows("customers", COMPANY, ORDERED) == rows(30)
    assert [p["$top"] for p in pages_of(route)] == ["201", "101"]


@respx.mock
async def test_a_big_query_page_is_read_in_smaller_pages_when_sage_times_out(
    client: SageClient,
) -> None:
    route = respx.get(f"{API}customers").mock(side_effect=tunnel(most=300, total=2000))
    found, more = await client.read_rows("customers", COMPANY, ORDERED, offset=10, limit=500)
    assert found == rows(500, 10) and more
    sent = [(p["$top"], p.get("$skip")) for p in params_of(route)]
    assert sent == [("501", "10"), ("251", "10"), ("251", "260")]


@respx.mock
async def test_without_an_order_a_read_is_one_request(client: SageClient) -> None:
    route = respx.get(f"{API}customers").mock(side_effect=tunnel(most=1000, total=40))
    assert await client.read_rows("customers", COMPANY, {}, offset=0, limit=50) == (
        rows(40),
        False,
    )
    assert params_of(route) == [{"$top": "51"}]
    with pytest.raises(ValueError, match="orderby"):
        await client.all_rows("customers", COMPANY, {})


# -- a 401 on a company's call: the token, or the company? -----------------------------------------


@respx.mock
async def test_a_401_with_sites_answering_is_the_company_not_the_sign_in(
    client: SageClient, tokens: Tokens
) -> None:
    company = respx.get(f"{API}customers").respond(401)
    sites = respx.get(f"{API}sites").respond(json=SITES)
    with pytest.raises(CompanyRefused) as raised:
        await client.get_list("customers", COMPANY, {"$top": "5"})
    assert raised.value.reachable
    text = str(raised.value)
    assert "on-premises" in text and "switch_site" in text and "sign in" not in text
    assert tokens.renewals == 0
    assert company.call_count == 1 and sites.call_count == 1
    assert sites.calls[0].request.headers["authorization"] == "Bearer token-1"
    assert "x-site" not in sites.calls[0].request.headers


@respx.mock
async def test_a_company_no_longer_reachable_is_named_with_those_that_are(
    client: SageClient, tokens: Tokens
) -> None:
    respx.get(f"{API}customers").respond(401)
    respx.get(f"{API}sites").respond(json=[SITES[1]])
    with pytest.raises(CompanyRefused) as raised:
        await client.get_list("customers", COMPANY, {"$top": "5"})
    assert not raised.value.reachable
    assert "no longer reach it" in str(raised.value)
    assert "Other Ltd (company 8, site Site)" in str(raised.value)
    assert tokens.renewals == 0


@respx.mock
async def test_a_401_with_sites_refusing_too_renews_the_token_once(
    client: SageClient, tokens: Tokens
) -> None:
    company = respx.get(f"{API}customers").mock(
        side_effect=[httpx.Response(401), httpx.Response(200, json=[])]
    )
    sites = respx.get(f"{API}sites").respond(401)
    assert await client.get_list("customers", COMPANY, {"$top": "5"}) == []
    assert tokens.renewals == 1 and sites.call_count == 1
    assert company.calls[-1].request.headers["authorization"] == "Bearer token-2"


@respx.mock
async def test_a_second_401_with_sites_refusing_means_not_signed_in(
    client: SageClient, tokens: Tokens
) -> None:
    respx.get(f"{API}customers").respond(401)
    respx.get(f"{API}sites").respond(401)
    with pytest.raises(NotSignedIn, match="sign in again"):
        await client.get_list("customers", COMPANY, {"$top": "5"})
    assert tokens.renewals == 1


@respx.mock
async def test_a_second_401_with_sites_answering_the_new_token_is_the_company(
    client: SageClient, tokens: Tokens
) -> None:
    respx.get(f"{API}customers").respond(401)
    respx.get(f"{API}sites").mock(
        side_effect=[httpx.Response(401), httpx.Response(200, json=SITES)]
    )
    with pytest.raises(CompanyRefused):
        await client.get_list("customers", COMPANY, {"$top": "5"})
    assert tokens.renewals == 1


@pytest.mark.parametrize("failure", [httpx.Response(503), httpx.ConnectError("down")])
@respx.mock
async def test_when_sites_cannot_say_the_token_is_renewed_as_before(
    client: SageClient, tokens: Tokens, failure: Any
) -> None:
    respx.get(f"{API}customers").mock(
        side_effect=[httpx.Response(401), httpx.Response(200, json=[])]
    )
    respx.get(f"{API}sites").mock(side_effect=[failure])
    assert await client.get_list("customers", COMPANY, {"$top": "5"}) == []
    assert tokens.renewals == 1


@respx.mock
async def test_a_401_on_sites_itself_renews_once(client: SageClient, tokens: Tokens) -> None:
    sites = respx.get(f"{API}sites").mock(
        side_effect=[httpx.Response(401), httpx.Response(200, json=SITES)]
    )
    assert await client.sites() == SITES
    assert tokens.renewals == 1 and sites.call_count == 2


@respx.mock
async def test_the_success_path_asks_nothing_more(client: SageClient) -> None:
    sites = respx.get(f"{API}sites").respond(json=SITES)
    route = respx.get(f"{API}customers").respond(json=[])
    await client.get_list("customers", COMPANY, {"$top": "5"})
    assert route.call_count == 1 and sites.call_count == 0


# -- the edition, found when not configured ------------------------------------------------------


def origin_settings(tmp_path: Path, **environ: str) -> Settings:
    return Settings.load(
        environ={"SAGE200_CONFIG_DIR": str(tmp_path), "SAGE200_API_URL": ORIGIN, **environ}
    )


@respx.mock
async def test_the_edition_is_found_and_remembered_in_the_profile(
    tmp_path: Path, tokens: Tokens
) -> None:
    settings = origin_settings(tmp_path)
    assert settings.detect_edition
    professional = respx.get(f"{API}sites").respond(404)
    standard = respx.get(f"{STANDARD}sites").respond(json=SITES)
    customers = respx.get(f"{STANDARD}customers").respond(json=[])
    async with httpx.AsyncClient() as http:
        client = SageClient(settings, tokens, http)
        assert client.edition is None and client.base_url is None
        assert await client.sites() == SITES
        await client.get_list("customers", COMPANY, {"$top": "5"})
        assert client.edition == "standard" and client.base_url == STANDARD
    assert professional.call_count == 1 and standard.call_count == 1  # no second /sites
    assert customers.call_count == 1
    assert read_toml(settings.profile_config_path)["edition"] == "standard"
    again = origin_settings(tmp_path)
    assert again.edition == "standard" and not again.detect_edition
    assert again.api_url == STANDARD


@respx.mock
async def test_professional_is_tried_first_and_other_keys_are_kept(
    tmp_path: Path, tokens: Tokens
) -> None:
    settings = origin_settings(tmp_path)
    settings.profile_config_path.parent.mkdir(parents=True)
    settings.profile_config_path.write_text('site_id = "site-guid"\ncompany_id = 7\n')
    standard = respx.get(f"{STANDARD}sites").respond(json=SITES)
    respx.get(f"{API}sites").respond(json=SITES)
    respx.get(f"{API}customers").respond(json=[])
    async with httpx.AsyncClient() as http:
        client = SageClient(settings, tokens, http)
        await client.get_list("customers", COMPANY, {"$top": "5"})
        assert await client.resolve_edition() == "professional"
    assert standard.call_count == 0
    assert read_toml(settings.profile_config_path) == {
        "site_id": "site-guid",
        "company_id": 7,
        "edition": "professional",
    }


@respx.mock
async def test_no_edition_answering_names_both_urls(tmp_path: Path, tokens: Tokens) -> None:
    respx.get(f"{API}sites").respond(404)
    respx.get(f"{STANDARD}sites").respond(404)
    async with httpx.AsyncClient() as http:
        client = SageClient(origin_settings(tmp_path), tokens, http)
        with pytest.raises(EditionNotFound) as raised:
            await client.sites()
    assert f"{API}sites" in str(raised.value) and f"{STANDARD}sites" in str(raised.value)
    assert "SAGE200_API_URL" in str(raised.value)


@pytest.mark.parametrize(
    ("environ", "base"),
    [
        ({"SAGE200_API_URL": ORIGIN, "SAGE200_EDITION": "standard"}, STANDARD),
        ({"SAGE200_API_URL": STANDARD}, STANDARD),
        ({"SAGE200_API_URL": API}, API),
    ],
)
@respx.mock
async def test_a_given_edition_or_base_url_is_used_as_it_is(
    tmp_path: Path, tokens: Tokens, environ: dict[str, str], base: str
) -> None:
    settings = Settings.load(environ={"SAGE200_CONFIG_DIR": str(tmp_path), **environ})
    assert not settings.detect_edition
    route = respx.get(f"{base}customers").respond(json=[])
    async with httpx.AsyncClient() as http:
        client = SageClient(settings, tokens, http)
        assert client.base_url == base
        await client.get_list("customers", COMPANY, {"$top": "5"})
    assert route.call_count == 1 and not settings.profile_config_path.exists()


# -- facts kept for a while ----------------------------------------------------------------------


async def test_remembered_facts_are_asked_again_once_stale(
    client: SageClient, clock: Clock
) -> None:
    asked: list[int] = []

    async def load() -> int:
        asked.append(1)
        return len(asked)

    assert await client.remembered("k", load, ttl=60) == 1
    clock.now += 59
    assert await client.remembered("k", load, ttl=60) == 1
    clock.now += 2
    assert await client.remembered("k", load, ttl=60) == 2
