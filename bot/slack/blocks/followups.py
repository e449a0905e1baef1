"""Follow-up questions about an introduction, with one button per answer, and the
message of an automatic pause."""

from __future__ import annotations

from bot.messages import t
from bot.slack.blocks.kit import Blocks, actions, button, fallback, section
from profiles.repo.followups import ANSWERS

# One action id per answer; the button's value is the follow-up id.
ACTION_PREFIX = "followup_"
RESUME_ACTION = "digest_resume"


def answer_action(answer: str) -> str:
    return f"{ACTION_PREFIX}{answer}"


def all_answer_actions() -> dict[str, str]:
    """action id -> answer, for every answer of every stage."""
    return {answer_action(a): a for answers in ANSWERS.values() for a in answers}


def followup_message(
    stage: str, followup_id: int, other_user_id: str, days: int, lang: str
) -> tuple[str, Blocks]:
    """The question of ``stage`` about the partner, in the member's language."""
    # A mention, not a stored name: Slack shows the partner's current name.
    text = t(f"followup.{stage}.question", lang, name=f"<@{other_user_id}>", days=days)
    buttons = [
        button(
            t(f"followup.answer.{a}", lang),
            answer_action(a),
            str(followup_id),
            style="primary" if a in ("yes", "project") else None,
        )
        for a in ANSWERS[stage]
    ]
    return fallback(text), [section(text), actions(buttons, block_id=f"fu:{followup_id}")]


def auto_pause_message(count: int, lang: str) -> tuple[str, Blocks]:
    """Digests are paused because the member ignored the last ``count``; one button resumes."""
    text = t("digest.auto_paused", lang, count=count)
    return fallback(text), [
        section(text),
        actions([button(t("bot.btn.resume", lang), RESUME_ACTION, "resume", style="primary")]),
    ]
