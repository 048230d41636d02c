"""Every list with an Excel export goes through the background machinery, and the job
writes the list's rows (issue 13). A list that grows with the registry is never written
inside the request, however short it is today; only a fixed-size document downloads at
once, under EXPORT_BACKGROUND_ROWS (issue 17)."""

from __future__ import annotations

import ast
import importlib
import io
from pathlib import Path
from urllib.parse import urlencode

import openpyxl
import pytest
from django.test import override_settings
from django.urls import reverse

from schools import background_exports
from schools.models import ExportJob
from tests.coverage.factories import CoveragePointFactory, plan, pupil, signal
from tests.schools.factories import VillageFactory

pytestmark = pytest.mark.django_db


def _cells(content: bytes) -> list[tuple]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def _client_user(client):
    from accounts.models import User

    return User.objects.get(pk=client.session["_auth_user_id"])


def expected_cells(client, key: str, params: dict) -> list[tuple]:
    """The list's file as its exporter writes it, in this process, for the client's user."""
    entry = background_exports.get_export(key)
    user = _client_user(client)
    return _cells(entry.build_exporter(user, params).to_bytes(entry.objects(user, params)))


def assert_no_file_in_the_request(client, url: str, query: dict, back: str) -> None:
    """A registry-sized list's export address answers with the list, never the file,
    however short the list (EXPORT_BACKGROUND_ROWS far above it)."""
    with override_settings(EXPORT_BACKGROUND_ROWS=10_000):
        response = client.get(url, query)
    assert response.status_code == 302, response.get("Content-Type")
    assert response.url == back


def assert_exports_in_background(
    client, url: str, key: str, params: dict, export: dict, captured
) -> list[tuple]:
    """A fixed-size document: the direct download under the threshold, then no download
    over it. Any other list: no download at any size. Then the background button, and
    a job whose file has the exporter's cells."""
    entry = background_exports.get_export(key)
    expected = expected_cells(client, key, params)
    back = url + ("?" + urlencode(params) if params else "")
    if entry.fixed_size:
        with override_settings(EXPORT_BACKGROUND_ROWS=10_000):
            direct = client.get(url, {**params, **export})
        assert direct.status_code == 200
        assert direct["Content-Type"].startswith("application/vnd.openxmlformats")
        assert _cells(direct.content) == expected
    else:
        assert_no_file_in_the_request(client, url, {**params, **export}, back)
    with override_settings(EXPORT_BACKGROUND_ROWS=0):
        response = client.get(url, {**params, **export}, follow=True)
        assert response.redirect_chain == [(back, 302)]
        html = response.content.decode()
        assert "Xuất Excel (chạy nền)" in html
        start = reverse("schools:export_start", args=[key])
        assert f'action="{start}"' in html
        with captured(execute=True):
            started = client.post(start, params)
    job = ExportJob.objects.get(exporter=key)
    assert started.url == reverse("schools:export_detail", args=[job.pk])
    assert job.status == ExportJob.Status.DONE, job.error
    assert job.params == params
    download = client.get(reverse("schools:export_download", args=[job.pk]))
    assert _cells(b"".join(download.streaming_content)) == expected
    return expected


# ------------------------------------------------------------------ coverage


@pytest.fixture
def coverage_points(commune, school):
    for i in range(3):
        village = VillageFactory(commune=commune)
        point = CoveragePointFactory(village=village, name=f"Thôn {i:02d}")
        signal(point, "viettel", (0, 2, 3)[i])
        if i % 2:
            plan(point)
        pupil(school, village, need_data=True)


def test_coverage_point_list(
    client_for, province_official, coverage_points, django_capture_on_commit_callbacks
):
    cells = assert_exports_in_background(
        client_for(province_official),
        reverse("coverage:list"),
        "coverage.points",
        {"sort": "-name"},
        {"format": "xlsx"},
        django_capture_on_commit_callbacks,
    )
    assert {"Thôn 00", "Thôn 01", "Thôn 02"} <= {c for row in cells for c in row}


