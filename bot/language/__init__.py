"""Plain questions in English and Chinese, understood by a local lexicon as commands of the
query language ("抖音上周的获客成本" is `/cac channel=douyin last-week`), and answered
wherever they are asked.

Other features use the language through these names only (an import contract checks it).
"""

from bot.language.answer import (
    Asked,
    Unclear,
    answer_metric_command,
    answer_question,
    answer_reading,
    ask_question,
    in_query_language,
    question_language,
)
from bot.language.render import (
    READING_ACTION,
    not_sure_line,
    numbered_readings,
    reading_choices,
    reading_value,
    understood_line,
)
from bot.language.text import Language, language_of
from bot.language.understand import Understanding, understand

__all__ = [
    "READING_ACTION",
    "Asked",
    "Language",
    "Unclear",
    "Understanding",
    "answer_metric_command",
    "answer_question",
    "answer_reading",
    "ask_question",
    "in_query_language",
    "not_sure_line",
    "language_of",
    "numbered_readings",
    "question_language",
    "reading_choices",
    "reading_value",
    "understand",
    "understood_line",
]
