"""Repository functions: every query of the application lives in this package, scoped by
team id, one module per aggregate.

Callers use ``from profiles import repo; repo.some_function(s, ...)``; the names below keep
that working whichever module a function lives in. Modules of this package import each
other directly, never this package, so re-exporting here cannot close an import cycle.
"""

from profiles.entry import EntryData
from profiles.repo.digests import (
    claim_digest,
    claimed_keys,
    claims_to_sweep,
    confirm_entry_current,
    digest_claims,
    digest_recipients,
    digests_sent_since,
    finish_digest,
    mark_nudged,
    reclaim_digest,
    stale_entries,
)
from profiles.repo.entries import (
    active_entries,
    add_entry,
    delete_entry,
    entries_by_ids,
    entries_of,
    entries_since,
    entry_versions,
    get_entry,
    get_entry_by_external,
    get_vector,
    own_entry,
    save_vector,
    set_archived,
    update_entry,
    vectors_by_ids,
    vectors_for,
)
from profiles.repo.feedback import (
    blocked_pairs,
    blocked_partners,
    connect_pairs,
    log_suggestions,
    record_feedback,
    suggested_pairs_since,
)
from profiles.repo.members import (
    get_member,
    list_members,
    member_ids_with_entries,
    members_by_user,
    require_member,
    set_cadence,
    set_language,
    set_opt_in,
    team_ids,
    upsert_member,
)
from profiles.repo.privacy import (
    export_member,
    forget_member,
)
from profiles.repo.settings import (
    read_team_settings,
    team_revision,
    team_settings,
)
from profiles.repo.stats import (
    community_stats,
    count_by,
    feedback_counts,
    monthly_activity,
    users_with_suggestions,
)
from profiles.repo.workshops import (
    get_workshop_plan,
    mark_workshop_sent,
    save_workshop_plan,
)

__all__ = [
    "EntryData",
    "active_entries",
    "add_entry",
    "blocked_pairs",
    "blocked_partners",
    "claim_digest",
    "claimed_keys",
    "claims_to_sweep",
    "community_stats",
    "confirm_entry_current",
    "connect_pairs",
    "count_by",
    "delete_entry",
    "digest_claims",
    "digest_recipients",
    "digests_sent_since",
    "entries_by_ids",
    "entries_of",
    "entries_since",
    "entry_versions",
    "export_member",
    "feedback_counts",
    "finish_digest",
    "forget_member",
    "get_entry",
    "get_entry_by_external",
    "get_member",
    "get_vector",
    "get_workshop_plan",
    "list_members",
    "log_suggestions",
    "mark_nudged",
    "mark_workshop_sent",
    "member_ids_with_entries",
    "members_by_user",
    "monthly_activity",
    "own_entry",
    "read_team_settings",
    "reclaim_digest",
    "record_feedback",
    "require_member",
    "save_vector",
    "save_workshop_plan",
    "set_archived",
    "set_cadence",
    "set_language",
    "set_opt_in",
    "stale_entries",
    "suggested_pairs_since",
    "team_ids",
    "team_revision",
    "team_settings",
    "update_entry",
    "upsert_member",
    "users_with_suggestions",
    "vectors_by_ids",
    "vectors_for",
]
