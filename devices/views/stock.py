"""Stock pages: inventory per unit, device detail, receiving, sources and transfers."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import access
from accounts.access import capability_required, get_for_user, pupil_data_required
from accounts.http import AuthedRequest
from accounts.selectors import history_for
from devices import exports, rules, selectors, services
from devices.documents import transfer_slip_pdf
from devices.forms import DeviceImportForm, DeviceSourceForm, ReceiveDeviceForm, TransferForm
from devices.importers import DEVICE_COLUMNS, error_copy, import_device_list
from devices.models import Device, DeviceSource, StockTransfer
from devices.views.common import choice, paginate, report_errors, wants_export
from kernel.exports import export_button, export_response
from kernel.spreadsheets import SpreadsheetError
from schools import import_batches
from schools.choices import DeviceType
from schools.crosswalk import communes_in_force
from schools.models import District, ImportBatch, School

VIEW = ("can_allocate", "can_view_reports")
# The stock list's sortable columns (``?sap_xep=``).
DEVICE_SORTS = {
    "loai": ("device_type",),
    "model": ("make", "model_name"),
    "serial": ("serial_number",),
    "tinh_trang": ("condition",),
    "noi_giu": ("district__name", "school__name"),
    "trang_thai": ("status",),
}


@capability_required(*VIEW)
def stock(request: AuthedRequest) -> HttpResponse:
    """Province: stock per district and type; district: per school; school: its devices."""
    user = request.user
    filters = {
        "device_type": choice(request, "type", DeviceType),
        "status": choice(request, "status", Device.Status),
        "q": request.GET.get("q", "")[:60],
    }
    devices = exports.device_rows(user, request.GET)
    if wants_export(request):
        return export_response(request, key=exports.DEVICES, objects=devices)
    summary = exports.stock_summary_rows(user, request.GET)
    if wants_export(request, "summary"):
        return export_response(
            request, key=exports.STOCK_SUMMARY, objects=summary, count=len(summary)
        )
    pending = (
        StockTransfer.objects.visible_to(user)
        .filter(status=StockTransfer.Status.SENT)
        .filter(**_incoming_filter(user))
        .count()
    )
    context = {
        "summary": summary,
        "type_labels": DeviceType.labels,
        "filters": filters,
        "type_choices": DeviceType.choices,
        "status_choices": Device.Status.choices,
        "pending_incoming": pending,
        "can_receive": rules.may_receive_devices(user),
        "can_send": rules.may_send_devices(user),
        **paginate(request, devices, sorts=DEVICE_SORTS, default=("device_type", "serial_number")),
    }
    context["export"] = export_button(
        request, key=exports.DEVICES, count=context["page"].paginator.count
    )
    context["export_summary"] = export_button(
        request, key=exports.STOCK_SUMMARY, count=len(summary), name="summary"
    )
    return render(request, "devices/stock.html", context)


def _incoming_filter(user) -> dict:
    if access.is_school_user(user):
        return {"to_school_id": access.own_school_id(user)}
    if access.is_district_user(user):
        return {"to_district_id": access.own_district_id(user)}
    if access.is_commune_user(user):
        return {"to_commune_id": access.own_commune_id(user)}
    return {"pk__in": []}


@pupil_data_required
@capability_required(*VIEW)
def device_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    device = get_for_user(
        Device.objects.select_related("source", "district", "commune", "school"),
        request.user,
        pk=pk,
    )
    context = {
        "device": device,
        "can_write_off": rules.may_write_off(request.user, device),
        **selectors.device_history(device, request.user),
    }
    return render(request, "devices/device_detail.html", context)


@capability_required("can_allocate")
@require_POST
def device_write_off(request: AuthedRequest, pk: int) -> HttpResponse:
    device = get_for_user(Device.objects.all(), request.user, pk=pk)
    try:
        services.write_off_device(
            actor=request.user, device=device, reason=request.POST.get("reason", "")[:300]
        )
    except ValidationError as exc:
        report_errors(request, exc)
    else:
        messages.success(request, _("Đã thanh lý thiết bị %(s)s.") % {"s": device.serial_number})
    return redirect("devices:device_detail", pk=device.pk)


def _require_receiver(request: AuthedRequest) -> None:
    access.require(rules.may_receive_devices(request.user))


@capability_required("can_allocate", "can_manage_donations")
def receive(request: AuthedRequest) -> HttpResponse:
    """Enter one device into the provincial stock."""
    _require_receiver(request)
    form = ReceiveDeviceForm(
        request.POST or None,
        initial={"device_source": request.GET.get("source")},
        user=request.user,
    )
    if request.method == "POST" and form.is_valid():
        try:
            device = services.receive_device(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            report_errors(request, exc, form)
        else:
            messages.success(
                request, _("Đã nhập thiết bị %(s)s vào kho.") % {"s": device.serial_number}
            )
            return redirect("devices:receive")
    return render(request, "devices/receive.html", {"form": form})


@capability_required("can_allocate", "can_manage_donations")
def import_devices(request: AuthedRequest) -> HttpResponse:
    """Upload a delivery list: dry run with row errors, then confirm."""
    _require_receiver(request)
    form = DeviceImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        source = form.cleaned_data["device_source"]
        batch, unreadable = services.check_import_upload(
            actor=request.user,
            kind=ImportBatch.Kind.DEVICES,
            upload=upload,
            options={"device_source": source.pk},
            check=lambda f: import_device_list(
                actor=request.user,
                source=f,
                device_source=source,
                dry_run=True,
                filename=f.name or "",
            ),
        )
        if not unreadable:
            return redirect("devices:import_result", pk=batch.pk)
        form.add_error("file", unreadable)
    return render(request, "devices/import.html", {"form": form})


def _own_batch(request: AuthedRequest, pk: int, kind: str) -> ImportBatch:
    return import_batches.batch_for_user(request.user, pk, kinds=[kind], uploader_only=True)


@capability_required("can_allocate", "can_manage_donations")
def import_result(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_receiver(request)
    batch = _own_batch(request, pk, ImportBatch.Kind.DEVICES)
    source = DeviceSource.objects.filter(pk=batch.options.get("device_source")).first()
    return render(request, "devices/import_result.html", {"batch": batch, "source": source})


@capability_required("can_allocate", "can_manage_donations")
def import_errors(request: AuthedRequest, pk: int) -> HttpResponse:
    """The uploaded delivery list with a "Lỗi" column to correct and upload again."""
    _require_receiver(request)
    batch = _own_batch(request, pk, ImportBatch.Kind.DEVICES)
    return _error_copy_response(batch, DEVICE_COLUMNS)


def _error_copy_response(batch: ImportBatch, columns) -> HttpResponse:
    if not batch.errors or not batch.file:
        raise Http404
    try:
        with batch.file.open("rb") as fh:
            data = error_copy(fh, batch.errors, columns=columns)
    except SpreadsheetError:
        raise Http404 from None
    stem = batch.file_name.rsplit(".", 1)[0] or "danh-sach"
    return import_batches.error_copy_response(data, f"{stem} - lỗi.xlsx")


@capability_required("can_allocate", "can_manage_donations")
@require_POST
def import_confirm(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_receiver(request)
    batch = _own_batch(request, pk, ImportBatch.Kind.DEVICES)
    source = _batch_source(batch)
    report, problem = services.confirm_import(
        actor=request.user,
        batch=batch,
        run=lambda fh: import_device_list(
            actor=request.user,
            source=fh,
            device_source=source,
            dry_run=False,
            filename=batch.file_name,
        ),
    )
    if report is None:
        messages.error(request, problem)
        return redirect("devices:import_result", pk=batch.pk)
    if report.ok:
        messages.success(request, _("Đã nhập %(n)s thiết bị vào kho.") % {"n": report.created})
        return redirect(f"{reverse('devices:stock')}?source={source.pk}")
    messages.error(request, _("Không nhập được: dữ liệu đã thay đổi kể từ lần kiểm tra."))
    return redirect("devices:import_result", pk=batch.pk)


def _batch_source(batch: ImportBatch) -> DeviceSource:
    source = DeviceSource.objects.filter(pk=batch.options.get("device_source")).first()
    if source is None:
        raise Http404
    return source


SOURCE_SORTS = {
    "nguon": ("kind",),
    "so_chung_tu": ("reference",),
    "ngay_nhan": ("received_on",),
    "so_thiet_bi": ("total",),
    "trong_kho": ("in_stock",),
    "da_ban_giao": ("handed_over",),
}
TRANSFER_SORTS = {
    "so_phieu": ("pk",),
    "tu": ("from_district__name",),
    "den": ("to_school__name", "to_district__name"),
    "so_thiet_bi": ("device_count",),
    "ngay_gui": ("sent_at",),
    "trang_thai": ("status",),
}


@capability_required(*VIEW)
def sources(request: AuthedRequest) -> HttpResponse:
    """Devices by source (purchase or donation receipt)."""
    items = exports.source_rows(request.user, request.GET)
    if wants_export(request):
        return export_response(request, key=exports.SOURCES, objects=items)
    context = {
        "can_receive": rules.may_receive_devices(request.user),
        **paginate(request, items, sorts=SOURCE_SORTS, default=("-received_on", "-pk")),
    }
    context["export"] = export_button(
        request, key=exports.SOURCES, count=context["page"].paginator.count
    )
    return render(request, "devices/sources.html", context)


@capability_required("can_allocate", "can_manage_donations")
def source_create(request: AuthedRequest) -> HttpResponse:
    _require_receiver(request)
    form = DeviceSourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        source = services.create_device_source(actor=request.user, **form.cleaned_data)
        messages.success(request, _("Đã tạo nguồn %(s)s.") % {"s": source})
        return redirect(f"{reverse('devices:receive')}?source={source.pk}")
    return render(request, "devices/source_form.html", {"form": form})


# ------------------------------------------------------------------ transfers


@capability_required(*VIEW)
def transfers(request: AuthedRequest) -> HttpResponse:
    items = exports.transfer_rows(request.user, request.GET)
    if wants_export(request):
        return export_response(request, key=exports.TRANSFERS, objects=items)
    context = {
        "can_send": rules.may_send_devices(request.user),
        **paginate(request, items, sorts=TRANSFER_SORTS, default=("-sent_at", "-pk")),
    }
    context["export"] = export_button(
        request, key=exports.TRANSFERS, count=context["page"].paginator.count
    )
    return render(request, "devices/transfers.html", context)


def _transfer_form(request: AuthedRequest) -> TransferForm:
    user = request.user
    stock_qs = selectors.sendable_stock(user)
    if access.is_provincial_user(user):
        districts = District.objects.visible_to(user).order_by("name")
        communes = communes_in_force().filter(province_id=access.own_province_id(user))
        return TransferForm(
            request.POST or None,
            stock=stock_qs,
            districts=districts,
            communes=communes.order_by("name"),
        )
    if not (access.is_district_user(user) or access.is_commune_user(user)):
        access.refuse()
    schools = School.objects.visible_to(user).order_by("name")
    return TransferForm(request.POST or None, stock=stock_qs, schools=schools)


@capability_required("can_allocate")
def transfer_create(request: AuthedRequest) -> HttpResponse:
    form = _transfer_form(request)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            transfer = services.create_transfer(
                actor=request.user,
                devices=data["devices"],
                to_district=data.get("to_district"),
                to_commune=data.get("to_commune"),
                to_school=data.get("to_school"),
                note=data.get("note", ""),
            )
        except ValidationError as exc:
            report_errors(request, exc, form)
        else:
            messages.success(request, _("Đã gửi phiếu điều chuyển #%(n)s.") % {"n": transfer.pk})
            return redirect("devices:transfer_detail", pk=transfer.pk)
    return render(request, "devices/transfer_form.html", {"form": form})


@capability_required(*VIEW)
def transfer_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    transfer = get_for_user(
        StockTransfer.objects.select_related(
            "from_district",
            "to_district",
            "to_school",
            "from_commune",
            "to_commune",
            "sent_by",
            "received_by",
        ),
        request.user,
        pk=pk,
    )
    context = {
        "transfer": transfer,
        "devices": transfer.devices.order_by("device_type", "serial_number"),
        "missing": _missing(transfer),
    }
    return render(request, "devices/transfer_detail.html", context)


def _missing(transfer: StockTransfer) -> set[str]:
    """Serial numbers the receiver reported not received (from the receipt's audit row)."""
    received = history_for(transfer).filter(action="transfer.receive").first()
    return set((received.changes or {}).get("missing", [])) if received else set()


@capability_required(*VIEW)
def transfer_slip(request: AuthedRequest, pk: int) -> HttpResponse:
    """The printable transfer slip (biên bản giao nhận), with both parties' signatures."""
    transfer = get_for_user(
        StockTransfer.objects.select_related(
            "from_district", "to_district__province", "to_school__district__province"
        ).select_related("sent_by", "received_by"),
        request.user,
        pk=pk,
    )
    if transfer.status == StockTransfer.Status.CANCELLED:
        raise Http404
    response = HttpResponse(
        transfer_slip_pdf(transfer, _missing(transfer)), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="bien-ban-giao-nhan-{transfer.pk}.pdf"'
    return response


@capability_required("can_allocate")
@require_POST
def transfer_confirm(request: AuthedRequest, pk: int) -> HttpResponse:
    transfer = get_for_user(StockTransfer.objects.all(), request.user, pk=pk)
    missing = [int(v) for v in request.POST.getlist("missing") if v.isdigit()]
    try:
        services.confirm_transfer(actor=request.user, transfer=transfer, missing=missing)
    except ValidationError as exc:
        report_errors(request, exc)
    else:
        messages.success(request, _("Đã xác nhận nhận thiết bị; thiết bị đã vào kho của đơn vị."))
    return redirect("devices:transfer_detail", pk=transfer.pk)


@capability_required("can_allocate")
@require_POST
def transfer_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    transfer = get_for_user(StockTransfer.objects.all(), request.user, pk=pk)
    try:
        services.cancel_transfer(
            actor=request.user,
            transfer=transfer,
            reason=request.POST.get("reason", "")[:300],
        )
    except ValidationError as exc:
        report_errors(request, exc)
    else:
        messages.success(request, _("Đã hủy phiếu điều chuyển; thiết bị trở lại kho."))
    return redirect("devices:transfer_detail", pk=transfer.pk)
