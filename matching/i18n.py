"""The message catalogue: every text a member or CLI user reads, in German and English.

German is the default: most members write and read German.
"""

from __future__ import annotations

LANGS = ("de", "en")

MESSAGES: dict[str, dict[str, str]] = {
    # reasons
    "reason.groups": {
        "de": "gemeinsame Zielgruppe: {groups}",
        "en": "you both work with {groups}",
    },
    "reason.groups.many": {
        "de": "gemeinsame Zielgruppen: {groups}",
        "en": "you both work with {groups}",
    },
    "reason.tools": {"de": "beide nutzen {tools}", "en": "you both use {tools}"},
    "reason.needs.they_offer": {
        "de": "du suchst {needs}, {name} bietet das an",
        "en": "you look for {needs}, {name} offers it",
    },
    "reason.needs.you_offer": {
        "de": "{name} sucht {needs}, das bietest du an",
        "en": "{name} looks for {needs}, which you offer",
    },
    "reason.sentences": {
        "de": "ähnliche Vorhaben: „{mine}“ ↔ „{theirs}“",
        "en": "similar work: “{mine}” ↔ “{theirs}”",
    },
    "reason.region": {"de": "beide in {region}", "en": "both in {region}"},
    "and": {"de": "und", "en": "and"},
}


def t(key: str, lang: str = "de", **values: object) -> str:
    """Look up ``key`` in ``lang`` (falling back to German) and fill in ``values``."""
    entry = MESSAGES[key]
    template = entry.get(lang) or entry["de"]
    return template.format(**values) if values else template


