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


# Slack bot texts ("bot.*"). Members' text is escaped by bot.slack.blocks before it is
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
    "bot.modal.description_more_label": {
        "de": "Beschreibung (Fortsetzung)",
        "en": "Description (continued)",
    },
    "bot.modal.description_more_hint": {
        "de": "Nur für lange Beschreibungen: wird an das Feld darüber angehängt. "
        "Ein Feld fasst 3.000 Zeichen.",
        "en": "Only for long descriptions: appended to the field above. "
        "One field holds 3,000 characters.",
    },
    "bot.modal.cut_warning": {
        "de": "Achtung: {fields} ist länger, als dieses Formular fassen kann. "
        "Wenn du speicherst, wird es gekürzt.",
        "en": "Note: {fields} is longer than this form can hold. Saving will shorten it.",
    },
    # profile
    "bot.profile.intro": {"de": "*Deine Einträge ({n}):*", "en": "*Your entries ({n}):*"},
    "bot.profile.empty": {
        "de": "Du hast noch keine Einträge. Beschreibe ein Projekt mit `/match beschreiben`.",
        "en": "You have no entries yet. Describe a project with `/match describe`.",
    },
    "bot.entry.deleted": {"de": "Eintrag gelöscht.", "en": "Entry deleted."},
    "bot.entry.gone": {
        "de": "Diesen Eintrag gibt es nicht mehr, er wurde inzwischen gelöscht. "
        "Deine Änderungen sind nicht gespeichert; mit `/match beschreiben` legst du ihn neu an.",
        "en": "That entry no longer exists; it was deleted in the meantime. "
        "Your changes were not saved; `/match describe` creates it anew.",
    },
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
    "bot.error.unknown_entry": {
        "de": "Diesen Eintrag kenne ich nicht. `/match profil` zeigt deine Einträge.",
        "en": "I do not know that entry. `/match profile` lists your entries.",
    },
    "bot.error.self": {
        "de": "Das bist du selbst.",
        "en": "That is you.",
    },
}
MESSAGES.update(_BOT)

