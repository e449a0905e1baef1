"""Named errors of the matching layer."""


class MatchingError(Exception):
    """Base class for matching errors."""


class ModelUnavailable(MatchingError):
    """The configured embedding model cannot be loaded (missing extra, bad path)."""


class EmptyText(MatchingError):
    """Nothing left to embed after cleaning the text."""


class PlanningError(MatchingError):
    """The solver failed or the request cannot be met (e.g. more rounds than partners)."""