def test_coverage_gap_ranking(
    client_for, province_official, coverage_points, django_capture_on_commit_callbacks
):
    cells = assert_exports_in_background(
        client_for(province_official),
        reverse("coverage:ranking"),
        "coverage.gap_ranking",
        {"weak": "1"},
        {"export": "xlsx"},
        django_capture_on_commit_callbacks,
    )
    assert "Thôn 00" in {c for row in cells for c in row}


# ------------------------------------------------------------------- devices


@pytest.fixture
def stock(province_official, district, school):
    from devices import services
    from devices.models import Device
    from tests.devices.factories import DataPackageFactory, DeviceFactory, DeviceSourceFactory

    purchase = DeviceSourceFactory(created_by=province_official, reference="HĐ 12/2021/HĐMB")
    DeviceSourceFactory(created_by=province_official, reference="HĐ 13/2021/HĐMB")
    for _ in range(2):
        DeviceFactory(
            source=purchase, holder=Device.Holder.SCHOOL, school=school, district=district
        )
    devices = [DeviceFactory(source=purchase) for _ in range(3)]
    services.create_transfer(actor=province_official, devices=devices[:2], to_district=district)
    services.create_transfer(actor=province_official, devices=devices[2:], to_district=district)
    DataPackageFactory(name="EDU4G")
    DataPackageFactory(name="ED30", carrier="viettel")


@pytest.mark.parametrize("who", ["province_official", "district_officer"])
def test_devices_stock_summary(request, client_for, who, stock, django_capture_on_commit_callbacks):
    cells = assert_exports_in_background(
        client_for(request.getfixturevalue(who)),
        reverse("devices:stock"),
        "devices.stock_summary",
        {},
        {"export": "summary"},
        django_capture_on_commit_callbacks,
    )
    assert len(cells) > 2


@pytest.mark.parametrize(
    ("name", "key", "expected"),
    [
        ("devices:sources", "devices.sources", "HĐ 12/2021/HĐMB"),
        ("devices:transfers", "devices.transfers", None),
    ],
)
def test_devices_sources_and_transfers(
    client_for, province_official, stock, name, key, expected, django_capture_on_commit_callbacks
):
    cells = assert_exports_in_background(
        client_for(province_official),
        reverse(name),
        key,
        {},
        {"export": "xlsx"},
        django_capture_on_commit_callbacks,
    )
    assert len(cells) >= 3
    if expected:
        assert expected in {c for row in cells for c in row}


def test_devices_packages(client_for, district_officer, stock, django_capture_on_commit_callbacks):
    cells = assert_exports_in_background(
        client_for(district_officer),
        reverse("devices:packages"),
        "devices.packages",
        {},
        {"export": "xlsx"},
        django_capture_on_commit_callbacks,
    )
    assert {"EDU4G", "ED30"} <= {c for row in cells for c in row}


# ----------------------------------------------------------------- donations


@pytest.fixture
def donation_manager(province):
    from tests.accounts.factories import UserFactory, role

    return UserFactory(username="tai_tro", role=role("donation_manager"), province=province)


@pytest.fixture
def donations(donation_manager):
    import datetime as dt

    from donations import services
    from donations.models import Spending
    from tests.donations.factories import (
        CashReceiptFactory,
        DonorFactory,
        FundAccountFactory,
        PledgeFactory,
    )

    account = FundAccountFactory()
    for name, reference in (
        ("Ngân hàng Agribank Lào Cai", "FT-111"),
        ("Viettel Lào Cai", "FT-222"),
    ):
        pledge = PledgeFactory(donor=DonorFactory(name=name), created_by=donation_manager)
        receipt = CashReceiptFactory(
            pledge=pledge, account=account, amount=30_000_000, reference=reference
        )
        services.record_spending(
            actor=donation_manager,
            spent_on=dt.date(2021, 12, 1),
            amount=10_000_000,
            account=account,
            purpose=Spending.Purpose.DATA,
            reference=f"UNC {reference}",
            receipts=[receipt],
            subscriptions_count=3,
        )


