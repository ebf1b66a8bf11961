"""Binding steps in the browser (acceptance, closing a tranche): the password and, for an enrolled account,
the code typed again, and what the form says when they are not right."""

from __future__ import annotations

from homebound.services.sign_in import Reauthentication
from homebound.web.ui.i18n import Translator


def binding_proof(password: str, totp_code: str) -> Reauthentication:
    """The password and, for an enrolled account, the code typed into a binding form (spaces dropped: apps
    show codes as "123 456"). The service checks them, throttled like sign-in, before the step."""
    return Reauthentication(password, "".join(totp_code.split()) or None)


def reauthentication_errors(t: Translator) -> dict[str, str]:
    return {"password": t.gettext("The password or the code is not right. Nothing was recorded.")}
