"""A recipient's merge values (personalize.build.recipient_values) against the composition
it writes out: the row's cleaned values, salutation.salutation_values, the provided values."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from b2bmail.personalize.build import merge_text, recipient_values
from b2bmail.personalize.plan import read_fields
from b2bmail.render.mime import clean_value, cleaning_notes
from b2bmail.salutation import SALUTATION_FIELDS, salutation_values

_TEXT = st.sampled_from(
    ["", " ", "Dupont", "van der Berg", "De  Vries ", "Zoé", "a\tb", "x\u202ey"]
)
_ROW = st.fixed_dictionaries(
    {},
    optional={
        "civility": st.sampled_from(["mr", "Mme", "M.", "ms", "", "docteur", "m\u200b"]),
        "last_name": _TEXT,
        "first_name": _TEXT,
        "language": st.sampled_from(["fr", "de", "nl_BE", "", "xx", "EN"]),
        "company": _TEXT,
        "roles": st.frozensets(st.sampled_from(["buyer", "decider"])),
        "email": st.just("anne@acme.example"),
    },
)
_WANTED = st.none() | st.frozensets(
    st.sampled_from(["first_name", "company", "roles", "email", *SALUTATION_FIELDS])
)


def _composed(
    fields: dict[str, object], extra: dict[str, str], wanted: frozenset[str] | None, locale: str
) -> tuple[dict[str, str], list[str]]:
    # What recipient_values is: each field the message reads, cleaned with its notes; the
    # salutations made from them; then the values b2bmail provides.
    values: dict[str, str] = {}
    cleaned: list[str] = []
    needed = read_fields(wanted) if wanted is not None else None
    for key, raw in fields.items():
        if needed is None or key in needed:
            text = merge_text(raw)
            notes = cleaning_notes(text)
            if notes:
                cleaned.append("; ".join(note.format(key=key) for note in notes))
            values[key] = clean_value(text)
    if wanted is None or not wanted.isdisjoint(SALUTATION_FIELDS):
        values.update(salutation_values(values, locale, wanted))
    values.update(extra)
    return values, cleaned


@settings(max_examples=300, deadline=None)
@given(fields=_ROW, wanted=_WANTED, locale=st.sampled_from(["fr_FR", "de", ""]))
def test_recipient_values_are_the_composition(
    fields: dict[str, object], wanted: frozenset[str] | None, locale: str
) -> None:
    extra = {"email": "anne@acme.example", "unsubscribe_token": "tok", "segment": "mines"}
    expected = _composed(fields, extra, wanted, locale)
    assert recipient_values(fields, extra, wanted, locale) == expected
    if wanted is not None:  # the variant's row fields worked out once (plan.VariantPlan.reads)
        reads = tuple(sorted(read_fields(wanted)))
        assert recipient_values(fields, extra, wanted, locale, reads) == expected