# Weekly digests, workshops and community statistics (issue 5).
_DIGEST_WORKSHOP_STATS: dict[str, dict[str, str]] = {
    "digest.intro": {
        "de": "Hallo {name}! Deine Partnervorschläge für diese Woche:",
        "en": "Hello {name}! Your partner suggestions for this week:",
    },
    "digest.intro.none": {
        "de": "Hallo {name}! Diesmal habe ich keine neuen Partnervorschläge für dich.",
        "en": "Hello {name}! I have no new partner suggestions for you this time.",
    },
    "digest.new": {
        "de": "*Neu in der Community*",
        "en": "*New in the community*",
    },
    "digest.new.item": {"de": "{title} – von {name}", "en": "{title} – by {name}"},
    "digest.footer": {
        "de": "Du bekommst diese Nachricht {cadence}. Mit `/match pause` pausierst du sie.",
        "en": "You get this message {cadence}. `/match pause` pauses it.",
    },
    "digest.cadence.weekly": {"de": "jede Woche", "en": "every week"},
    "digest.cadence.biweekly": {"de": "alle zwei Wochen", "en": "every two weeks"},
    "digest.cadence.monthly": {"de": "einmal im Monat", "en": "once a month"},
    "digest.stale": {
        "de": "Dein Eintrag „{title}“ ist über ein Jahr alt. Ist er noch aktuell? "
        "Du kannst ihn mit `/match profil` bearbeiten oder archivieren.",
        "en": "Your entry “{title}” is more than a year old. Is it still current? "
        "You can edit it with `/match profile` or archive it.",
    },
    "digest.stale.current": {"de": "Ist noch aktuell", "en": "Still current"},
    "digest.stale.archive": {"de": "Archivieren", "en": "Archive"},
    "digest.stale.confirmed": {
        "de": "Danke! Der Eintrag bleibt so, wie er ist.",
        "en": "Thanks! The entry stays as it is.",
    },
    "digest.stale.archived": {
        "de": "Der Eintrag ist archiviert und wird nicht mehr vorgeschlagen.",
        "en": "The entry is archived and will no longer be suggested.",
    },
    "digest.now.started": {
        "de": "Der Digest für diesen Workspace läuft. Ich melde mich, wenn er fertig ist.",
        "en": "The digest for this workspace is running. I will report when it is done.",
    },
    "digest.now.done": {
        "de": "Digest {periods}: {sent} gesendet, {skipped} hatten ihn schon, "
        "{failed} fehlgeschlagen, {empty} ohne neue Vorschläge.",
        "en": "Digest {periods}: {sent} sent, {skipped} already had it, "
        "{failed} failed, {empty} without new suggestions.",
    },
    "digest.help": {
        "de": "Digest jetzt senden (nur Moderator*innen): `digest jetzt`",
        "en": "send the digest now (facilitators only): `digest now`",
    },
    "digest.usage": {
        "de": "So geht’s: `/match digest jetzt`",
        "en": "Usage: `/match digest now`",
    },
    "workshop.help": {
        "de": "Workshop-Matching (nur Moderator*innen): "
        "`workshop #kanal [paare|gruppen N] [runden R]`",
        "en": "workshop matching (facilitators only): "
        "`workshop #channel [pairs|groups N] [rounds R]`",
    },
    "workshop.usage": {
        "de": "So geht’s: `/match workshop #kanal [paare|gruppen N] [runden R]`",
        "en": "Usage: `/match workshop #channel [pairs|groups N] [rounds R]`",
    },
    "workshop.preview.title": {
        "de": "Workshop-Vorschau für {channel}: {people} Teilnehmende, {rounds} Runde(n), {mode}",
        "en": "Workshop preview for {channel}: {people} participants, {rounds} round(s), {mode}",
    },
    "workshop.mode.pairs": {"de": "Paare", "en": "pairs"},
    "workshop.mode.groups": {"de": "Gruppen zu {size}", "en": "groups of {size}"},
    "workshop.round": {"de": "*Runde {n}*", "en": "*Round {n}*"},
    "workshop.locked": {"de": "🔒 fest", "en": "🔒 locked"},
    "workshop.no_reason": {
        "de": "aus verschiedenen Organisationen",
        "en": "from different organisations",
    },
    "workshop.repeat_warning": {
        "de": "⚠️ Diese Personen treffen sich mehrfach: {pairs}",
        "en": "⚠️ These people meet more than once: {pairs}",
    },
    "workshop.without_entries": {
        "de": "Noch ohne Beschreibung (bekommen eine Einladung): {people}",
        "en": "No description yet (they get an invitation): {people}",
    },
    "workshop.invite": {
        "de": "Hallo! Vor dem Workshop in <#{channel}> bilden wir Gesprächspaare. "
        "Beschreib kurz dein Projekt mit `/match beschreiben`, dann finden wir passende "
        "Partner*innen für dich.",
        "en": "Hello! Before the workshop in <#{channel}> we match people for conversations. "
        "Describe your project briefly with `/match describe` so we can find good partners.",
    },
    "workshop.intro": {
        "de": "Runde {round} des Workshops: {people}, ihr seid eine Gruppe! {why}",
        "en": "Round {round} of the workshop: {people}, you are a group! {why}",
    },
    "workshop.intro.why": {"de": "Warum: {reasons}.", "en": "Why: {reasons}."},
    "workshop.summary": {
        "de": "Die Gruppen für den Workshop stehen ({groups} Gruppen in {rounds} Runde(n)). "
        "Schaut in eure Direktnachrichten!",
        "en": "The workshop groups are ready ({groups} groups in {rounds} round(s)). "
        "Check your direct messages!",
    },
    "workshop.sent": {
        "de": "Gesendet: {groups} Gruppennachrichten, {invites} Einladungen, "
        "{failed} fehlgeschlagen.",
        "en": "Sent: {groups} group messages, {invites} invitations, {failed} failed.",
    },
    "workshop.already_sent": {
        "de": "Dieser Workshop-Plan wurde schon gesendet.",
        "en": "This workshop plan has already been sent.",
    },
    "workshop.unknown_plan": {
        "de": "Diesen Workshop-Plan kenne ich nicht. Prüfe die Nummer in der Vorschau.",
        "en": "I do not know that workshop plan. Check the number in the preview.",
    },
    "workshop.too_few": {
        "de": "Zu wenige Teilnehmende mit Beschreibung für ein Matching ({n}).",
        "en": "Too few participants with a description to match ({n}).",
    },
    "workshop.csv_uploaded": {
        "de": "Der Plan als CSV zum Ausdrucken.",
        "en": "The plan as CSV for printing.",
    },
    "workshop.btn.reshuffle": {"de": "Neu mischen", "en": "Reshuffle"},
    "workshop.btn.send": {"de": "Senden", "en": "Send"},
    "workshop.btn.send_summary": {
        "de": "Senden + Kanal informieren",
        "en": "Send + tell the channel",
    },
    "workshop.btn.csv": {"de": "CSV herunterladen", "en": "Download CSV"},
    "workshop.btn.swap": {"de": "Tauschen", "en": "Swap"},
    "workshop.btn.lock": {"de": "Paar festhalten", "en": "Lock pair"},
    "workshop.btn.unlock": {"de": "Festhalten lösen", "en": "Unlock"},
    "workshop.btn.edit": {"de": "Bearbeiten", "en": "Edit"},
    "workshop.edit.hint": {
        "de": "Personen tauschen oder festhalten: „Bearbeiten“. Oder per Befehl:",
        "en": "Swap or lock people: “Edit”. Or type:",
    },
    "workshop.edit.round": {"de": "Runde", "en": "Round"},
    "workshop.edit.title": {"de": "Plan bearbeiten", "en": "Edit plan"},
    "workshop.edit.submit": {"de": "Übernehmen", "en": "Apply"},
    "workshop.edit.intro": {
        "de": "*Tauschen*: die beiden wechseln in dieser Runde ihre Plätze.\n"
        "*Paar festhalten*: die zweite Person kommt zur ersten und die beiden bleiben "
        "auch beim Neu-Mischen zusammen.\n"
        "*Festhalten lösen*: die beiden dürfen wieder getrennt werden.",
        "en": "*Swap*: the two change places in this round.\n"
        "*Lock pair*: the second person joins the first, and the two stay together "
        "when you reshuffle.\n"
        "*Unlock*: the two may be split up again.",
    },
    "workshop.edit.person_a": {"de": "Erste Person", "en": "First person"},
    "workshop.edit.person_b": {"de": "Zweite Person", "en": "Second person"},
    "workshop.edit.pick": {"de": "Person auswählen", "en": "Choose a person"},
    "workshop.edit.action": {"de": "Was soll passieren?", "en": "What should happen?"},
    "workshop.edit.missing": {"de": "Bitte auswählen.", "en": "Please choose one."},
    "workshop.edit.same_person": {
        "de": "Bitte zwei verschiedene Personen auswählen.",
        "en": "Please choose two different people.",
    },
    "workshop.edit.no_round": {
        "de": "Diese Runde gibt es im Plan nicht.",
        "en": "The plan has no such round.",
    },
    "workshop.edit.not_in_round": {
        "de": "Diese Person ist in Runde {n} nicht dabei.",
        "en": "This person does not take part in round {n}.",
    },
    "workshop.edit.not_locked": {
        "de": "Diese beiden sind in Runde {n} nicht festgehalten.",
        "en": "These two are not locked together in round {n}.",
    },
    "workshop.edit.people": {"de": "Zwei Personen", "en": "Two people"},
    "workshop.edit.need_two": {
        "de": "Bitte genau zwei Personen auswählen.",
        "en": "Please pick exactly two people.",
    },
    "workshop.csv.header": {
        "de": "Runde,Gruppe,Slack-ID,Name,Organisation,Projekt,Warum",
        "en": "Round,Group,Slack ID,Name,Organisation,Project,Why",
    },
    "stats.help": {
        "de": "Community-Statistik (nur Moderator*innen)",
        "en": "community statistics (facilitators only)",
    },
    "stats.report": {
        "de": "*Community-Statistik*\n"
        "• Mitglieder: {members} ({with_entries} mit Beschreibung)\n"
        "• Einträge: {entries}\n"
        "• Digest abonniert: {opted_in_share}\n"
        "• Digests gesendet: {digests_sent} ({digests_failed} fehlgeschlagen)\n"
        "• Gezeigte Vorschläge: {shown}\n"
        "• Verbinden-Quote: {connect_rate} (Klicks auf „Verbinde uns“ je Vorschlag)\n"
        "• Nicht-relevant-Quote: {not_relevant_rate}\n"
        "• Abdeckung: {coverage} der Mitglieder haben mindestens einen Vorschlag bekommen",
        "en": "*Community statistics*\n"
        "• Members: {members} ({with_entries} with a description)\n"
        "• Entries: {entries}\n"
        "• Subscribed to the digest: {opted_in_share}\n"
        "• Digests sent: {digests_sent} ({digests_failed} failed)\n"
        "• Suggestions shown: {shown}\n"
        "• Connect rate: {connect_rate} (“Connect us” clicks per suggestion)\n"
        "• Not-relevant rate: {not_relevant_rate}\n"
        "• Coverage: {coverage} of members got at least one suggestion",
    },
}
MESSAGES.update(_DIGEST_WORKSHOP_STATS)