@pytest.mark.parametrize(
    ("name", "key", "params", "export", "expected"),
    [
        ("donations:donors", "donations.donors", {"q": "agribank"}, {"export": "xlsx"}, "FT"),
        ("donations:receipts", "donations.receipts", {"q": "FT"}, {"format": "xlsx"}, "FT-222"),
        ("donations:spendings", "donations.spendings", {}, {"format": "xlsx"}, "UNC FT-111"),
    ],
)
def test_donation_lists(
    client_for,
    donation_manager,
    donations,
    name,
    key,
    params,
    export,
    expected,
    django_capture_on_commit_callbacks,
):
    cells = assert_exports_in_background(
        client_for(donation_manager),
        reverse(name),
        key,
        params,
        export,
        django_capture_on_commit_callbacks,
    )
    values = " ".join(str(c) for row in cells for c in row)
    if key == "donations.donors":
        assert "Agribank" in values and "Viettel" not in values
    else:
        assert expected in values


@override_settings(EXPORT_BACKGROUND_ROWS=0)
def test_donor_export_address_sends_a_big_list_back_to_the_donor_list(
    client_for, donation_manager, donations
):
    response = client_for(donation_manager).get(reverse("donations:donor_export"), {"q": "lào"})
    assert response.status_code == 302
    assert response.url == reverse("donations:donors") + "?q=l%C3%A0o"


# ------------------------------------------------------------------ registry


def _resolve(node: ast.expr, namespace: dict):
    """A literal, a name or a dotted name (``exports.POINTS``) in ``namespace``."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return namespace[node.id]
    if isinstance(node, ast.Attribute):
        return getattr(_resolve(node.value, namespace), node.attr)
    raise AssertionError(f"export key not a name: {ast.unparse(node)}")


def _keys_used_by_views() -> set[str]:
    """The ``key=`` of every ``export_response(...)`` call in the apps' view modules,
    resolved in the module's own namespace (``exports.POINTS`` -> "coverage.points")."""
    root = Path(__file__).resolve().parents[2]
    used: set[str] = set()
    for path in root.glob("*/**/*.py"):
        parts = path.relative_to(root).parts
        if parts[0] in {"tests", ".venv", "node_modules"} or "migrations" in parts:
            continue
        if not (path.name == "views.py" or "views" in parts[:-1]):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module = importlib.import_module(".".join(path.relative_to(root).with_suffix("").parts))
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call) and getattr(node.func, "id", "") == "export_response"
            ):
                continue
            for kw in node.keywords:
                if kw.arg == "key":
                    used.add(_resolve(kw.value, vars(module)))
    return used


def test_every_registered_export_has_a_view_that_uses_it():
    registered = set(background_exports._REGISTRY)
    assert {
        "coverage.points",
        "coverage.gap_ranking",
        "devices.stock_summary",
        "devices.sources",
        "devices.transfers",
        "devices.packages",
        "donations.donors",
        "donations.receipts",
        "donations.spendings",
    } <= registered
    used = _keys_used_by_views()
    assert registered - used == set()
    assert used - registered == set()


def test_every_registered_export_keeps_its_access_rule(client_for, outsider):
    """A user without the list's capabilities cannot start its export by the generic URL."""
    client = client_for(outsider)
    for key, entry in background_exports._REGISTRY.items():
        assert entry.capabilities, key
        response = client.post(reverse("schools:export_start", args=[key]), {})
        assert response.status_code in (403, 404), key
    assert not ExportJob.objects.exists()


def test_coverage_officer_cannot_export_donations_by_the_generic_url(client_for, province):
    from tests.accounts.factories import UserFactory, role

    officer = UserFactory(role=role("coverage_officer"), province=province)
    client = client_for(officer)
    for key in ("donations.donors", "donations.receipts", "donations.spendings"):
        response = client.post(reverse("schools:export_start", args=[key]), {})
        assert response.status_code == 404, key
    assert not ExportJob.objects.exists()


# -------------------------------------------------------------------- rounds


