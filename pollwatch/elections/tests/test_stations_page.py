"""The stations table: search, area filter and keyset paging."""

from __future__ import annotations

from pollwatch.elections.models import PollingStation


def make_many(mission, count=120):
    district = mission.districts["D2"]
    PollingStation.objects.bulk_create(
        PollingStation(
            election=mission.election,
            code=f"D2-{n:04d}",
            name=f"Lyceum {n}" if n % 2 else f"Clinic {n}",
            area=district,
            area_path=district.path,
            registered_voters=500,
        )
        for n in range(100, 100 + count)
    )


def codes(page: str) -> list[str]:
    import re

    return re.findall(r'/stations/([^/"]+)/"', page)


def test_paging_walks_every_station_once_forwards_and_back(client, mission):
    make_many(mission)
    client.force_login(mission.users["coordinator"])
    seen, url = [], "/e/test-election/stations/"
    pages = []
    while url:
        page = client.get(url).content.decode()
        pages.append(page)
        found = codes(page)
        seen += found
        after = [line for line in page.split('"') if line.startswith("?q=&area=&after=")]
        url = f"/e/test-election/stations/{after[0]}" if after else ""
    assert len(seen) == len(set(seen)) == 126
    assert seen == sorted(seen)
    before = [line for line in pages[-1].split('"') if line.startswith("?q=&area=&before=")]
    previous = client.get(f"/e/test-election/stations/{before[0]}").content.decode()
    assert codes(previous) == seen[50:100]


def test_search_by_code_prefix_then_by_name(client, mission):
    make_many(mission)
    client.force_login(mission.users["analyst"])
    by_code = codes(client.get("/e/test-election/stations/?q=d1-").content.decode())
    assert by_code == ["D1-001", "D1-002"]
    by_name = codes(client.get("/e/test-election/stations/?q=lyceum 10").content.decode())
    assert by_name == [f"D2-{n:04d}" for n in (101, 103, 105, 107, 109)]


def test_area_filter_covers_the_subtree(client, mission):
    client.force_login(mission.users["admin"])
    page = client.get("/e/test-election/stations/?area=R1").content.decode()
    assert codes(page) == ["D1-001", "D1-002", "D2-001", "D2-002"]
    assert "4 stations in North" in page


def test_htmx_requests_get_only_the_table(client, mission):
    client.force_login(mission.users["admin"])
    partial = client.get(
        "/e/test-election/stations/?q=D3", headers={"HX-Request": "true"}
    ).content.decode()
    assert "<html" not in partial and "D3-001" in partial


def test_home_shows_the_geography_with_counts(client, mission):
    client.force_login(mission.users["media_monitor"])
    page = client.get("/e/test-election/").content.decode()
    assert "North" in page and "Returned" in page and "newly included" in page
    assert ">6<" in page.replace(" ", "")  # six stations in total
    children = client.get("/e/test-election/areas/R1/").content.decode()
    assert "District D1" in children and "District D2" in children
