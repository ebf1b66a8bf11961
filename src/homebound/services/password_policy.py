"""Which new passwords are refused: too short, or guessable (common passwords, keyboard walks, dates,
words with digits, the username itself), judged offline by zxcvbn (MIT; its lists of common passwords,
names and words ship with the package, nothing is sent anywhere)."""

from __future__ import annotations

from collections.abc import Sequence

from zxcvbn import zxcvbn

from homebound.core.errors import FieldProblem

MIN_PASSWORD = 12
MAX_PASSWORD = 200
# zxcvbn's score 3: about 10^8 guesses or more, "safely unguessable" against an online attack and
# moderately against an offline one on a slow hash (Argon2id here). Scores 0 to 2 are the common and
# near-common passwords: "password1234", "qwertyuiop123", "iloveyou12345".
MIN_SCORE = 3


def password_problem(password: str, *, context: Sequence[str] = ()) -> FieldProblem | None:
    """Why `password` may not be set, or None; `context` holds what an attacker knows of the account
    (its username, display name, organisation), which a password must not merely repeat."""
    if len(password) < MIN_PASSWORD:
        return FieldProblem("password", "too_short", f"at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        return FieldProblem("password", "too_long", f"at most {MAX_PASSWORD} characters")
    judged = zxcvbn(password, user_inputs=[c for c in context if c], max_length=MAX_PASSWORD)
    if judged["score"] < MIN_SCORE:
        return FieldProblem(
            "password",
            "too_common",
            "a common or easily guessed password; use a longer phrase of unrelated words",
        )
    return None