@pytest.mark.parametrize("who", ["province_official", "district_officer"])
def test_round_overview(
    request, client_for, who, district, other_district, django_capture_on_commit_callbacks
):
    from tests.rounds.factories import QuotaFactory, SupportRoundFactory

    support_round = SupportRoundFactory(
        name="Đợt 1 năm 2021", created_by=request.getfixturevalue("province_official")
    )
    QuotaFactory(round=support_round, district=district, amount=10)
    QuotaFactory(round=support_round, district=other_district, kind="data", amount=5)
    client = client_for(request.getfixturevalue(who))
    url = reverse("rounds:export", args=[support_round.pk])
    detail = reverse("rounds:detail", args=[support_round.pk])
    with override_settings(EXPORT_BACKGROUND_ROWS=10_000):
        direct = client.get(url)
    assert direct.status_code == 200
    expected = _cells(direct.content)
    assert any("Đợt 1 năm 2021" in str(c) for row in expected for c in row)
    with override_settings(EXPORT_BACKGROUND_ROWS=0):
        response = client.get(url, follow=True)
        assert response.redirect_chain == [(detail, 302)]
        html = response.content.decode()
        start = reverse("schools:export_start", args=["rounds.overview"])
        assert "Xuất Excel (chạy nền)" in html and f'action="{start}"' in html
        assert f'name="round" value="{support_round.pk}"' in html
        with django_capture_on_commit_callbacks(execute=True):
            client.post(start, {"round": str(support_round.pk)})
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.DONE, job.error
    download = client.get(reverse("schools:export_download", args=[job.pk]))
    assert _cells(b"".join(download.streaming_content)) == expected


def test_round_overview_export_is_not_for_schools(client_for, school_staff, province_official):
    from tests.rounds.factories import SupportRoundFactory

    support_round = SupportRoundFactory(created_by=province_official)
    response = client_for(school_staff).post(
        reverse("schools:export_start", args=["rounds.overview"]), {"round": support_round.pk}
    )
    assert response.status_code == 404


# ------------------------------------------------------------------- reports


@pytest.mark.parametrize(
    ("name", "key"), [("figures", "reports.figures"), ("categories", "reports.categories")]
)
def test_dashboard_tables(
    client_for,
    province_official,
    district,
    other_district,
    name,
    key,
    django_capture_on_commit_callbacks,
):
    cells = assert_exports_in_background(
        client_for(province_official),
        reverse("reports:dashboard"),
        key,
        {"district": str(district.pk)},
        {"export": name},
        django_capture_on_commit_callbacks,
    )
    assert len(cells) >= 3


# ------------------------------------------------ per-donor devices, proposals


def test_donor_devices(client_for, donation_manager, django_capture_on_commit_callbacks):
    from devices.models import DeviceSource
    from donations.models import InKindReceipt
    from tests.devices.factories import DeviceFactory, DeviceSourceFactory
    from tests.donations.factories import DonorFactory, PledgeFactory

    donor = DonorFactory(name="Viettel Lào Cai")
    pledge = PledgeFactory(donor=donor, created_by=donation_manager)
    source = DeviceSourceFactory(
        kind=DeviceSource.Kind.DONATION, created_by=donation_manager, reference="BB 07/2021"
    )
    serials = {f"R9XT{i:04d}" for i in range(3)}
    for serial in serials:
        DeviceFactory(source=source, serial_number=serial)
    DeviceFactory(serial_number="NOT-THIS-DONOR")
    InKindReceipt.objects.create(pledge=pledge, source=source, recorded_by=donation_manager)
    client = client_for(donation_manager)
    url = reverse("donations:donor_devices", args=[donor.pk])
    detail = reverse("donations:donor_detail", args=[donor.pk])
    assert_no_file_in_the_request(client, url, {}, detail)
    expected = expected_cells(client, "donations.donor_devices", {"donor": str(donor.pk)})
    with override_settings(EXPORT_BACKGROUND_ROWS=2):
        response = client.get(url, follow=True)
        assert response.redirect_chain == [(detail, 302)]
        html = response.content.decode()
        start = reverse("schools:export_start", args=["donations.donor_devices"])
        assert "Xuất Excel (chạy nền)" in html and f'action="{start}"' in html
        assert f'name="donor" value="{donor.pk}"' in html
        with django_capture_on_commit_callbacks(execute=True):
            client.post(start, {"donor": str(donor.pk)})
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.DONE, job.error
    assert job.rows == 3
    download = client.get(reverse("schools:export_download", args=[job.pk]))
    assert "Thiết bị - Viettel Lào Cai.xlsx" in _quoted(download)
    cells = _cells(b"".join(download.streaming_content))
    assert cells == expected
    assert serials <= {c for row in cells for c in row}
    assert "NOT-THIS-DONOR" not in {c for row in cells for c in row}


