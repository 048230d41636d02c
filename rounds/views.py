"""Pages for support rounds: thin views over rounds.selectors and rounds.services."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import access
from accounts.access import ViewFunc, capability_required, pupil_data_required
from accounts.http import AuthedRequest
from accounts.models import PersonalDataAccess, User
from accounts.selectors import history_for
from accounts.services import record_access
from kernel import clock
from kernel.exports import export_button, export_response
from rounds import chain, communes, exports, quota_views, rules, selectors, services
from rounds.forms import (
    ReasonForm,
    RoundForm,
    UnlockForm,
    parse_ids,
    parse_version,
)
from rounds.models import Proposal, SupportRound
from rounds.workflow import (
    EDITABLE_STATES,
    TRANSITIONS,
    RoundsError,
    acts_at_level,
    available_transitions,
)
from schools.models import School
from students.models import Student

ROUND_VIEWERS = ("can_propose", "can_approve", "can_manage_rounds")


def _user(request: AuthedRequest) -> User:
    return request.user


# --- rounds ---------------------------------------------------------------------------


@capability_required(*ROUND_VIEWERS)
def round_list(request: AuthedRequest) -> HttpResponse:
    user = _user(request)
    sorting = selectors.round_sorting(request.GET)
    rounds = list(sorting.apply(selectors.visible_rounds(user)))
    return render(
        request,
        "rounds/round_list.html",
        {
            "rounds": rounds,
            "sorting": sorting,
            "can_create": rules.may_manage_rounds(user),
        },
    )


def _province_manager(request: AuthedRequest) -> None:
    access.require(rules.may_manage_rounds(_user(request)))


@capability_required("can_manage_rounds")
def round_create(request: AuthedRequest) -> HttpResponse:
    _province_manager(request)
    form = RoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            round_ = services.open_round(actor=_user(request), **form.cleaned_data)
        except RoundsError as exc:
            form.add_error(None, exc.message)
        else:
            if round_.by_communes:
                text = _(
                    "Đã mở đợt hỗ trợ. Hãy giao chỉ tiêu cho các xã, phường và trường THPT, GDTX."
                )
            else:
                text = _("Đã mở đợt hỗ trợ. Hãy giao chỉ tiêu cho các huyện.")
            messages.success(request, text)
            return redirect("rounds:quotas", round_.pk)
    return render(request, "rounds/round_form.html", {"form": form, "round": None})


@capability_required("can_manage_rounds")
def round_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    _province_manager(request)
    round_ = selectors.get_round(_user(request), pk)
    form = RoundForm(request.POST or None, instance=SupportRound.objects.get(pk=round_.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_round(actor=_user(request), round=round_, **form.cleaned_data)
        except RoundsError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Đã lưu đợt hỗ trợ."))
            return redirect("rounds:detail", round_.pk)
    return render(request, "rounds/round_form.html", {"form": form, "round": round_})


@require_POST
@capability_required("can_manage_rounds")
def round_close(request: AuthedRequest, pk: int) -> HttpResponse:
    _province_manager(request)
    round_ = selectors.get_round(_user(request), pk)
    try:
        services.close_round(
            actor=_user(request), round=round_, reason=request.POST.get("reason", "")
        )
    except RoundsError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã đóng đợt hỗ trợ."))
    return redirect("rounds:detail", round_.pk)


@capability_required(*ROUND_VIEWERS)
def round_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    user = _user(request)
    round_ = selectors.get_round(user, pk)
    context: dict = {"round": round_, "kinds": selectors.offered_kinds(round_)}
    if access.is_provincial_user(user):
        units = communes.overview(round_, user)
        context.update(
            units=units,
            totals=selectors.totals(units, round_),
            can_manage=user.can("can_manage_rounds"),
            awaiting=Proposal.objects.visible_to(user)
            .filter(round=round_, status=Proposal.Status.APPROVED)
            .select_related("school", "school__district")
            .order_by("decided_at")
            if round_.requires_province_confirmation
            else [],
            history=history_for(round_)[:50],
            export=_export_button(request, round_, sum(len(u.kinds) for u in units)),
        )
        return render(request, "rounds/round_overview.html", context)
    if access.is_district_user(user) or access.is_commune_user(user):
        unit, holder, _schools = quota_views.own_unit(request, round_)
        context.update(
            district=unit,
            progress=selectors.unit_progress(round_, holder),
            can_approve=user.can("can_approve"),
            may_extend=rules.may_extend_in_round(user, round_),
            export=_export_button(request, round_, len(context["kinds"])),
        )
        return render(request, "rounds/round_district.html", context)
    school = School.objects.select_related("district").get(pk=access.own_school_id(user))
    deadline = services.school_deadline(round_, school)
    context.update(
        school=school,
        deadline=deadline,
        past_deadline=clock.today() > deadline,
        quotas=selectors.school_quotas(round_, school),
        proposal=Proposal.objects.visible_to(user).filter(round=round_, school=school).first(),
        can_propose=user.can("can_propose"),
        body=chain.body_name(chain.decider_for(round_, school)),
    )
    return render(request, "rounds/round_school.html", context)


@capability_required("can_approve", "can_manage_rounds")
def round_export(request: AuthedRequest, pk: int) -> HttpResponse:
    user = _user(request)
    params = {"round": str(pk)}
    rows = exports.overview_rows(user, params)
    return export_response(
        request,
        key=exports.OVERVIEW,
        objects=rows,
        count=len(rows),
        back_to=reverse("rounds:detail", args=[pk]),
        params=params,
    )


def _export_button(request: HttpRequest, round_: SupportRound, count: int) -> dict:
    return export_button(
        request,
        key=exports.OVERVIEW,
        count=count,
        params={"round": str(round_.pk)},
        url=reverse("rounds:export", args=[round_.pk]),
    )


# --- proposals ------------------------------------------------------------------------


@require_POST
@pupil_data_required
@capability_required("can_propose")
def proposal_start(request: AuthedRequest, pk: int) -> HttpResponse:
    user = _user(request)
    round_ = selectors.get_round(user, pk)
    try:
        proposal = services.start_proposal(actor=user, round=round_)
    except RoundsError as exc:
        messages.error(request, exc.message)
        return redirect("rounds:detail", round_.pk)
    return redirect("rounds:proposal", proposal.pk)


@pupil_data_required
@capability_required(*ROUND_VIEWERS)
def proposal_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    user = _user(request)
    proposal = selectors.get_proposal(user, pk)
    round_ = proposal.round
    can_edit = (
        round_.is_open
        and proposal.status in EDITABLE_STATES
        and user.can("can_propose")
        and acts_at_level(user, proposal, "school")
    )
    can_decide = rules.may_decide_now(user, proposal)
    items = list(selectors.proposal_items(proposal))
    quotas = selectors.school_quotas(round_, proposal.school)
    counts: dict[str, int] = {}
    for item in items:
        counts[item.kind] = counts.get(item.kind, 0) + 1
    kinds = [
        {"kind": k, "label": label, "quota": quotas.get(k, 0), "count": counts.get(k, 0)}
        for k, label in selectors.offered_kinds(round_)
    ]
    transitions = available_transitions(proposal, user)
    deadline = services.school_deadline(round_, proposal.school)
    body = chain.body_name(chain.proposal_decider(proposal))
    path = [Proposal.Status.DRAFT, Proposal.Status.SUBMITTED, Proposal.Status.APPROVED]
    if round_.requires_province_confirmation:
        path.append(Proposal.Status.CONFIRMED)
    if proposal.status in (Proposal.Status.RETURNED, Proposal.Status.REJECTED):
        path.insert(2, Proposal.Status(proposal.status))
    return render(
        request,
        "rounds/proposal_detail.html",
        {
            "proposal": proposal,
            "round": round_,
            "items": items,
            "kinds": kinds,
            "kind_choices": selectors.offered_kinds(round_),
            "can_edit": can_edit,
            "can_decide": can_decide,
            "transitions": transitions,
            **_candidates(request, proposal, can_edit),
            "history": chain.worded_history(proposal, history_for(proposal)[:100], body),
            "is_school": access.is_school_user(user),
            "deadline": deadline,
            "past_deadline": clock.today() > deadline,
            "steps": [(s.value, chain.status_name(round_, s, body)) for s in path],
            "body": body,
            "status_label": chain.status_label(proposal),
            "export": export_button(
                request,
                key=exports.PROPOSAL,
                count=len(items),
                params={"proposal": str(proposal.pk)},
                url=reverse("rounds:proposal_export", args=[proposal.pk]),
            ),
        },
    )


def _candidates(request: AuthedRequest, proposal: Proposal, can_edit: bool) -> dict[str, Any]:
    """The candidate list the school adds from: all of them, and those the filters show."""
    every = selectors.candidates(proposal) if can_edit else []
    filters = selectors.CandidateFilters.from_params(request.GET)
    return {
        "candidates": filters.apply(every),
        "candidate_total": len(every),
        "candidate_filters": filters,
        **selectors.candidate_options(every),
    }


def _run(request: HttpRequest, proposal: Proposal, action, success: str) -> HttpResponse:
    try:
        action()
    except services.StaleProposal as exc:
        messages.warning(request, exc.message)
    except RoundsError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect("rounds:proposal", proposal.pk)


BuilderAction = Callable[[AuthedRequest, User, Proposal], HttpResponse]


def _builder_post(action: BuilderAction) -> ViewFunc:
    """A POST of the school's list builder (``can_propose``, pupil data): ``action`` gets
    the user and the proposal, looked up in the user's scope (404 outside it)."""

    @require_POST
    @pupil_data_required
    @capability_required("can_propose")
    @wraps(action)
    def view(request: AuthedRequest, pk: int) -> HttpResponse:
        user = _user(request)
        return action(request, user, selectors.get_proposal(user, pk))

    return view


