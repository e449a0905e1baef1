"""Named errors of the profile store; the CLI and the bot turn them into one clear line."""


class StoreError(Exception):
    """Base class for everything the store raises on purpose."""


class StoreUnavailable(StoreError):
    """The database cannot be reached or the URL is unusable."""


class NotFound(StoreError):
    """A member or entry does not exist in this workspace."""


class InvalidInput(StoreError):
    """Input that the store refuses (empty text, wrong kind, too long)."""
