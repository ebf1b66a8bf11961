"""Documents on paper: a `core.paper.Paper` rendered through the UI's Jinja environment, in the two parties'
languages side by side (and English where the reader asks), with a QR code of its content hash, to PDF by
WeasyPrint.

Labels are bilingual (`bi`, `bl` in the templates); composite sentences the pages word in one language (the
balance, from `exchange/_balance_text.html`) are rendered once per language with the same partial.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import segno
from markupsafe import Markup

from homebound.core.errors import FieldProblem, ValidationFailed
from homebound.core.paper import Paper
from homebound.services.accounts import LANGUAGES
from homebound.web.ui.i18n import LANGUAGE_NAMES, Translator
from homebound.web.ui.paper_i18n import D_, catalogue
from homebound.web.ui.render import environment

DEFAULT_LANGUAGES = ("uk", "ru")  # the two parties' languages; English where the reader asks for it
PDF_MEDIA_TYPE = "application/pdf"


# The fields a document may say are missing, as a reader names them.
FIELD_LABELS: dict[str, str] = {
    "party_depended_on": D_("Power on which the prisoner depends"),
    "family_name": D_("Surname"),
    "given_name": D_("First names"),
    "father_given_name": D_("First name of father"),
    "date_of_birth": D_("Date of birth"),
    "place_of_birth": D_("Place of birth"),
    "rank": D_("Rank"),
    "service_number": D_("Service number"),
    "capture_date": D_("Date of capture"),
    "capture_place": D_("Place of capture"),
    "health": D_("State of health"),
    "detention_place": D_("Camp or hospital"),
    "record_number": D_("Record number"),
    "family_address": D_("Address of family"),
    "date_of_death": D_("Date of death"),
    "place_of_death": D_("Place of death"),
    "cause_of_death": D_("Cause and circumstances of death"),
    "burial_place": D_("Place of burial"),
    "grave_marked": D_("Whether the grave is marked"),
    "personal_effects": D_("Personal effects"),
    "last_moments_account": D_("Account of the last moments"),
    "commission_decision": D_("Decision of the Mixed Medical Commission"),
}


def parse_languages(text: str | None) -> tuple[str, ...]:
    """ "uk,ru" or "uk,ru,en": one to three of our languages, in the order given; empty means uk and ru."""
    if not text or not text.strip():
        return DEFAULT_LANGUAGES
    chosen = tuple(dict.fromkeys(part.strip().lower() for part in text.split(",") if part.strip()))
    if not chosen or any(code not in LANGUAGES for code in chosen):
        message = f"languages are one to three of {', '.join(LANGUAGES)}, comma between"
        raise ValidationFailed([FieldProblem("languages", "invalid_value", message)], message=message)
    return chosen


@dataclass(frozen=True)
class Tongues:
    """The languages a document is printed in, and the bilingual functions its templates call."""

    languages: tuple[str, ...]

    @property
    def translators(self) -> list[Translator]:
        return [Translator(code) for code in self.languages]

    def text(self, language: str, message: str) -> str:
        translated = catalogue(language).gettext(message)
        if translated == message and language != "en":  # a UI string reused on paper
            return Translator(language).gettext(message)
        return translated

    def _join(self, texts: Sequence[tuple[str, str]]) -> Markup:
        seen: list[tuple[str, str]] = []
        for code, text in texts:
            if all(text != shown for _c, shown in seen):  # "ID" is "ID" in every language: once
                seen.append((code, text))
        parts = [Markup('<span lang="{}">{}</span>').format(code, text) for code, text in seen]
        return Markup('<span class="sep"> / </span>').join(parts)

    def bi(self, message: str, **values: Any) -> Markup:
        """A label in every language of the document, side by side."""
        return self._join(
            [
                (code, self.text(code, message) % values if values else self.text(code, message))
                for code in self.languages
            ]
        )

    def bl(self, kind: str, value: str) -> Markup:
        """A domain value (status, health, line outcome) as the UI labels it, in every language."""
        return self._join([(t.language, t.label(kind, value)) for t in self.translators])

    def bt(self, kind: str, value: str) -> str:
        """A domain value in every language as plain text (one text run: cheap in a 1,000-row table)."""
        return " / ".join(dict.fromkeys(t.label(kind, value) for t in self.translators))


def qr_svg(payload: str) -> Markup:
    """An inline SVG QR code of the payload (segno, error correction M)."""
    svg = segno.make(payload, error="m", micro=False).svg_inline(scale=2, border=2, omitsize=True)
    return Markup(svg)  # noqa: S704 - segno's own SVG of a hex digest: no user text inside


def render_html(
    paper: Paper,
    languages: Sequence[str],
    *,
    printed_by: str,
    printed_at: dt.datetime | None = None,
) -> str:
    """The document as HTML: the same environment, partials and label tables as the pages."""
    tongues = Tongues(tuple(languages))
    digest = paper.content_hash
    when = (printed_at or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC")
    template = environment().get_template(f"documents/{paper.kind.value}.html")
    return template.render(
        paper=paper,
        c=paper.content,
        content_hash=digest,
        qr=qr_svg(digest),
        languages=tongues.languages,
        language_names=LANGUAGE_NAMES,
        translators=tongues.translators,
        bi=tongues.bi,
        bl=tongues.bl,
        bt=tongues.bt,
        field_label=lambda name: tongues.bi(FIELD_LABELS.get(name) or name),
        printed_by=printed_by,
        printed_at=when,
        lang=tongues.languages[0],
    )


def _no_fetching(url: str, *_args: Any, **_kwargs: Any) -> dict[str, Any]:
    """Documents are self-contained: WeasyPrint never reads a file or the network for them."""
    raise ValueError(f"documents fetch nothing ({url[:40]})")


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML  # noqa: PLC0415 - loaded on first print: Pango and fonts take ~0.3 s

    pdf: bytes = HTML(string=html, url_fetcher=_no_fetching).write_pdf()
    return pdf


def filename(paper: Paper) -> str:
    """A download name without personal data: the kind and the start of the content hash."""
    return f"{paper.kind.value}-{paper.content_hash[:12]}.pdf"
