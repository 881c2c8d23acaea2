"""The pack: the route answers HTML, PDF and JSON for the caller's role; a
priority added in data appears in the API, the layer filter and the report."""

from __future__ import annotations

from typer.testing import CliRunner

from tests.priorities.conftest import ANALYST, PARTNER

REPORT = "/api/v1/priorities/report"
PERIOD = {"from": "2017-05", "to": "2017-07"}


def test_the_report_route_answers_html_and_pdf(client) -> None:
    html = client.get(REPORT, params=PERIOD, headers=ANALYST)
    assert html.status_code == 200, html.text
    assert html.headers["content-type"].startswith("text/html")
    page = html.text
    for name in (
        "Young people at risk",
        "Anti-social behaviour",
        "Substance misuse",
        "Violence and sexual violence",
        "Mental health",
        "Cyber-related harm",
    ):
        assert f"<h2>{name}</h2>" in page
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg"') >= 9  # maps, charts
    assert "County lines co-location" in page
    assert "The area pack gives no ward populations" in page
    assert "Data: police.uk" in page  # each figure says its source
    pdf = client.get(REPORT, params={**PERIOD, "format": "pdf"}, headers=PARTNER)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_one_priority_for_a_partner_shows_fewer_than_5(client) -> None:
    answer = client.get("/api/v1/priorities/violence", params=PERIOD, headers=PARTNER)
    assert answer.status_code == 200, answer.text
    pack = answer.json()
    assert pack["role"] == "partner" and [p["id"] for p in pack["priorities"]] == [
        "violence"
    ]
    months = pack["priorities"][0]["monthly"]
    assert all(isinstance(m["shown"], int) for m in months)  # hundreds a month
    public = client.get("/api/v1/priorities/violence", params=PERIOD).json()
    subs = {s["id"]: s for s in public["priorities"][0]["sublayers"]}
    assert subs["domestic_abuse"]["count"] == 0
    assert "withheld from the public role" in subs["domestic_abuse"]["note"]
    assert client.get("/api/v1/priorities/nope").status_code == 404


def test_a_priority_added_in_data_appears_everywhere(own_client, sql) -> None:
    listed = own_client.get("/api/v1/priorities").json()
    assert "shop_theft" in [p["id"] for p in listed["priorities"]]
    assert listed["population"] is True
    layer = own_client.get(
        "/api/v1/layers/grid",
        headers=ANALYST,
        params={"priority": "shop_theft", **PERIOD},
    ).json()
    expected = sql(
        "SELECT COUNT(*) FROM incidents WHERE category = 'Shoplifting' "
        "AND month BETWEEN '2017-05' AND '2017-07'"
    )
    assert sum(f["properties"]["n"] for f in layer["features"]) == expected
    pack = own_client.get(
        "/api/v1/priorities/shop_theft", params=PERIOD, headers=ANALYST
    ).json()
    figures = pack["priorities"][0]
    assert figures["total"] == expected
    for ward in figures["wards"]:  # populations of 10,000 (test file)
        if ward["code"]:
            assert ward["rate_per_1000"] == ward["count"] / 10
    assert any(
        "per thousand residents" in s["text"] and "highest rate" in s["text"]
        for s in figures["summary"]
    )
    html = own_client.get(REPORT, params={**PERIOD}, headers=ANALYST).text
    assert "<h2>Shop theft</h2>" in html


def test_the_cli_writes_the_pack(sample_db, tmp_path, monkeypatch) -> None:
    from hotspots.cli import app

    monkeypatch.setenv("HOTSPOTS_DATABASE_URL", f"sqlite:///{sample_db}")
    monkeypatch.setenv("HOTSPOTS_DATA_DIR", str(tmp_path / "data"))
    result = CliRunner().invoke(
        app,
        [
            "report",
            "priorities",
            "--from",
            "2017-06",
            "--to",
            "2017-07",
            "--out",
            str(tmp_path / "pack"),
            "--role",
            "partner",
            "--priority",
            "asb",
            "--no-pdf",
        ],
    )
    assert result.exit_code == 0, result.output
    page = (tmp_path / "pack" / "priorities.html").read_text(encoding="utf-8")
    assert "<h2>Anti-social behaviour</h2>" in page and "role: partner" in page
    bad = CliRunner().invoke(
        app, ["report", "priorities", "--out", str(tmp_path), "--role", "mayor"]
    )
    assert bad.exit_code != 0 and "unknown role 'mayor'" in bad.output