@_builder_post
def proposal_add(request: AuthedRequest, user: User, proposal: Proposal) -> HttpResponse:
    entries = selectors.entries_to_add(proposal, request.POST)
    if not entries:
        messages.warning(request, _("Chưa chọn học sinh nào."))
        return redirect("rounds:proposal", proposal.pk)
    return _run(
        request,
        proposal,
        lambda: services.add_proposal_items(
            actor=user, proposal=proposal, entries=entries, version=parse_version(request.POST)
        ),
        _("Đã thêm %(n)s học sinh vào danh sách.") % {"n": len(entries)},
    )


@_builder_post
def proposal_update(request: AuthedRequest, user: User, proposal: Proposal) -> HttpResponse:
    """Save the builder table: priorities, kinds, and removal of ticked pupils."""
    version = parse_version(request.POST)
    remove = parse_ids(request.POST.getlist("remove"))
    priorities: dict[int, int] = {}
    kinds: dict[int, str] = {}
    for key, raw in request.POST.items():
        value = str(raw)
        if key.startswith("priority_") and key[9:].isdigit() and value.strip().isdigit():
            priorities[int(key[9:])] = int(value)
        if key.startswith("kind_") and key[5:].isdigit():
            kinds[int(key[5:])] = value

    def save() -> None:
        from django.db import transaction

        with transaction.atomic():
            current = version
            if remove:
                services.remove_proposal_items(
                    actor=user, proposal=proposal, item_ids=remove, version=current
                )
                current = None  # the version was checked and bumped by the removal
            services.reorder_proposal_items(
                actor=user,
                proposal=proposal,
                priorities=priorities,
                kinds={k: v for k, v in kinds.items() if k not in remove},
                version=current,
            )

    return _run(request, proposal, save, _("Đã lưu danh sách."))