def join_list(items: list[str], lang: str) -> str:
    """ "A, B und C" / "A, B and C"."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {t('and', lang)} {items[-1]}"


def norm_lang(value: str | None) -> str:
    """Map a Slack locale like "en-US" or "de-DE" to one of our languages."""
    if value and value.lower().startswith("en"):
        return "en"
    return "de"


# Slack bot texts ("bot.*"). Members' text is escaped by bot.blocks before it is
# filled in here; these templates may use Slack mrkdwn.
_BOT: dict[str, dict[str, str]] = {
    # help
    "bot.help.intro": {
        "de": "*civic-match* findet Partner*innen für eure Datenprojekte. Befehle:",
        "en": "*civic-match* finds partners for your data projects. Commands:",
    },
    "bot.help.unknown": {
        "de": "„{word}“ kenne ich nicht.",
        "en": "I don't know “{word}”.",
    },
    "bot.help.help": {"de": "diese Übersicht", "en": "this overview"},
    "bot.help.describe": {
        "de": "`[Text]` Projekt oder Datensatz beschreiben (ohne Text öffnet sich ein Formular)",
        "en": "`[text]` describe a project or dataset (without text a form opens)",
    },
    "bot.help.suggest": {
        "de": "aktuelle Vorschläge, mit wem ihr sprechen solltet – und warum",
        "en": "current suggestions who to talk to – and why",
    },
    "bot.help.find": {
        "de": "`<Text>` wer arbeitet daran oder hat Daten dazu?",
        "en": "`<text>` who works on this or has data about it?",
    },
    "bot.help.profile": {
        "de": "eigene Einträge ansehen, bearbeiten, löschen",
        "en": "list, edit and delete your entries",
    },
    "bot.help.pause": {"de": "wöchentliche Vorschläge pausieren", "en": "pause the digest"},
    "bot.help.resume": {"de": "Vorschläge wieder erhalten", "en": "get the digest again"},
    "bot.help.forget": {
        "de": "alles löschen, was über dich gespeichert ist (mit Rückfrage)",
        "en": "delete everything stored about you (asks first)",
    },
    "bot.help.export": {
        "de": "alle deine Daten als JSON-Datei erhalten",
        "en": "get all your data as a JSON file",
    },
    # suggestions
    "bot.suggestion.why": {"de": "Warum:", "en": "Why:"},
    "bot.suggest.intro": {
        "de": "*Mit diesen Menschen solltet ihr sprechen:*",
        "en": "*People you should talk to:*",
    },
    "bot.suggest.none": {
        "de": "Noch keine passenden Vorschläge. Beschreibe ein Projekt mit `/match beschreiben`.",
        "en": "No matching suggestions yet. Describe a project with `/match describe`.",
    },
    "bot.suggest.no_entries": {
        "de": "Du hast noch nichts beschrieben. Starte mit `/match beschreiben <Text>`.",
        "en": "You haven't described anything yet. Start with `/match describe <text>`.",
    },
    "bot.find.intro": {
        "de": "*Wer arbeitet an „{query}“ oder hat Daten dazu:*",
        "en": "*Who works on “{query}” or has data about it:*",
    },
    "bot.find.usage": {
        "de": "Wonach soll ich suchen? Zum Beispiel: `/match suche Senior*innen CiviCRM`",
        "en": "What should I look for? For example: `/match find seniors CiviCRM`",
    },
    "bot.more_not_shown": {
        "de": "… weitere Einträge passen nicht in diese Nachricht.",
        "en": "… more items do not fit into this message.",
    },
    "bot.btn.connect": {"de": "Verbinde uns", "en": "Connect us"},
    "bot.btn.not_relevant": {"de": "Nicht relevant", "en": "Not relevant"},
    "bot.btn.known": {"de": "Kennen uns schon", "en": "We already know each other"},
    "bot.btn.pause": {"de": "Vorschläge pausieren", "en": "Pause suggestions"},
    "bot.btn.edit": {"de": "Bearbeiten", "en": "Edit"},
    "bot.btn.delete": {"de": "Löschen", "en": "Delete"},
    "bot.btn.describe": {"de": "Projekt beschreiben", "en": "Describe a project"},
    "bot.btn.forget_yes": {"de": "Ja, alles löschen", "en": "Yes, delete everything"},
    "bot.btn.cancel": {"de": "Abbrechen", "en": "Cancel"},
    # describe
    "bot.describe.saved": {
        "de": "Gespeichert: *{title}*.",
        "en": "Saved: *{title}*.",
    },
    "bot.describe.capped": {
        "de": "Dein Text war länger als {limit} Zeichen; ich habe ihn dort gekürzt.",
        "en": "Your text was longer than {limit} characters; I cut it there.",
    },
    "bot.describe.updated": {"de": "Aktualisiert: *{title}*.", "en": "Updated: *{title}*."},
    "bot.kind.project": {"de": "Projekt", "en": "project"},
    "bot.kind.dataset": {"de": "Datensatz", "en": "dataset"},
    "bot.untitled": {"de": "(ohne Titel)", "en": "(untitled)"},
    "bot.modal.title": {"de": "Beschreiben", "en": "Describe"},
    "bot.modal.submit": {"de": "Speichern", "en": "Save"},
    "bot.modal.cancel": {"de": "Abbrechen", "en": "Cancel"},
    "bot.modal.title_label": {"de": "Titel", "en": "Title"},
    "bot.modal.description_label": {"de": "Beschreibung", "en": "Description"},
    "bot.modal.description_hint": {
        "de": "Ein paar Sätze: Was macht ihr, für wen, mit welchen Daten?",
        "en": "A few sentences: what you do, for whom, with which data?",
    },
    "bot.modal.kind_label": {"de": "Art", "en": "Kind"},
    "bot.modal.groups_label": {"de": "Zielgruppen", "en": "Target groups"},
    "bot.modal.groups_placeholder": {"de": "Zielgruppen wählen", "en": "Choose target groups"},
    "bot.modal.tools_label": {"de": "Werkzeuge", "en": "Tools"},
    "bot.modal.tools_hint": {
        "de": "Durch Kommas getrennt, z. B. CiviCRM, Excel",
        "en": "Comma-separated, e.g. CiviCRM, Excel",
    },
    "bot.modal.looking_for_label": {"de": "Was sucht ihr?", "en": "What are you looking for?"},
    # profile
    "bot.profile.intro": {"de": "*Deine Einträge ({n}):*", "en": "*Your entries ({n}):*"},
    "bot.profile.empty": {
        "de": "Du hast noch keine Einträge. Beschreibe ein Projekt mit `/match beschreiben`.",
        "en": "You have no entries yet. Describe a project with `/match describe`.",
    },
    "bot.entry.deleted": {"de": "Eintrag gelöscht.", "en": "Entry deleted."},
    # digest settings
    "bot.pause.done": {
        "de": "Pausiert: Du bekommst keine wöchentlichen Vorschläge mehr. "
        "`/match weiter` holt sie zurück.",
        "en": "Paused: no more digests. `/match resume` brings them back.",
    },
    "bot.resume.done": {
        "de": "Willkommen zurück: Du bekommst wieder Vorschläge.",
        "en": "Welcome back: you will get suggestions again.",
    },
    "bot.cadence.weekly": {"de": "wöchentlich", "en": "weekly"},
    "bot.cadence.biweekly": {"de": "alle zwei Wochen", "en": "every two weeks"},
    "bot.cadence.monthly": {"de": "monatlich", "en": "monthly"},
    "bot.cadence.paused": {"de": "pausiert", "en": "paused"},
    "bot.settings.saved": {"de": "Einstellung gespeichert.", "en": "Setting saved."},
    # forget / export
    "bot.forget.confirm": {
        "de": "Soll ich wirklich *alles* löschen, was über dich gespeichert ist – Einträge, "
        "Vorschläge, Rückmeldungen? Das lässt sich nicht rückgängig machen.",
        "en": "Shall I really delete *everything* stored about you – entries, suggestions, "
        "feedback? This cannot be undone.",
    },
    "bot.forget.done": {
        "de": "Erledigt: Alles über dich ist gelöscht ({entries} Einträge).",
        "en": "Done: everything about you is deleted ({entries} entries).",
    },
    "bot.forget.cancelled": {"de": "Nichts gelöscht.", "en": "Nothing deleted."},
    "bot.export.done": {
        "de": "Ich habe dir deine Daten als Datei in unsere Direktnachricht geschickt.",
        "en": "I sent your data as a file to our direct messages.",
    },
    "bot.export.comment": {
        "de": "Alles, was civic-match über dich gespeichert hat.",
        "en": "Everything civic-match stores about you.",
    },
    # buttons on suggestions
    "bot.connect.intro": {
        "de": "Hallo {a} und {b}! civic-match denkt, ihr solltet euch kennenlernen.",
        "en": "Hi {a} and {b}! civic-match thinks you should meet.",
    },
    "bot.connect.about": {"de": "Es geht um: _{title}_", "en": "It is about: _{title}_"},
    "bot.connect.outro": {
        "de": "Erzählt euch doch kurz, woran ihr gerade arbeitet.",
        "en": "Why not tell each other briefly what you are working on?",
    },
    "bot.connect.done": {
        "de": "Ich habe eine Gruppennachricht mit {name} geöffnet.",
        "en": "I opened a group message with {name}.",
    },
    "bot.feedback.not_relevant": {
        "de": "Danke! Ich schlage dir {name} nicht mehr vor.",
        "en": "Thanks! I won't suggest {name} again.",
    },
    "bot.feedback.known": {
        "de": "Schön, dass ihr euch schon kennt – ich schlage {name} nicht mehr vor.",
        "en": "Good that you know each other – I won't suggest {name} again.",
    },
    # App Home
    "bot.home.title": {"de": "civic-match", "en": "civic-match"},
    "bot.home.intro": {
        "de": "Beschreibe deine Projekte und Datensätze – ich schlage dir Partner*innen vor "
        "und sage, warum.",
        "en": "Describe your projects and datasets – I suggest partners and say why.",
    },
    "bot.home.settings": {"de": "Einstellungen", "en": "Settings"},
    "bot.home.language": {"de": "Sprache", "en": "Language"},
    "bot.home.cadence": {"de": "Vorschläge per Nachricht", "en": "Suggestions by message"},
    "bot.home.entries": {"de": "Deine Einträge", "en": "Your entries"},
    "bot.home.suggestions": {"de": "Vorschläge für dich", "en": "Suggestions for you"},
    # errors
    "bot.error.empty": {
        "de": "Da steht nichts, was ich speichern oder suchen könnte. Schreib ein paar Sätze.",
        "en": "There is nothing I could save or search for. Write a few sentences.",
    },
    "bot.error.invalid": {
        "de": "Das konnte ich nicht verarbeiten. Bitte prüfe deine Eingabe.",
        "en": "I could not process that. Please check your input.",
    },
    "bot.error.too_long": {
        "de": "Höchstens {limit} Zeichen, bitte.",
        "en": "At most {limit} characters, please.",
    },
    "bot.error.not_found": {
        "de": "Das gibt es nicht (mehr), oder es gehört nicht dir.",
        "en": "That does not exist (any more), or it is not yours.",
    },
    "bot.error.delivery": {
        "de": "Ich konnte die Nachricht nicht zustellen. Bitte versuch es später noch einmal.",
        "en": "I could not deliver the message. Please try again later.",
    },
    "bot.error.unavailable": {
        "de": "Gerade klappt etwas auf meiner Seite nicht. Bitte versuch es gleich noch einmal.",
        "en": "Something is not working on my side. Please try again shortly.",
    },
    "bot.error.generic": {
        "de": "Entschuldigung, da ist etwas schiefgegangen. Bitte versuch es noch einmal.",
        "en": "Sorry, something went wrong. Please try again.",
    },
    "bot.error.busy": {
        "de": "Ich habe gerade viel zu tun. Bitte versuch es in einer Minute noch einmal.",
        "en": "I am very busy right now. Please try again in a minute.",
    },
    "bot.error.facilitator_only": {
        "de": "Das dürfen nur Moderator*innen.",
        "en": "Only facilitators may do that.",
    },
    "bot.error.stale_button": {
        "de": "Dieser Knopf gehört zu einer alten Nachricht und funktioniert nicht mehr.",
        "en": "This button belongs to an old message and no longer works.",
    },
    "bot.error.self": {
        "de": "Das bist du selbst.",
        "en": "That is you.",
    },
}
MESSAGES.update(_BOT)
