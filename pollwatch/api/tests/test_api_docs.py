"""The OpenAPI schema and the interactive docs: served from here, no CDN, within the strict CSP;
and docs/api.md keeps up with the endpoints and the export columns."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pollwatch.api.datasets import DATASETS
from pollwatch.testing import PERSONAS

DOCS = "/api/v1/docs"
API_MD = (Path(__file__).resolve().parents[3] / "docs" / "api.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_the_docs_and_schema_are_open_to_all(client, mission, persona):
    if persona != "anonymous":
        client.force_login(mission.users[persona])
    assert client.get(DOCS).status_code == 200
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_the_docs_page_loads_only_local_files(client, db):
    response = client.get(DOCS)
    page = response.content.decode()
    urls = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert len(urls) == 4, urls
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert "immutable" in asset["Cache-Control"]
        b"".join(asset.streaming_content)
        asset.close()
    assert "http://" not in page and "https://" not in page
    assert "cdn" not in page.lower()


def test_the_docs_page_works_under_the_csp(client, db):
    response = client.get(DOCS)
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    page = response.content.decode()
    for tag in re.findall(r"<script[^>]*>", page):
        # Only files, and the settings as data (never executed, so no nonce needed).
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert "<style" not in page and "style=" not in page
    assert not re.search(r"<[^>]*\son[a-z]+=", page), "no inline event handlers"


def test_the_swagger_settings_point_at_our_schema_and_no_validator(client, db):
    page = client.get(DOCS).content.decode()
    found = re.search(r'<script id="swagger-settings" type="application/json">(.*?)</script>', page)
    assert found
    settings = json.loads(found.group(1))
    assert settings["url"] == "/api/v1/openapi.json"
    assert settings["validatorUrl"] is None


def test_the_docs_assets_are_only_swagger_uis(client, db):
    import ninja

    base = f"/api/v1/docs/ninja-{ninja.__version__}/"
    assert client.get(base + "swagger-ui.css")["Content-Type"].startswith("text/css")
    assert client.get(base + "redoc.standalone.js").status_code == 404
    assert client.get(base + "..%2F__init__.py").status_code == 404


def test_the_schema_describes_every_endpoint_and_both_ways_to_sign_in(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) == {
        "/api/v1/elections",
        "/api/v1/elections/{slug}",
        "/api/v1/elections/{slug}/stations",
        "/api/v1/elections/{slug}/submissions",
        "/api/v1/elections/{slug}/incidents",
        "/api/v1/elections/{slug}/estimates/quick-count",
        "/api/v1/elections/{slug}/estimates/exit-poll",
        "/api/v1/elections/{slug}/official-results",
        "/api/v1/elections/{slug}/published-polls",
        "/api/v1/elections/{slug}/forensics",
    }
    assert all(set(ops) == {"get"} for ops in schema["paths"].values())
    assert set(schema["components"]["securitySchemes"]) == {"TokenAuth", "SessionAuth"}


def test_docs_api_md_names_every_endpoint(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    for path in schema["paths"]:
        assert f"`{path.removeprefix('/api/v1')}" in API_MD, path


@pytest.mark.parametrize("dataset", DATASETS)
def test_docs_api_md_lists_every_export_column(dataset):
    section = API_MD.split(f"### `{dataset}`", 1)
    assert len(section) == 2, f"no section for {dataset}"
    text = section[1].split("\n### ", 1)[0]
    for column in DATASETS[dataset].COLUMNS:
        assert f"`{column.name}`" in text, (dataset, column.name)
