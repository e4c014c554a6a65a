"""What a fund action raises when it cannot be done: the message says why and what to change."""

from __future__ import annotations

from bot.core.i18n import Language, words


class FundError(ValueError):
    """A fund action that cannot be done; the message says why and what to change."""


class InvalidInput(FundError):
    """Form input with problems, field by field (`errors` maps a field to its message)."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__(" ".join(errors.values()))

    def errors_in(self, language: Language) -> dict[str, str]:
        """The problems field by field, said in `language`."""
        t = words(language)
        return {field: t.say(problem) for field, problem in self.errors.items()}