@_builder_post
def proposal_suggest(request: AuthedRequest, user: User, proposal: Proposal) -> HttpResponse:
    return _run(
        request,
        proposal,
        lambda: services.apply_suggested_order(
            actor=user, proposal=proposal, version=parse_version(request.POST)
        ),
        _("Đã sắp xếp theo thứ tự ưu tiên gợi ý."),
    )


# %(body)s: the proposal's deciding body ("UBND xã Nghĩa Đô"; "Phòng GD&ĐT" before the reform).
TRANSITION_MESSAGES = {
    "submit": gettext_lazy("Đã gửi danh sách tới %(body)s."),
    "approve": gettext_lazy("Đã duyệt danh sách."),
    "reject": gettext_lazy("Đã từ chối danh sách."),
    "return": gettext_lazy("Đã trả lại danh sách để trường chỉnh sửa."),
    "confirm": gettext_lazy("Đã xác nhận danh sách."),
    "send_back": gettext_lazy("Đã trả lại danh sách cho %(body)s xét duyệt lại."),
}


@require_POST
@pupil_data_required
@capability_required("can_propose", "can_approve")
def proposal_transition(request: AuthedRequest, pk: int, name: str) -> HttpResponse:
    if name not in TRANSITIONS:
        raise Http404
    user = _user(request)
    proposal = selectors.get_proposal(user, pk)
    form = ReasonForm(request.POST)
    reason = form.data.get("reason", "").strip()
    version = parse_version(request.POST)
    actions = {
        "submit": lambda: services.submit_proposal(actor=user, proposal=proposal, version=version),
        "approve": lambda: services.approve_proposal(
            actor=user, proposal=proposal, version=version, note=reason
        ),
        "reject": lambda: services.reject_proposal(
            actor=user, proposal=proposal, reason=reason, version=version
        ),
        "return": lambda: services.return_proposal(
            actor=user, proposal=proposal, note=reason, version=version
        ),
        "confirm": lambda: services.confirm_proposal(
            actor=user, proposal=proposal, version=version
        ),
        "send_back": lambda: services.send_back_proposal(
            actor=user, proposal=proposal, reason=reason, version=version
        ),
    }
    body = chain.body_name(chain.proposal_decider(proposal))
    message = str(TRANSITION_MESSAGES[name]) % {"body": body}
    return _run(request, proposal, actions[name], message)


