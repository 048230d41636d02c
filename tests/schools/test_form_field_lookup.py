"""kernel.formfields.model_choice_field / choice_field: a form's own field, as declared."""

import pytest
from django import forms

from kernel.formfields import choice_field, model_choice_field
from schools.models import District
from tests.schools.factories import DistrictFactory

pytestmark = pytest.mark.django_db


class _Form(forms.Form):
    district = forms.ModelChoiceField(queryset=District.objects.none())
    kind = forms.ChoiceField(choices=[("a", "A")])
    note = forms.CharField()


def test_narrowing_the_queryset_changes_this_form_only(province):
    shown = DistrictFactory(province=province, code="80", name="Thành phố Lào Cai")
    DistrictFactory(province=province, code="82", name="Huyện Bát Xát")
    form = _Form()
    model_choice_field(form, "district").queryset = District.objects.filter(pk=shown.pk)

    assert [pk for pk, _label in form.fields["district"].choices if pk] == [shown.pk]
    assert list(_Form().fields["district"].queryset) == []  # the class's field is untouched
    bound = _Form({"district": str(shown.pk), "kind": "a", "note": "x"})
    model_choice_field(bound, "district").queryset = District.objects.filter(pk=shown.pk)
    assert bound.is_valid() and bound.cleaned_data["district"] == shown


def test_choices_set_per_form():
    form = _Form()
    choice_field(form, "kind").choices = [("b", "B")]
    assert list(form.fields["kind"].choices) == [("b", "B")]
    assert list(_Form().fields["kind"].choices) == [("a", "A")]


@pytest.mark.parametrize(
    ("lookup", "name", "message"),
    [
        (model_choice_field, "note", "_Form.note is not a ModelChoiceField"),
        (model_choice_field, "kind", "_Form.kind is not a ModelChoiceField"),
        (choice_field, "note", "_Form.note is not a ChoiceField"),
    ],
)
def test_a_field_of_another_kind_is_refused_by_name(lookup, name, message):
    with pytest.raises(TypeError, match=message):
        lookup(_Form(), name)
