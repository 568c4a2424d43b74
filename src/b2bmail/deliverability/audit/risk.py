"""A transparent risk model: which factors apply to a domain or an address, and what they weigh.

Factors, weights, thresholds and messages all live in `data/deliverability_risk.yaml`; this
module only decides which factors apply (from the MX analysis, the provider guess and the
domain's SPF/DMARC) and adds them up as that file's header explains. Pure: no DNS, no I/O
beyond reading the model file.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from b2bmail.config import compose_yaml, to_python
from b2bmail.errors import ConfigError
from b2bmail.i18n import _

if TYPE_CHECKING:
    # Annotations only: `b2bmail audit --help` reads ALL_LEVELS from here and must not load
    # the MX / SPF / DMARC code (asyncio, the SPF parser) to get five words.
    from b2bmail.deliverability.audit.auth import AuthSignals
    from b2bmail.deliverability.audit.mx import MxAnalysis
    from b2bmail.deliverability.audit.providers import ProviderGuess

DATA_FILE = "deliverability_risk.yaml"
# Order used by `--fail-on`; "unknown" stands apart (see `reaches`).
LEVELS = ("low", "medium", "high", "undeliverable")
UNKNOWN = "unknown"
ALL_LEVELS = (*LEVELS, UNKNOWN)
MICROSOFT_365 = "Microsoft 365"
GOOGLE_WORKSPACE = "Google Workspace"


@dataclass(frozen=True)
class Factor:
    code: str
    scope: str  # domain | address
    weight: int
    message: str
    level: str | None = None  # forces this level (only "undeliverable")
    min_level: str | None = None  # raises the level to at least this


@dataclass(frozen=True)
class RiskModel:
    thresholds: Mapping[str, int]
    factors: Mapping[str, Factor]


@dataclass(frozen=True)
class Reason:
    """Why a level: a stable code and one sentence."""

    code: str
    message: str


@dataclass(frozen=True)
class Applied:
    """A factor that applies, with the values its message needs."""

    code: str
    values: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class DomainRisk:
    domain: str
    level: str
    score: int
    provider: str | None
    reasons: tuple[Reason, ...]
    applied: tuple[Applied, ...]
    unknown: bool
    mx: MxAnalysis
    signals: AuthSignals
    guess: ProviderGuess


@dataclass(frozen=True)
class RecipientRisk:
    email: str
    domain: str
    level: str
    score: int
    provider: str | None
    reasons: tuple[Reason, ...]


def load_risk_model(path: str | Path | None = None) -> RiskModel:
    """Read the risk model (the packaged one by default); `ConfigError` when malformed."""
    if path is None:
        return _packaged_model()
    return _parse_model(Path(path).read_text(encoding="utf-8"), str(path))


@functools.cache
def _packaged_model() -> RiskModel:
    text = resources.files("b2bmail.data").joinpath(DATA_FILE).read_text(encoding="utf-8")
    return _parse_model(text, DATA_FILE)


def _parse_model(text: str, where: str) -> RiskModel:
    node = compose_yaml(text, where)
    data: Any = to_python(node) if node is not None else None
    try:
        thresholds = {k: int(v) for k, v in data["thresholds"].items()}
        factors = {
            code: Factor(
                code,
                str(spec["scope"]),
                int(spec["weight"]),
                str(spec["message"]),
                spec.get("level"),
                spec.get("min_level"),
            )
            for code, spec in data["factors"].items()
        }
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(
            _("malformed risk model: {error}").format(error=exc),
            path=where,
            hint=_("see the header of the packaged file"),
        ) from None
    if set(thresholds) != {"medium", "high"}:
        raise ConfigError(_("risk thresholds must be `medium` and `high`"), path=where)
    return RiskModel(thresholds, factors)


def reaches(level: str, threshold: str) -> bool:
    """True when `level` is at or above `threshold` (low < medium < high < undeliverable).

    `unknown` reaches only the threshold `unknown`: a gate on `high` does not fail on a
    timeout, and `--fail-on unknown` fails on unknown and undeliverable alike.
    """
    if threshold == UNKNOWN:
        return level in (UNKNOWN, "undeliverable")
    if level == UNKNOWN:
        return False
    return LEVELS.index(level) >= LEVELS.index(threshold)


def domain_factors(mx: MxAnalysis, signals: AuthSignals, guess: ProviderGuess) -> list[Applied]:
    """The domain-scope factors that apply (codes as in the model file)."""
    d = ("domain", mx.domain)
    if mx.outcome == "nxdomain":
        return [Applied("domain-nxdomain", (d,))]
    if mx.outcome == "null-mx":
        return [Applied("null-mx", (d,))]
    no_mx = not mx.hosts and mx.outcome in ("fallback", "no-mail-host")
    if no_mx and signals.spf_rejects_all:
        return [Applied("no-mx-spf-reject-all", (d,))]
    if mx.outcome == "no-mail-host":
        detail = "; ".join(f"{f.detail} ({f.host})" for f in mx.findings) or _("no address")
        return [Applied("no-mail-host", (d, ("detail", detail)))]
    applied: list[Applied] = []
    if mx.outcome == "fallback":
        applied.append(Applied("no-mx-fallback", (d,)))
    if guess.gateway:
        applied.append(Applied("secure-gateway", (d, ("gateway", guess.gateway))))
        if guess.mailbox == MICROSOFT_365:
            applied.append(Applied("gateway-and-microsoft365", (d, ("gateway", guess.gateway))))
    elif guess.mailbox == MICROSOFT_365:
        applied.append(Applied("microsoft365", (d,)))
    elif guess.mailbox == GOOGLE_WORKSPACE:
        applied.append(Applied("google-workspace", (d,)))
    if guess.self_hosted:
        applied.append(Applied("self-hosted", (d, ("detail", mx.hosts[0].host))))
    codes = {f.code for f in mx.findings}
    for code in ("mx-cname", "mx-ip-literal", "mx-null-mixed"):
        if code in codes:
            detail = ", ".join(f.host for f in mx.findings if f.code == code)
            applied.append(Applied(code, (d, ("detail", detail))))
    unusable = [f for f in mx.findings if f.code in ("mx-host-no-address", "mx-host-private")]
    if unusable and mx.outcome == "mx":
        detail = "; ".join(f"{f.host}: {f.detail}" for f in unusable)
        applied.append(Applied("mx-host-unusable", (d, ("detail", detail))))
    # The domain's DMARC policy is not scored: it governs mail *from* the domain (RFC 7489
    # §6.3), not the mail it receives (see "Retired codes" in the model file).
    return applied


def assess_domain(
    mx: MxAnalysis,
    signals: AuthSignals,
    guess: ProviderGuess,
    *,
    unknown: Sequence[str] = (),
    model: RiskModel | None = None,
) -> DomainRisk:
    """Score one domain. `unknown` lists other questions (TXT, DMARC) DNS could not answer."""
    rm = model or load_risk_model()
    applied = domain_factors(mx, signals, guess)
    gaps = [*mx.unknown, *unknown]
    if mx.outcome == "unknown" and not gaps:
        gaps = [_("{type} {name}: {reason}").format(type="MX", name=mx.domain, reason=_("unknown"))]
    if gaps:
        applied.append(Applied("dns-unknown", (("domain", mx.domain), ("detail", "; ".join(gaps)))))
    level, score, reasons = evaluate(rm, applied)
    return DomainRisk(
        mx.domain, level, score, guess.name, reasons, tuple(applied), bool(gaps), mx, signals, guess
    )


def assess_recipient(
    email: str,
    domain_risk: DomainRisk,
    *,
    is_free: bool = False,
    is_disposable: bool = False,
    is_role: bool = False,
    model: RiskModel | None = None,
) -> RecipientRisk:
    """Score one address: its domain's factors plus the address-scope ones."""
    rm = model or load_risk_model()
    applied = list(domain_risk.applied)
    for flag, code in (
        (is_free, "free-mail"),
        (is_disposable, "disposable"),
        (is_role, "role-address"),
    ):
        if flag:
            applied.append(Applied(code, (("detail", email),)))
    level, score, reasons = evaluate(rm, applied)
    return RecipientRisk(email, domain_risk.domain, level, score, domain_risk.provider, reasons)


def evaluate(model: RiskModel, applied: Sequence[Applied]) -> tuple[str, int, tuple[Reason, ...]]:
    """Add the weights up and pick the level, as the model file's header says."""
    factors = [model.factors[a.code] for a in applied]
    reasons = tuple(
        # The packaged model's messages are in the catalogue (tools/catalogues.py); a model
        # of the user's own is shown as written.
        Reason(a.code, _(f.message).format_map(_Defaults(dict(a.values))))
        for a, f in zip(applied, factors, strict=True)
    )
    if any(f.level == "undeliverable" for f in factors):
        return "undeliverable", 100, reasons
    score = min(100, sum(f.weight for f in factors))
    if any(a.code == "dns-unknown" for a in applied):
        return UNKNOWN, score, reasons
    level = "low"
    if score >= model.thresholds["high"]:
        level = "high"
    elif score >= model.thresholds["medium"]:
        level = "medium"
    for f in factors:
        if f.min_level in LEVELS and LEVELS.index(f.min_level) > LEVELS.index(level):
            level = f.min_level
    return level, score, reasons


class _Defaults(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "?"