@require_POST
@pupil_data_required
@capability_required("can_approve")
def proposal_decide_items(request: AuthedRequest, pk: int) -> HttpResponse:
    user = _user(request)
    proposal = selectors.get_proposal(user, pk)
    ids = parse_ids(request.POST.getlist("items"))
    version = parse_version(request.POST)
    if not ids:
        messages.warning(request, _("Chưa chọn học sinh nào."))
        return redirect("rounds:proposal", proposal.pk)
    if request.POST.get("action") == "approve":
        return _run(
            request,
            proposal,
            lambda: services.approve_items(
                actor=user, proposal=proposal, item_ids=ids, version=version
            ),
            _("Đã duyệt %(n)s học sinh.") % {"n": len(ids)},
        )
    if request.POST.get("action") == "reject":
        return _run(
            request,
            proposal,
            lambda: services.reject_items(
                actor=user,
                proposal=proposal,
                item_ids=ids,
                reason=request.POST.get("reason", ""),
                version=version,
            ),
            _("Đã không duyệt %(n)s học sinh.") % {"n": len(ids)},
        )
    raise Http404


@pupil_data_required
@capability_required(*ROUND_VIEWERS)
def proposal_export(request: AuthedRequest, pk: int) -> HttpResponse:
    params = {"proposal": str(pk)}
    rows = exports.proposal_rows(_user(request), params)
    return export_response(
        request,
        key=exports.PROPOSAL,
        objects=rows,
        back_to=reverse("rounds:proposal", args=[pk]),
        params=params,
    )


# --- pupils ---------------------------------------------------------------------------


def _student(request: AuthedRequest, pk: int) -> Student:
    student = (
        Student.objects.visible_to(_user(request))
        .select_related("school__district", "household__category")
        .filter(pk=pk)
        .first()
    )
    if student is None:
        raise Http404
    return student


@pupil_data_required
@capability_required(*ROUND_VIEWERS)
def student_history(request: AuthedRequest, pk: int) -> HttpResponse:
    user = _user(request)
    student = _student(request, pk)
    record_access(
        user=user,
        action=PersonalDataAccess.Action.VIEW,
        what=_("Lịch sử xét duyệt của học sinh"),
        obj=student,
        school_id=student.school_id,
        district_id=student.school.district_id,
    )
    can_unlock = rules.may_unlock_now(user, student)
    return render(
        request,
        "rounds/student_history.html",
        {
            "student": student,
            "items": selectors.student_round_items(student),
            "history": history_for(student)[:100],
            "can_unlock": can_unlock,
            "form": UnlockForm(),
        },
    )


@require_POST
@pupil_data_required
@capability_required("can_approve")
def student_unlock(request: AuthedRequest, pk: int) -> HttpResponse:
    user = _user(request)
    student = _student(request, pk)
    form = UnlockForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Vui lòng nhập lý do mở khóa."))
    else:
        try:
            services.unlock_eligibility(
                actor=user, student=student, reason=form.cleaned_data["reason"]
            )
        except RoundsError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Đã mở khóa thông tin xét duyệt của học sinh."))
    return redirect(reverse("rounds:student_history", args=[student.pk]))