def _quoted(response) -> str:
    from urllib.parse import unquote

    return unquote(response["Content-Disposition"])


def test_donor_devices_of_another_province_cannot_be_exported_by_the_generic_url(
    client_for, donation_manager, other_district
):
    from tests.accounts.factories import UserFactory, role
    from tests.donations.factories import DonorFactory

    donor = DonorFactory()
    district_officer = UserFactory(role=role("district_officer"), district=other_district)
    response = client_for(district_officer).post(
        reverse("schools:export_start", args=["donations.donor_devices"]), {"donor": donor.pk}
    )
    assert response.status_code == 404
    assert not ExportJob.objects.exists()


@pytest.fixture
def proposal(province_official, school):
    from rounds.models import Proposal
    from tests.rounds.factories import (
        ProposalFactory,
        ProposalItemFactory,
        PupilFactory,
        SupportRoundFactory,
    )

    support_round = SupportRoundFactory(name="Đợt 2 năm 2021", created_by=province_official)
    proposal = ProposalFactory(round=support_round, school=school, status=Proposal.Status.SUBMITTED)
    for n in range(1, 5):
        ProposalItemFactory(proposal=proposal, student=PupilFactory(school=school), priority=n)
    return proposal


@pytest.mark.parametrize("who", ["school_staff", "district_officer"])
def test_proposal(request, client_for, who, proposal, django_capture_on_commit_callbacks):
    from accounts.models import PersonalDataAccess

    user = request.getfixturevalue(who)
    client = client_for(user)
    url = reverse("rounds:proposal_export", args=[proposal.pk])
    detail = reverse("rounds:proposal", args=[proposal.pk])
    assert_no_file_in_the_request(client, url, {}, detail)
    assert not PersonalDataAccess.objects.filter(action="export").exists()
    expected = expected_cells(client, "rounds.proposal", {"proposal": str(proposal.pk)})
    with override_settings(EXPORT_BACKGROUND_ROWS=3):
        response = client.get(url, follow=True)
        assert response.redirect_chain == [(detail, 302)]
        assert not PersonalDataAccess.objects.filter(action="export").exists()
        html = response.content.decode()
        start = reverse("schools:export_start", args=["rounds.proposal"])
        assert "Xuất Excel (chạy nền)" in html and f'action="{start}"' in html
        assert f'name="proposal" value="{proposal.pk}"' in html
        with django_capture_on_commit_callbacks(execute=True):
            client.post(start, {"proposal": str(proposal.pk)})
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.DONE, job.error
    download = client.get(reverse("schools:export_download", args=[job.pk]))
    assert proposal.school.name in _quoted(download)
    cells = _cells(b"".join(download.streaming_content))
    assert cells == expected
    header = next(i for i, row in enumerate(cells) if row[0] == "Thứ tự ưu tiên")
    items = list(proposal.items.order_by("priority").select_related("student"))
    assert [(row[0], row[1], row[2]) for row in cells[header + 1 :]] == [
        (item.priority, item.student.masked_pupil_code, item.student.full_name) for item in items
    ]
    assert all(item.student.pupil_code not in str(cells) for item in items)
    record = PersonalDataAccess.objects.get(action="export")
    assert (record.user, record.rows) == (user, 4)
    assert record.what == "Danh sách đề xuất (Excel)"


def test_proposal_of_another_school_cannot_be_exported_by_the_generic_url(
    client_for, proposal, other_school_staff
):
    response = client_for(other_school_staff).post(
        reverse("schools:export_start", args=["rounds.proposal"]), {"proposal": proposal.pk}
    )
    assert response.status_code == 404
    assert not ExportJob.objects.exists()
