"""Block Kit rendering, one module per surface, on the primitives of ``kit``.

Pure functions from domain objects to Slack JSON (suggestions, profile, modals,
home, digest, workshop).

Everything a member wrote is passed through ``escape`` before it lands in a
``mrkdwn`` field or a message's fallback ``text``, so a description containing
``<!channel>`` or ``<@U123>`` is shown, not executed. Slack's limits are enforced
in the primitives, once, rather than trusted to callers.
"""
