"""Block Kit rendering: pure functions from domain objects to Slack JSON, one module
per surface (suggestions, profile, modals, home, digest, workshop) on the primitives
of :mod:`bot.slack.blocks.kit`.

Everything a member wrote is passed through ``escape`` before it lands in a
``mrkdwn`` field or a message's fallback ``text``, so a description containing
``<!channel>`` or ``<@U123>`` is shown, not executed. Slack's limits are enforced
in the primitives, once, rather than trusted to callers.
"""
