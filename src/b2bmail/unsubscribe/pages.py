"""The endpoint's pages in the campaign's language: confirm, done, invalid link. Pure."""

from __future__ import annotations

import html
from dataclasses import dataclass


@dataclass(frozen=True)
class PageTexts:
    """What a person reads, in one language; `{address}` is filled in (HTML-escaped)."""

    title: str
    question: str
    button: str
    done: str
    invalid: str


TEXTS = {
    "en": PageTexts(
        "Unsubscribe",
        "Stop receiving these emails at {address}?",
        "Unsubscribe",
        "{address} is unsubscribed: you will not receive these emails any more.",
        "This unsubscribe link is not valid. Use the link in the email you received, or reply"
        " to that email.",
    ),
    "fr": PageTexts(
        "Désabonnement",
        "Ne plus recevoir ces e-mails à l'adresse {address} ?",
        "Me désabonner",
        "L'adresse {address} est désabonnée : vous ne recevrez plus ces e-mails.",
        "Ce lien de désabonnement n'est pas valide. Utilisez le lien de l'e-mail reçu, ou"
        " répondez à cet e-mail.",
    ),
    "de": PageTexts(
        "Abmelden",
        "Diese E-Mails nicht mehr an {address} erhalten?",
        "Abmelden",
        "{address} ist abgemeldet: Sie erhalten diese E-Mails nicht mehr.",
        "Dieser Abmeldelink ist ungültig. Verwenden Sie den Link aus der erhaltenen E-Mail oder"
        " antworten Sie auf diese E-Mail.",
    ),
    "nl": PageTexts(
        "Afmelden",
        "Wilt u deze e-mails niet meer ontvangen op {address}?",
        "Afmelden",
        "{address} is afgemeld: u ontvangt deze e-mails niet meer.",
        "Deze afmeldlink is niet geldig. Gebruik de link uit de e-mail die u ontving, of"
        " beantwoord die e-mail.",
    ),
}


def page(lang: str, heading: str, body: str, form: str = "") -> bytes:
    """A minimal HTML page; `body` and `form` are already HTML."""
    return (
        "<!doctype html>\n"
        f'<html lang="{html.escape(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f"<title>{_text(heading)}</title></head>"
        '<body style="font-family:sans-serif;max-width:36em;margin:3em auto;padding:0 1em">'
        f"<h1>{_text(heading)}</h1><p>{body}</p>{form}</body></html>\n"
    ).encode()


def confirm_page(lang: str, address: str) -> bytes:
    """The GET page: a question and a button that POSTs to the same URL (query included:
    an empty form action is the page's own URL, HTML §4.10.21.3)."""
    texts = TEXTS[lang]
    form = (
        '<form method="post" action="">'
        '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
        f'<button type="submit">{_text(texts.button)}</button></form>'
    )
    question = _text(texts.question).replace("{address}", _strong(address))
    return page(lang, texts.title, question, form)


def done_page(lang: str, address: str) -> bytes:
    """After the POST (first time or a replay: the same answer)."""
    texts = TEXTS[lang]
    return page(lang, texts.title, _text(texts.done).replace("{address}", _strong(address)))


def invalid_page(lang: str) -> bytes:
    """A forged, truncated or altered link."""
    texts = TEXTS[lang]
    return page(lang, texts.title, _text(texts.invalid))


def _strong(address: str) -> str:
    return f"<strong>{html.escape(address)}</strong>"


def _text(text: str) -> str:
    # Text content: escape <, > and &; apostrophes stay readable in the source (fr "l'adresse").
    return html.escape(text, quote=False)
