"""What every `civic-match` command shares: the typer app, options, settings, errors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

# Every command imports this module, and `--help` or a typo should not wait for the
# database layer, the model or Slack's SDK: those are imported by what uses them.
if TYPE_CHECKING:
    from bot.container import Container
    from bot.flows.ports import Notifier
    from bot.settings import Settings

app = typer.Typer(
    help="civic-match: partner suggestions for data projects of non-profits, with reasons.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")

TeamOpt = Annotated[str, typer.Option("--team", help="Slack team id (workspace)")]
DbOpt = Annotated[
    str | None,
    typer.Option("--db", help="database URL (default: DATABASE_URL or a local SQLite file)"),
]

DEMO_TEAM = "T_DEMO"
DEMO_DB = "sqlite:///civic-match-demo.db"


class CliError(Exception):
    """A problem the user can fix; shown as one line."""


def settings(db: str | None = None) -> Settings:
    from pydantic import ValidationError

    from bot.settings import Settings

    try:
        s = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        raise CliError(f"bad setting {'.'.join(map(str, first['loc']))}: {first['msg']}") from exc
    if db:
        s = s.model_copy(update={"database_url": db})
    return s


def runtime(db: str | None = None) -> Container:
    """The container for an offline command: messages are recorded, not sent."""
    from bot.container import build_container

    quiet_monitor()

    return build_container(settings(db))


def quiet_monitor() -> None:
    """No tqdm monitor thread in this process.

    It only hurries progress bars that stall, which ours do not; with it running, a command
    would no longer rank in two processes (matching.parallel forks only a lone thread).
    """
    from tqdm import tqdm

    tqdm.monitor_interval = 0


def secret(value: object) -> str:
    get = getattr(value, "get_secret_value", None)
    return str(get()) if callable(get) else ""


def slack_notifier(rt: Container) -> Notifier:
    """The Web API notifier for commands that send or read channels: in OAuth mode each
    workspace's stored token (and a purge deletes the installation too), else the one
    bot token."""
    from bot.slack.notifier import SlackNotifier, retrying_client

    s = rt.settings
    if s.oauth_mode:
        from bot.slack.app import ConfigError, team_notifier

        try:
            notifier = team_notifier(s, rt.store.engine)
        except ConfigError as exc:
            raise CliError(str(exc)) from exc
        rt.workspaces.installations = notifier.clients.installations
        return notifier
    token = secret(s.slack_bot_token)
    if not token:
        raise CliError("SLACK_BOT_TOKEN is not set (needed to send or to read channel members)")
    return SlackNotifier(retrying_client(token, base_url=s.slack_api_url))
