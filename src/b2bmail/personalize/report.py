"""A per-recipient build's report for people (text) and programs (JSON)."""

from __future__ import annotations

from b2bmail.personalize.message import PersonalizeReport

#: Rows listed in the text summary; every one of them is in the JSON.
TEXT_LIST_LIMIT = 20


def report_json(report: PersonalizeReport) -> dict[str, object]:
    """Stable JSON keys: rows_read, buckets, messages, built (per segment), stages (messages
    per journey stage), stage_defaulted, token_source, blank_rows, variants (compiled per
    segment whose template's logic reads recipient fields), issues [{row, email, bucket, kind,
    detail}] (every row not written, once, plus rows written with a cleaned value) and
    not_sent (rows per bucket of the issues: rows_read == messages + sum of not_sent)."""
    not_sent: dict[str, int] = {}
    for issue in report.not_sent:
        not_sent[issue.bucket] = not_sent.get(issue.bucket, 0) + 1
    return {
        "rows_read": report.rows_read,
        "buckets": dict(report.buckets),
        "messages": report.messages,
        "built": dict(report.built),
        "stages": dict(report.stages),
        "stage_defaulted": report.stage_defaulted,
        "token_source": report.token_source,
        "blank_rows": report.blank_rows,
        "variants": dict(report.variants),
        "not_sent": not_sent,
        "issues": [
            {"row": i.row, "email": i.email, "bucket": i.bucket, "kind": i.kind, "detail": i.detail}
            for i in report.issues
        ],
    }


def _shown_email(email: str, width: int = 60) -> str:
    return repr(email if len(email) <= width else email[: width - 1] + "…")


def report_text(report: PersonalizeReport, target: str, listing: str = "--format json") -> str:
    """People's summary of a per-recipient build. Rows not written are listed (the first
    few here, each of them in `listing`: OUT/personalize.json or --format json)."""
    lines = [f"{report.messages} message(s) from {report.rows_read} row(s) -> {target}"]
    if report.blank_rows:
        lines[0] += f" ({report.blank_rows} blank line(s) skipped)"
    for seg_id, count in report.built.items():
        lines.append(f"  {seg_id:<24} {count:>7}")
    if report.stages:
        line = "by stage: " + ", ".join(f"{k} {v}" for k, v in report.stages.items())
        if report.stage_defaulted:
            line += f" ({report.stage_defaulted} without a known stage got their segment's default)"
        lines.append(line)
    if report.variants:
        lines.append(
            "variants compiled (recipient logic): "
            + ", ".join(f"{k} {v}" for k, v in report.variants.items())
        )
    not_sent: dict[str, int] = {}
    for issue in report.not_sent:
        not_sent[issue.bucket] = not_sent.get(issue.bucket, 0) + 1
    if not_sent:
        lines.append(
            "not sent: "
            + ", ".join(f"{k} {v}" for k, v in not_sent.items())
            + f" (each row and why: {listing})"
        )
    for issue in report.issues[:TEXT_LIST_LIMIT]:
        lines.append(
            f"  row {issue.row}: {_shown_email(issue.email)} — {issue.kind}: {issue.detail}"
        )
    if len(report.issues) > TEXT_LIST_LIMIT:
        lines.append(f"  … and {len(report.issues) - TEXT_LIST_LIMIT} more ({listing})")
    return "\n".join(lines)
