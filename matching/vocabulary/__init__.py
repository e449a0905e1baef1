"""The detection vocabulary as data, and the engine that compiles it.

``groups.toml``, ``tools.toml``, ``needs.toml`` and ``themes.toml`` hold the
synonym patterns; :mod:`matching.vocabulary.engine` turns them into regexes.
Editing a word list should not mean editing Python, and a reviewer of a new
synonym should see only the synonym.
"""
