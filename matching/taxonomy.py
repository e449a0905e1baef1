"""Target groups, tools and needs of German social work, detected in free text.

Everything here is pure Python so that scoring, explanations and tests can use it
without the embedding model. Patterns are compiled once at import time: one
case-insensitive regex per group and per tool.

Pattern conventions (see ``_compile``): every synonym is a regex fragment that must
start and end at a word boundary, so a fragment that should also match compounds
("Seniorenheim", "Obdachlosenhilfe") says so explicitly with ``\\w*``. Lower-case
umlauts and ß in fragments also match their ASCII spellings (ue, oe, ae, ss),
because members on foreign keyboards write "Gefluechtete". Parts that only make
sense as capitalised German nouns ("Kind", "Freiwillige") are wrapped in
``(?-i:...)`` so that English "kind" or the adjective "freiwillige Angaben" do
not count.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

__all__ = [
    "GROUPS",
    "NEEDS",
    "TOOLS",
    "TargetGroup",
    "Tool",
    "detect_groups",
    "detect_needs",
    "detect_tools",
    "expand_groups",
    "get_group",
    "group_label",
    "need_label",
    "parse_groups",
    "parse_tools",
    "tool_name",
]

_UMLAUTS = {"ä": "(?:ä|ae)", "ö": "(?:ö|oe)", "ü": "(?:ü|ue)", "ß": "(?:ß|ss)"}


def _ascii_alternatives(fragment: str) -> str:
    out: list[str] = []
    in_class = False
    escaped = False
    for ch in fragment:
        if escaped:
            out.append(ch)
            escaped = False
        elif ch == "\\":
            out.append(ch)
            escaped = True
        elif ch == "[":
            in_class = True
            out.append(ch)
        elif ch == "]":
            in_class = False
            out.append(ch)
        else:
            out.append(ch if in_class else _UMLAUTS.get(ch, ch))
    return "".join(out)


def _compile(fragments: Iterable[str]) -> re.Pattern[str]:
    body = "|".join(_ascii_alternatives(f) for f in fragments)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


class _Detector:
    """Word-bounded synonym fragments, split by case sensitivity.

    Case-insensitive matching in ``re`` is about twice as slow as matching
    lower-cased text, and detection runs on every description, so most fragments
    run on the lower-cased text; only the ``(?-i:...)`` ones see the original.
    """

    __slots__ = ("_cased", "_lower")

    def __init__(self, fragments: Iterable[str]) -> None:
        frags = tuple(fragments)
        cased = [f for f in frags if "(?-i:" in f]
        lower = [f for f in frags if "(?-i:" not in f]
        for f in lower:
            if f != f.lower():
                raise ValueError(f"fragment must be lower-case or use (?-i:...): {f!r}")
        self._lower = self._build(lower, 0)
        self._cased = self._build(cased, re.IGNORECASE)

    @staticmethod
    def _build(fragments: list[str], flags: int) -> re.Pattern[str] | None:
        if not fragments:
            return None
        body = "|".join(_ascii_alternatives(f) for f in fragments)
        return re.compile(rf"(?<!\w)(?:{body})(?!\w)", flags)

    def search(self, text: str, lowered: str) -> bool:
        """True if any fragment occurs; ``lowered`` must be ``text.lower()``."""
        return bool(
            (self._lower is not None and self._lower.search(lowered))
            or (self._cased is not None and self._cased.search(text))
        )


# Soft hyphens and zero-width characters come from copy-pasted PDFs and web pages
# and would otherwise split words invisibly.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)


def _clean(text: str) -> str:
    return unicodedata.normalize("NFC", text).translate(_INVISIBLE)


def _norm_label(text: str) -> str:
    return " ".join(_clean(text).casefold().split())


# ---------------------------------------------------------------------------
# Target groups
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetGroup:
    """One target group of social work, with German and English labels."""

    key: str
    de: str
    en: str
    parent: str | None
    _pattern: _Detector = field(repr=False, compare=False)
    # Counts only when the parent group was found in the same text: "Ukraine"
    # alone may be a partner country, next to "Geflüchtete" it names the group.
    _with_parent: _Detector | None = field(default=None, repr=False, compare=False)
    _aliases: frozenset[str] = field(default_factory=frozenset, repr=False, compare=False)


def _group(
    key: str,
    de: str,
    en: str,
    synonyms: Iterable[str],
    *,
    parent: str | None = None,
    with_parent: Iterable[str] = (),
    aliases: Iterable[str] = (),
) -> TargetGroup:
    wp = tuple(with_parent)
    names = {key, key.replace("_", " "), de, en, *aliases}
    return TargetGroup(
        key=key,
        de=de,
        en=en,
        parent=parent,
        _pattern=_Detector(synonyms),
        _with_parent=_Detector(wp) if wp else None,
        _aliases=frozenset(_norm_label(n) for n in names),
    )


# A capitalised German noun that is not followed by another capitalised word:
# "Wir suchen Freiwillige." but not the adjective in "Freiwillige Angaben".
_NOT_ADJ = r"(?!\s+(?-i:[A-ZÄÖÜ]))"

GROUPS: tuple[TargetGroup, ...] = (
    _group(
        "refugees",
        "Geflüchtete",
        "Refugees",
        [
            r"geflüchtet\w*",
            r"\w*flüchtling\w*",
            r"asyl\w*",
            r"kirchenasyl",
            r"schutzsuchende\w*",
            r"flucht(?:erfahrung|hintergrund|geschichte|biografie|biographie|ursache|route)\w*",
            r"(?:nach der|auf der|vor der) flucht",
            r"flucht und migration",
            r"migration und flucht",
            r"gemeinschaftsunterk(?:u|ü)nft\w*",
            r"erstaufnahme\w*",
            r"aufnahmeeinrichtung\w*",
            r"ankerzentr\w*",
            r"binnenvertriebene\w*",
            r"unbegleitete\w* minderjährige\w*",
            r"(?-i:UMA|UMF|umF)",
            r"refugee\w*",
            r"asylum(?:[- ]seekers?)?",
            r"(?:forcibly )?displaced (?:people|persons|families)",
            r"people fleeing",
        ],
        aliases=["Flüchtlinge", "Fluechtlinge", "Gefluechtete", "Asylsuchende"],
    ),
    _group(
        "refugees_ukraine",
        "Geflüchtete aus der Ukraine",
        "Refugees from Ukraine",
        [
            r"ukraine[- ]?(?:hilfe|geflüchtete|flüchtling|refugee|vertriebene)\w*",
            r"ukrainer\w*",
            r"ukrainische\w* (?:geflüchtete|flüchtling|familie|frauen|kinder|schüler|mütter|gäste"
            r"|menschen|jugendliche|staatsangehörige|schutzsuchende|vertriebene)\w*",
            r"(?:geflüchtete\w*|flüchtling\w*|vertriebene\w*|schutzsuchende\w*|menschen|familien"
            r"|kinder|frauen) aus der ukraine",
            r"ukrainian (?:refugees|families|women|children|people|guests|newcomers)",
            r"(?:refugees|people|families|children|women) (?:from|fleeing) (?:the )?ukraine",
            r"§ ?24 aufenthg",
        ],
        parent="refugees",
        with_parent=[r"ukrain\w*"],
        aliases=["Ukraine", "Ukrainian refugees", "Ukraine refugees"],
    ),
    _group(
        "migrants",
        "Migrant*innen",
        "Migrants",
        [
            r"migrant\w*",
            r"migrations(?:hintergrund|geschichte|erfahrung|beratung|dienst|sozialarbeit"
            r"|biografie|biographie)\w*",
            r"jugendmigrationsdienst\w*",
            r"(?-i:MBE|JMD)",
            r"flucht und migration",
            r"migration und (?:flucht|integration)",
            r"integration und migration",
            r"zugewandert\w*",
            r"zuwander\w*",
            r"neuzugewandert\w*",
            r"eingewandert\w*",
            r"einwander\w*",
            r"integrationskurs\w*",
            r"deutsch als (?:zweit|fremd)sprache",
            r"(?-i:DaZ|DaF)",
            r"sprachmittl\w*",
            r"ausländer\w*",
            r"ausländische\w* (?:mitbürger|familien|menschen|staatsangehörige|fachkräfte)\w*",
            r"drittstaatsangehörige\w*",
            r"immigra\w*",
            r"(?:migrant|migration) background",
            r"newcomers?",
            r"(?:foreign|third[- ]country) nationals",
            r"diaspora\w*",
        ],
        aliases=["Migranten", "Migrantinnen", "Migrant", "Zugewanderte"],
    ),
    _group(
        "seniors",
        "Senior*innen",
        "Older people",
        [
            r"senior(?:innen|en|in)\w*",
            r"senior[*:_/·'’]-?innen",
            r"seniors",
            r"senior (?:citizens?|people|residents|adults)",
            r"ältere\w* (?:menschen|personen|leute|mitbürger\w*|generation|erwachsene\w*"
            r"|frauen|männer|nachbar\w*|bürger\w*|semester)",
            rf"(?-i:(?:Ä|Ae)ltere[n]?){_NOT_ADJ}",
            r"hochbetagt\w*",
            r"hochaltrig\w*",
            r"(?:im|im hohen) alter",
            r"altern",
            r"alternde\w*",
            r"alters(?:armut|einsamkeit|heim|gerecht|wohnsitz)\w*",
            r"alten(?:heim|hilfe|pflege|arbeit|club|treff|zentr|wohn|begegnung|tages|service)\w*",
            r"rentner\w*",
            r"ruheständler\w*",
            r"ruhestand",
            r"ü ?(?:60|65|70|75|80)",
            r"(?:60|65|70|75|80) ?(?:plus|\+)",
            r"betreutes wohnen",
            r"older (?:people|adults|persons|citizens|residents|women|men)",
            r"elderly",
            r"the aged",
            r"pensioners?",
            r"retirees?",
            r"later life",
            r"old age",
            r"(?:ageing|aging) (?:population|society)",
            r"over[- ](?:60|65|70|75|80)s",
        ],
        aliases=["Senior", "Seniorin", "Ältere", "Aeltere", "elderly people", "older people"],
    ),
    _group(
        "children_youth",
        "Kinder und Jugendliche",
        "Children and young people",
        [
            r"kinder(?!leicht)\w*",
            r"(?-i:Kind(?:es|e|s)?)",
            r"kindes\w+",
            r"kind(?:heit|gerecht\w*)",
            r"kita\w*",
            r"jugend(?!stil)\w*",
            r"heranwachsend\w*",
            r"minderjährig\w*",
            r"säugling\w*",
            r"kleinkind\w*",
            r"schulkind\w*",
            r"babys?(?!-?boomer)",
            r"teenager\w*",
            r"junge[nr]? (?:menschen|erwachsene\w*|leute|geflüchtete\w*)",
            r"frühe hilfen",
            r"(?-i:U18)",
            r"unter 18[- ]?jährige\w*",
            r"children\w*",
            r"child(?!\s+(?:process|processes|node|nodes|element|elements|table|tables|class"
            r"|classes|theme|record|records|component|components)\b)",
            r"childhood",
            r"childcare",
            r"kids",
            r"young (?:people|adults)",
            r"youth",
            r"teens",
            r"adolescents?",
            r"minors",
            r"early years",
            r"toddlers?",
        ],
        aliases=["Kind", "Kinder", "Jugendliche", "children", "young people", "youth"],
    ),
    _group(
        "families",
        "Familien",
        "Families",
        [
            r"familie(?!nname|nstand)\w*",
            r"eltern\w*",
            r"mütter\w*",
            r"väter\w*",
            r"mutter-kind\w*",
            r"schwangere\w*",
            r"schwangerschaft\w*",
            r"famil(?:y|ies)(?!\s+names?\b)",
            r"parents",
            r"parenting",
            r"mothers",
            r"fathers",
            r"pregnant (?:women|people)",
        ],
        aliases=["Familie", "family"],
    ),
    _group(
        "single_parents",
        "Alleinerziehende",
        "Single parents",
        [
            r"alleinerziehend\w*",
            r"ein-?eltern-?famil\w*",
            r"single (?:parents?|mothers?|fathers?|mums?|moms?|dads?)",
            r"lone parents?",
        ],
        parent="families",
    ),
    _group(
        "disabilities",
        "Menschen mit Behinderung",
        "People with disabilities",
        [
            r"behinderung\w*",
            r"(?:schwer|geh|seh|hör|lern|mehrfach|körper|geistig)?behindert\w*",
            r"mit (?:\w+ )?beeinträchtigung\w*",
            r"beeinträchtigte\w* (?:menschen|personen|kinder|jugendliche)\w*",
            r"inklusion\w*",
            r"inklusive\w* (?:arbeit|schule|bildung|angebot|kita|sport|beschäftigung|wohn)\w*",
            r"eingliederungshilfe\w*",
            r"(?-i:EUTB|WfbM)",
            r"barrierefrei\w*",
            r"rollstuhl\w*",
            r"gehörlos\w*",
            r"blinde[nr]? (?:menschen|personen)",
            r"blinden(?:verband|verein|hilfe|schrift|hund)\w*",
            r"leichte[rn]? sprache",
            r"lernschwierigkeit\w*",
            r"gebärdensprach\w*",
            r"autis\w*",
            r"down-?syndrom",
            r"disabled",
            r"disabilit(?:y|ies)",
            r"wheelchair\w*",
            r"deaf",
            r"hard of hearing",
            r"visually impaired",
            r"blind people",
            r"special needs",
        ],
        aliases=["Behinderte", "Menschen mit Behinderungen", "disabled people", "disability"],
    ),
    _group(
        "mental_health",
        "Menschen mit psychischen Erkrankungen",
        "People with mental illness",
        [
            r"psychisch\w* (?:erkrank|krank|belast|beeinträchtig|gesundheit|behindert|störung"
            r"|probleme|leiden)\w*",
            r"seelisch\w* (?:gesundheit|erkrank|krank|behindert|belast)\w*",
            r"depression\w*",
            r"depressiv\w*",
            r"\w*psychiatri\w*",
            r"psychosozial\w*",
            r"trauma\w*",
            r"burn-?out",
            r"suizid\w*",
            r"(?:angst|ess)störung\w*",
            r"mental (?:health|illness|ill-health|disorders?)",
            r"psychosocial",
            r"suicid\w*",
            r"eating disorders?",
        ],
        aliases=["psychisch Kranke", "psychisch Erkrankte", "mental health", "mental illness"],
    ),
    _group(
        "homeless",
        "Wohnungslose",
        "Homeless people",
        [
            r"wohnungslos\w*",
            r"obdachlos\w*",
            r"straßenobdachlos\w*",
            r"ohne (?:festen )?wohnsitz",
            r"ohne (?:eigene )?wohnung",
            r"auf der straße (?:leben|lebende\w*|schlafen)",
            r"(?:leben|lebt|schlafen|schläft) auf der straße",
            r"kältebus\w*",
            r"wärmebus\w*",
            r"kältehilfe\w*",
            r"notübernachtung\w*",
            r"übernachtungs(?:stelle|heim|angebot|platz|plätze)\w*",
            r"notunterk(?:u|ü)nft\w*",
            r"wohnungsnotfall\w*",
            r"wohnungsverlust\w*",
            r"zwangsräumung\w*",
            r"räumungsklage\w*",
            r"housing first",
            r"bahnhofsmission\w*",
            r"straßenzeitung\w*",
            r"homeless\w*",
            r"rough sleep\w*",
            r"sleep(?:ing|s)? rough",
            r"(?:night|emergency|homeless) shelters?",
            r"unhoused",
            r"evictions?",
        ],
        aliases=["Obdachlose", "homeless", "homeless people"],
    ),
    _group(
        "poverty",
        "Menschen in Armut",
        "People in poverty",
        [
            r"\w*armut\w*",
            r"arme[nr]? (?:menschen|familien|haushalte|kinder|leute|rentner\w*)",
            r"einkommensschwach\w*",
            r"einkommensarm\w*",
            r"geringverdien\w*",
            r"niedrigeinkommen\w*",
            r"bürgergeld\w*",
            r"hartz(?:[- ]?(?:iv|4))?",
            r"grundsicherung\w*",
            r"sozialhilfe\w*",
            r"transferleistung\w*",
            r"sozialleistung\w*",
            r"wohngeld\w*",
            r"tafel\w*",
            r"lebensmittel(?:ausgabe|hilfe|spende)\w*",
            r"sozialkaufhaus\w*",
            r"kleiderkammer\w*",
            r"sozial(?:pass|ticket)\w*",
            r"bildungs- und teilhabe\w*",
            r"überschuld\w*",
            r"schuldnerberatung\w*",
            r"sozial (?:benachteiligt|schwach)\w*",
            r"prekär\w*",
            r"poverty",
            r"poor (?:families|households|people|children|neighbourhoods|neighborhoods)",
            r"low[- ]income\w*",
            r"food banks?",
            r"deprivation",
            r"deprived (?:areas|neighbourhoods|neighborhoods|communities|families)",
            r"welfare recipients",
            r"social assistance",
            r"benefit claimants",
            r"debt advice",
        ],
        aliases=["Armut", "Arme", "poverty", "poor people", "low-income households"],
    ),
    _group(
        "care",
        "Pflegebedürftige und pflegende Angehörige",
        "People in need of care and family carers",
        [
            r"pflegebedürftig\w*",
            r"(?<!zu )pflegende[nr]?",
            r"pflegende\w* angehörige\w*",
            r"angehörigenpflege",
            r"pflege(?:grad|heim|dienst|beratung|stützpunkt|kasse|einrichtung|versicherung"
            r"|situation|bedarf|stufe|zeit|geld|wg|fall|fälle|alltag|netzwerk|begleit|hilfe"
            r"|kurs|personal|kräfte)\w*",
            r"(?:alten|tages|kurzzeit|verhinderungs|palliativ)pflege\w*",
            r"(?:häusliche|ambulante|stationäre)\w* pflege\w*",
            r"24-stunden-pflege",
            r"demenz\w*",
            r"alzheimer\w*",
            r"carers",
            r"family carers?",
            r"caregiv\w*",
            r"informal care\w*",
            r"long-term care",
            r"care homes?",
            r"nursing homes?",
            r"home care",
            r"respite care",
            r"people in need of care",
            r"dementia",
        ],
        aliases=["Pflegebedürftige", "pflegende Angehörige", "Pflege", "carers"],
    ),
    _group(
        "long_term_unemployed",
        "Langzeitarbeitslose",
        "Long-term unemployed people",
        [
            r"langzeitarbeitslos\w*",
            r"arbeitslos\w*",
            r"erwerbslos\w*",
            r"arbeits?suchend\w*",
            r"jobcenter\w*",
            r"(?-i:SGB ?(?:II|2))",
            r"beschäftigungsförderung\w*",
            r"arbeitsmarktintegration\w*",
            r"(?:berufliche\w*|arbeitsmarkt\w*) (?:wieder)?eingliederung\w*",
            r"wiedereingliederung\w*",
            r"arbeitsgelegenheit\w*",
            r"ein-euro-job\w*",
            r"§ ?16i",
            r"teilhabe am arbeitsmarkt",
            r"soziale[rn]? arbeitsmarkt",
            r"unemploy\w*",
            r"job ?seekers?",
            r"out of work",
            r"workless\w*",
        ],
        aliases=["Arbeitslose", "Erwerbslose", "unemployed", "unemployed people"],
    ),
    _group(
        "women_violence",
        "Frauen und Gewaltbetroffene",
        "Women and survivors of violence",
        [
            r"frauen\w*",
            r"mädchen\w*",
            r"häusliche\w* gewalt",
            r"gewalt gegen frauen",
            r"(?:geschlechtsspezifische|sexualisierte|sexuelle|partnerschaftliche)\w* gewalt",
            r"partnerschaftsgewalt",
            r"gewaltschutz\w*",
            r"gewaltbetroffen\w*",
            r"von gewalt betroffen\w*",
            r"gewalterfahrung\w*",
            r"gewaltopfer\w*",
            r"opfer von gewalt",
            r"opfer(?:schutz|beratung|hilfe)\w*",
            r"zwangs(?:heirat|verheirat)\w*",
            r"menschenhandel\w*",
            r"femizid\w*",
            r"stalking",
            r"genitalverstümmelung\w*",
            r"istanbul-konvention",
            r"schutzwohnung\w*",
            r"women",
            r"girls",
            r"domestic (?:violence|abuse)",
            r"gender-based violence",
            r"violence against women",
            r"intimate partner violence",
            r"sexual (?:violence|assault|abuse)",
            r"survivors? of (?:\w+ )?(?:violence|abuse)",
            r"femicides?",
            r"human trafficking",
            r"forced marriage",
        ],
        aliases=["Frauen", "Gewaltbetroffene", "women", "survivors of violence"],
    ),
    _group(
        "lgbtiq",
        "LGBTIQ*",
        "LGBTIQ* people",
        [
            r"lgbt\w*",
            r"lsbt\w*",
            r"queer\w*",
            r"schwul\w*",
            r"lesb(?:e|en|isch|ian)\w*",
            r"bisexu\w*",
            r"homosexu\w*",
            r"trans\*",
            r"trans(?:gender|sexuell|geschlechtlich|ident|personen|menschen|frauen|männer)\w*",
            r"trans\*? (?:personen|menschen|frauen|männer|people|persons|women|men)",
            r"inter\*",
            r"intergeschlechtlich\w*",
            r"intersex\w*",
            r"nicht-?binär\w*",
            r"non-?binary",
            r"gay",
            r"geschlechtliche\w* vielfalt",
            r"sexuelle\w* (?:und geschlechtliche\w* )?(?:vielfalt|orientierung|identität)\w*",
            r"regenbogenfamilie\w*",
            r"(?-i:CSD)",
            r"coming[- ]out",
        ],
        aliases=["LGBTIQ", "LGBTQ", "LSBTIQ", "queere Menschen"],
    ),
    _group(
        "addiction",
        "Suchtkranke",
        "People with addiction",
        [
            r"sucht(?:krank|hilfe|beratung|prävent|erkrank|mittel|gefähr|arbeit|klinik|therap"
            r"|problem|beauftrag|selbsthilfe|verhalten|stoff|fachstelle|medizin)\w*",
            r"(?:alkohol|drogen|spiel|glücksspiel|medien|internet|online|computerspiel|tabak"
            r"|nikotin|medikamenten|kauf|wett|opiat)sucht\w*",
            r"abhängigkeitserkrank\w*",
            r"(?:alkohol|drogen|opiat|medikamenten)abhängig\w*",
            r"drogen\w*",
            r"alkoholkrank\w*",
            r"alkoholiker\w*",
            r"alkoholmissbrauch",
            r"substitution(?:sbehandlung|spraxis|stherapie)\w*",
            r"konsumraum\w*",
            r"addict\w*",
            r"substance (?:use|abuse|misuse)",
            r"drug (?:use|users?|addiction|abuse|services)",
            r"alcoholism",
            r"alcohol (?:dependence|abuse|misuse)",
            r"harm reduction",
        ],
        aliases=["Sucht", "Suchtkranke", "Abhängige", "addiction"],
    ),
    _group(
        "online_hate",
        "Von Hass im Netz Betroffene",
        "People affected by online hate",
        [
            r"hass(?:rede|kommentar|nachricht|post|botschaft|kampagne|mail|welle|sprache)\w*",
            r"hass (?:und|&) hetze",
            r"hass im (?:netz|internet|digitalen raum)",
            r"online-?hass\w*",
            r"hass online",
            r"betroffene\w* von (?:digitalem |online-?)?hass",
            r"digitale\w* gewalt",
            r"cyber-?(?:mobbing|stalking|bullying|harassment|grooming)\w*",
            r"online-?(?:hetze|belästigung|mobbing)\w*",
            r"hetze im (?:netz|internet)",
            r"shitstorm\w*",
            r"doxx?ing",
            r"netzdg",
            r"hate ?speech",
            r"online (?:hate|abuse|harassment)",
            r"hateful (?:content|comments?|posts?)",
            r"hate comments?",
        ],
        aliases=["Hass im Netz", "online hate", "Hate Speech", "Hassrede"],
    ),
    _group(
        "volunteers",
        "Ehrenamtliche",
        "Volunteers",
        [
            # "ehrenamtlich" on its own mostly describes how an association works,
            # not whom it serves.
            r"ehrenamt(?!lich(?!e)|lich(?:e[mnrs]?)? (?:geführt|organisiert|getragen|arbeitend"
            r"|betrieben|tätig|verein|initiative|organisation|vorstand|team))\w*",
            r"freiwilligen(?:agentur|management|koordination|arbeit|dienst|engagement"
            r"|zentrum|börse|netzwerk)\w*",
            r"bundesfreiwilligendienst\w*",
            r"freiwillige\w* (?:helfer|engagierte|mitarbeit)\w*",
            r"freiwilliges engagement",
            rf"(?-i:Freiwillige[n]?){_NOT_ADJ}",
            r"bürgerschaftliche\w* engagement\w*",
            r"engagementförderung",
            r"(?-i:BFD|FSJ)",
            r"helferkreis\w*",
            r"volunteer\w*",
        ],
        aliases=["Ehrenamtliche", "Freiwillige", "Ehrenamt", "volunteers"],
    ),
    _group(
        "offenders",
        "Straffällige und Haftentlassene",
        "Offenders and people leaving prison",
        [
            r"straffällig\w*",
            r"haftentlass\w*",
            r"inhaftiert\w*",
            r"strafgefangen\w*",
            r"gefangene\w*",
            r"justizvollzug\w*",
            r"(?-i:JVA)",
            r"bewährungshilfe\w*",
            r"resozialisierung\w*",
            r"haftvermeidung",
            r"ersatzfreiheitsstrafe\w*",
            r"(?:in|nach der|aus der) haft",
            r"(?:ex-)?offenders?",
            r"(?:ex-)?prisoners?",
            r"probation\w*",
            r"(?:in|after|leaving) prison",
            r"reoffending",
        ],
        aliases=["Straffällige", "Haftentlassene", "offenders", "prisoners"],
    ),
    _group(
        "students",
        "Schüler*innen und Studierende",
        "Pupils and students",
        [
            r"schüler\w*",
            r"studierende\w*",
            r"student\w*",
            r"auszubildende\w*",
            r"azubis?",
            r"pupils?",
            r"apprentice\w*",
            r"trainees?",
        ],
        aliases=["Schüler", "Studierende", "Studenten", "students", "pupils"],
    ),
)

_GROUP_BY_KEY: dict[str, TargetGroup] = {g.key: g for g in GROUPS}
_GROUP_ORDER: dict[str, int] = {g.key: i for i, g in enumerate(GROUPS)}
_GROUP_BY_ALIAS: dict[str, str] = {a: g.key for g in GROUPS for a in g._aliases}


def get_group(key: str) -> TargetGroup:
    """Return the group with this key; KeyError if there is none."""
    return _GROUP_BY_KEY[key]


def group_label(key: str, lang: str) -> str:
    """Label of a group in "de" or "en"; any other language gets German."""
    g = get_group(key)
    return g.en if lang == "en" else g.de


def expand_groups(keys: Iterable[str]) -> set[str]:
    """The given keys plus all their ancestors; unknown keys are kept as they are."""
    out: set[str] = set()
    for key in keys:
        current: str | None = key
        while current is not None and current not in out:
            out.add(current)
            g = _GROUP_BY_KEY.get(current)
            current = g.parent if g else None
    return out


def _direct_groups(text: str) -> list[str]:
    lowered = text.lower()
    found: list[str] = []
    for g in GROUPS:
        if g._pattern.search(text, lowered) or (
            g._with_parent is not None
            and g.parent in found
            and g._with_parent.search(text, lowered)
        ):
            found.append(g.key)
    return found


def _in_order(keys: Iterable[str]) -> list[str]:
    return sorted(set(keys), key=lambda k: _GROUP_ORDER.get(k, len(_GROUP_ORDER)))


def detect_groups(text: str) -> list[str]:
    """Keys of the target groups mentioned in German or English free text.

    Taxonomy order, no duplicates; a detected child group brings its parent.
    """
    return _in_order(expand_groups(_direct_groups(_clean(text))))


_LIST_SPLIT = re.compile(r"[,;\n]+")


def _pieces(user_input: Iterable[str], splitter: re.Pattern[str]) -> Iterator[str]:
    """The non-empty, cleaned items of what a member typed into a list field."""
    for raw in user_input:
        for piece in splitter.split(_clean(raw)):
            item = piece.strip()
            if item:
                yield item


def parse_groups(user_input: Iterable[str]) -> tuple[list[str], list[str]]:
    """Map what a member typed (keys, labels, synonyms) to group keys.

    Items may be comma-separated. Returns (known keys in taxonomy order, unknown
    strings as typed, stripped). Parents are not added; use expand_groups.
    """
    known: set[str] = set()
    unknown: list[str] = []
    for item in _pieces(user_input, _LIST_SPLIT):
        alias = _GROUP_BY_ALIAS.get(_norm_label(item))
        if alias:
            known.add(alias)
            continue
        # Typed labels are often lower-case ("freiwillige"), which the noun
        # patterns deliberately ignore in running text.
        found = _direct_groups(item) or _direct_groups(item[:1].upper() + item[1:])
        if found:
            known.update(found)
        elif item not in unknown:
            unknown.append(item)
    return _in_order(known), unknown


# ---------------------------------------------------------------------------
# Tools
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Tool:
    """A piece of software members use; key is stable, name is for display."""

    key: str
    name: str
    _pattern: _Detector = field(repr=False, compare=False)
    _aliases: frozenset[str] = field(default_factory=frozenset, repr=False, compare=False)


def _tool(key: str, name: str, fragments: Iterable[str], aliases: Iterable[str] = ()) -> Tool:
    names = {key, name, *aliases}
    return Tool(key, name, _Detector(fragments), frozenset(_norm_label(n) for n in names))


TOOLS: tuple[Tool, ...] = (
    _tool("civicrm", "CiviCRM", [r"civi[- ]?crm"], ["civi"]),
    _tool(
        "excel",
        "Excel",
        [r"(?:ms[- ]|microsoft )?excel", r"excel(?:tabelle|liste|datei|mappe)\w*", r"xlsx?"],
    ),
    _tool(
        "google_sheets",
        "Google Sheets",
        [r"google[- ]?(?:sheets?|tabellen|spreadsheets?)", r"gsheets?"],
    ),
    _tool("airtable", "Airtable", [r"airtable"]),
    _tool("nextcloud", "Nextcloud", [r"next[- ]?cloud"]),
    _tool("kobotoolbox", "KoboToolbox", [r"kobo(?:[- ]?toolbox|[- ]?collect)?"]),
    _tool("odk", "ODK", [r"odk(?: collect)?", r"open data kit"]),
    _tool("limesurvey", "LimeSurvey", [r"lime[- ]?survey"]),
    _tool("qgis", "QGIS", [r"qgis"]),
    _tool("openstreetmap", "OpenStreetMap", [r"open[- ]?street[- ]?map", r"(?-i:OSM)"], ["osm"]),
    _tool("python", "Python", [r"python\d?", r"pandas"]),
    _tool(
        "r",
        "R",
        [
            # A bare capital R, but not an initial ("Anna R.") or part of "R&D".
            r"(?<![&.'’])(?-i:R)(?![&'’]|\.\s*[A-ZÄÖÜa-zäöü])",
            r"r[- ]?studio",
            r"(?-i:R)[- ](?:skript|script|paket|package|markdown|shiny)\w*",
            r"(?-i:Shiny)",
            r"tidyverse",
        ],
        ["r", "rstudio", "r-studio", "gnu r"],
    ),
    _tool("power_bi", "Power BI", [r"(?:ms[- ]|microsoft )?power[- ]?bi"]),
    _tool("tableau", "Tableau", [r"tableau(?: public)?"]),
    _tool("metabase", "Metabase", [r"metabase"]),
    _tool("grafana", "Grafana", [r"grafana"]),
    _tool("datawrapper", "Datawrapper", [r"data[- ]?wrapper"]),
    _tool("jupyter", "Jupyter", [r"jupyter\w*"]),
    _tool("postgresql", "PostgreSQL", [r"postgres(?:ql)?", r"postgre[- ]sql", r"postgis"]),
    _tool("mysql", "MySQL", [r"mysql", r"mariadb"]),
    _tool("ms_access", "Microsoft Access", [r"(?:ms|microsoft)[- ]access", r"access-datenbank\w*"]),
    _tool(
        "salesforce",
        "Salesforce",
        [r"salesforce\w*", r"nonprofit success pack", r"(?-i:NPSP)"],
    ),
    _tool(
        "ms_dynamics",
        "Microsoft Dynamics",
        [r"(?:ms[- ]|microsoft )dynamics(?: 365| crm)?", r"dynamics (?:365|crm)"],
        ["dynamics"],
    ),
    _tool("sharepoint", "SharePoint", [r"share[- ]?point"]),
    _tool(
        "ms_teams",
        "Microsoft Teams",
        # Bare "Teams" is an everyday word in German and English.
        [
            r"(?:ms[- ]|microsoft[- ])teams",
            r"(?:per|via|über) teams",
            r"teams-(?:kanal|chat|meeting|besprechung|call|gruppe)\w*",
        ],
        ["teams", "ms teams"],
    ),
    _tool("wordpress", "WordPress", [r"word[- ]?press"]),
    _tool("matomo", "Matomo", [r"matomo"]),
    _tool("zammad", "Zammad", [r"zammad"]),
    _tool("openproject", "OpenProject", [r"openproject"], ["open project"]),
    _tool("ckan", "CKAN", [r"ckan"]),
    _tool("streamlit", "Streamlit", [r"streamlit"]),
    _tool("superset", "Apache Superset", [r"(?:apache )?superset"]),
    _tool("spss", "SPSS", [r"(?:ibm )?spss"]),
    _tool("stata", "Stata", [r"stata"]),
    _tool(
        "llm",
        "ChatGPT / LLMs",
        [
            r"chat-?gpt",
            r"gpt-?\d\w*",
            r"openai",
            r"llms?",
            r"large language models?",
            r"(?:ki-)?sprachmodell\w*",
            r"llama",
        ],
        ["chatgpt", "llm", "llms", "ki", "ai", "künstliche intelligenz"],
    ),
    _tool("google_forms", "Google Forms", [r"google[- ]?(?:forms|formulare?)"]),
    _tool("ms_forms", "Microsoft Forms", [r"(?:ms|microsoft)[- ]forms"]),
    _tool("knime", "KNIME", [r"knime"]),
    _tool("fundraisingbox", "FundraisingBox", [r"fundraising[- ]?box"]),
    _tool("datev", "DATEV", [r"datev"]),
    _tool("vivendi", "Vivendi", [r"(?:connext )?vivendi"]),
    _tool("mailchimp", "Mailchimp", [r"mailchimp"]),
    _tool("cleverreach", "CleverReach", [r"clever[- ]?reach"]),
    _tool("github", "GitHub", [r"github"]),
)

_TOOL_BY_KEY: dict[str, Tool] = {t.key: t for t in TOOLS}
_TOOL_BY_ALIAS: dict[str, str] = {a: t.key for t in TOOLS for a in t._aliases}
_TOOL_SPLIT = re.compile(r"[,;/&\n]+|\s+(?:und|and|oder|or|sowie)\s+", re.IGNORECASE)
_SLUG_JUNK = re.compile(r"[^\w.#+]+")
_MAX_SLUG = 40


def detect_tools(text: str) -> list[str]:
    """Keys of the known tools mentioned in free text, in TOOLS order."""
    cleaned = _clean(text)
    lowered = cleaned.lower()
    return [t.key for t in TOOLS if t._pattern.search(cleaned, lowered)]


def _slug(text: str) -> str:
    slug = _SLUG_JUNK.sub("-", text.casefold()).strip("-._")
    return slug[:_MAX_SLUG].rstrip("-")


def parse_tools(user_input: Iterable[str]) -> list[str]:
    """Normalise tools a member typed to keys, first occurrence first.

    Known tools (by name, key or alias, also inside a longer string such as
    "MS Excel 365") become their key; anything else becomes a lower-case slug of
    what was typed, so that two members who both wrote "Venice" still match.
    """
    out: dict[str, None] = {}
    for item in _pieces(user_input, _TOOL_SPLIT):
        key = _TOOL_BY_ALIAS.get(_norm_label(item))
        if key:
            out[key] = None
            continue
        found = detect_tools(item)
        if found:
            out.update(dict.fromkeys(found))
            continue
        slug = _slug(item)
        if slug:
            out[_TOOL_BY_ALIAS.get(slug, slug)] = None
    return list(out)


def tool_name(key: str) -> str:
    """Display name of a tool; a free-form slug key is shown as it is."""
    t = _TOOL_BY_KEY.get(key)
    return t.name if t else key


# ---------------------------------------------------------------------------
# Needs: what a member looks for or offers
# ---------------------------------------------------------------------------

NEEDS: tuple[str, ...] = ("partners", "data", "expertise", "volunteers", "funding", "software")

_NEED_LABELS: dict[str, tuple[str, str]] = {
    "partners": ("Partner", "Partners"),
    "data": ("Daten", "Data"),
    "expertise": ("Fachwissen", "Expertise"),
    "volunteers": ("Ehrenamtliche", "Volunteers"),
    "funding": ("Finanzierung", "Funding"),
    "software": ("Software", "Software"),
}


def need_label(key: str, lang: str) -> str:
    """Label of a need key in "de" or "en" (German otherwise); KeyError if unknown."""
    de, en = _NEED_LABELS[key]
    return en if lang == "en" else de


_NEED_TOPICS: dict[str, re.Pattern[str]] = {
    "partners": _compile(
        [
            r"partner\w*",
            r"kooperation\w*",
            r"mitstreiter\w*",
            r"verbündete\w*",
            r"zusammenarbeit",
            r"austausch\w*",
            r"(?:organisationen|träger|trägern|vereine|initiativen|verbände)",
            r"collaborat\w*",
            r"other (?:organisations|organizations|charities|groups)",
        ]
    ),
    "data": _compile(
        [
            # "Daten" and its data-ish compounds, but not Datenschutz, Datenbank or
            # Kandidaten/Soldaten.
            r"\w*(?<!kandi)(?<!sol)(?<!man)(?<!up)daten(?:satz|sätze|sätzen|satzes|bestand"
            r"|bestände|beständen|quelle|quellen|basis|grundlage|grundlagen|material"
            r"|lieferung|spende|spenden|pool|export|sammlung|reihe|reihen)?",
            r"statistik\w*",
            r"kennzahlen",
            r"tabellen?",
            r"(?-i:Zahlen)",
            r"open data",
            r"data(?!\s+(?:protection|privacy|literacy|skills|science|scientists?|analysis"
            r"|management|strategy|analysts?|engineers?))",
            r"data ?sets?",
            r"statistics",
            r"figures",
        ]
    ),
    "expertise": _compile(
        [
            r"beratung\w*",
            r"expertise",
            r"know-?how",
            r"fachwissen",
            r"fachliche\w* (?:unterstützung|begleitung|rat)",
            r"erfahrung\w*",
            r"(?-i:Wissen)",
            r"schulung\w*",
            r"fortbildung\w*",
            r"workshops?",
            r"coaching",
            r"mentoring",
            r"pro[- ]?bono",
            r"(?:daten)?(?:analyse|auswertung)\w*",
            r"datenkompetenz\w*",
            r"visualisierung\w*",
            r"evaluation\w*",
            r"wirkungsmessung\w*",
            r"advice",
            r"experience",
            r"training",
            r"consult\w*",
            r"skills",
            r"data (?:analysis|science|scientists?|analysts?|literacy|skills)",
            r"help with",
        ]
    ),
    "volunteers": _compile(
        [
            r"ehrenamtliche\w*",
            r"freiwillige\w*",
            r"helfer\w*",
            r"engagierte",
            r"volunteers?",
            r"helpers",
        ]
    ),
    "funding": _compile(
        [
            r"förder(?:mittel|geld|gelder|partner|ung|er|programm)\w*",
            r"finanzierung\w*",
            r"geldgeber\w*",
            r"spender\w*",
            r"sponsor\w*",
            r"zuschuss\w*",
            r"zuschüsse",
            r"budget\w*",
            r"drittmittel\w*",
            r"stiftungsgeld\w*",
            r"funding",
            r"funds",
            r"grants?",
            r"donors?",
            r"money",
        ]
    ),
    "software": _compile(
        [
            r"software\w*",
            r"tools?",
            r"programmier\w*",
            r"entwickler\w*",
            r"apps?",
            r"plattform\w*",
            r"datenbank\w*",
            r"(?-i:CRM)",
            r"dashboards?",
            r"technische\w* (?:unterstützung|lösung|hilfe)\w*",
            r"it-(?:unterstützung|lösung|hilfe|support|dienstleister)\w*",
            r"developers?",
            r"platforms?",
            r"databases?",
            r"tech(?:nical)? (?:support|help)",
        ]
    ),
}

_SEEK = _compile(
    [
        r"(?:ge)?such(?:e|en|t|te|ten)",
        r"auf der suche",
        r"brauch\w*",
        r"gebraucht",
        r"benötig\w*",
        r"fehl(?:t|en|ende\w*)",
        r"bedarf\w*",
        r"wünsch\w*",
        r"hätten gerne?",
        r"freuen uns (?:über|auf)",
        r"interess(?:e|iert)\w* an",
        r"offen für",
        r"wer (?:hat|kann|kennt|hilft)",
        r"(?:hilft|helft) uns",
        r"(?:hat|kennt) jemand",
        r"angewiesen auf",
        r"look(?:ing)? for",
        r"seek\w*",
        r"need\w*",
        r"want\w*",
        r"would (?:like|love|welcome)",
        r"in search of",
        r"interested in",
        r"we lack",
        r"missing",
        r"(?:does )?anyone (?:have|has|know)",
        r"who has",
    ]
)

_OFFER = _compile(
    [
        r"biete\w*",
        r"anbiete\w*",
        r"anzubieten",
        # the dative noun "Angeboten" describes services, the participle offers
        r"(?-i:angeboten)",
        r"zur verfügung",
        r"bereit(?:zu)?stell\w*",
        r"bereitgestellt",
        r"stellen \w+ bereit",
        r"teile\w*",
        r"geteilt",
        r"weiter(?:zu)?geben",
        r"geben \w+ weiter",
        r"veröffentlich\w*",
        r"(?:wir|ich) (?:haben|verfügen über)",
        r"verfügbar",
        r"abrufbar",
        r"einbringen",
        r"(?:können|kann) (?:gern |gerne )?(?:helfen|unterstützen|beraten|schulen)",
        r"(?:unterstützen|helfen|beraten) gerne?",
        r"offer\w*",
        r"provid\w*",
        r"shar(?:e|es|ed|ing)",
        r"make \w+ available",
        r"available",
        r"happy to",
        r"can help",
        r"publish\w*",
        r"we have",
        r"contribut\w*",
    ]
)

_NEGATION = _compile(
    [r"kein\w*", r"nicht(?! nur)", r"no", r"not(?! only)", r"without", r"wenig\w*", r"kaum"]
)
_SENTENCES = re.compile(r"(?<=[.!?])\s+|[\n;]+|\s+[–—]\s+")
_CLAUSES = re.compile(r",|\s+(?:und|and|sowie|aber|but|sondern|außerdem)\s+", re.IGNORECASE)
_RELATIVE = re.compile(r"\s*(?:die|der|das|den|dem|denen|welche\w*|who|which|that)\b", re.I)


def _clause_cues(clause: str) -> list[tuple[int, str]]:
    negated = _NEGATION.search(clause) is not None
    cues = [(m.start(), "seek") for m in _SEEK.finditer(clause)]
    # "Wir haben keine Daten" / "uns stehen keine Daten zur Verfügung" ask for data.
    kind = "seek" if negated else "offer"
    cues += [(m.start(), kind) for m in _OFFER.finditer(clause)]
    return sorted(cues)


def detect_needs(text: str) -> tuple[set[str], set[str]]:
    """Needs a text looks for and offers, e.g. "Wir suchen Daten" -> ({"data"}, set()).

    A need mentioned in a clause counts towards the nearest seek/offer cue in that
    clause, else the closest cue earlier in the sentence, else the next one after.
    A relative clause ("Partner, die uns Daten zur Verfügung stellen") keeps the
    intent of the clause it hangs on.
    """
    looks: set[str] = set()
    offers: set[str] = set()
    for sentence in _SENTENCES.split(_clean(text)):
        clauses = [c for c in _CLAUSES.split(sentence) if c.strip()]
        cues_per_clause = [_clause_cues(c) for c in clauses]
        for i, clause in enumerate(clauses):
            topics = [
                (m.start(), need)
                for need, pat in _NEED_TOPICS.items()
                for m in pat.finditer(clause)
            ]
            if not topics:
                continue
            earlier = [kind for cues in cues_per_clause[:i] for _, kind in cues]
            later = [kind for cues in cues_per_clause[i + 1 :] for _, kind in cues]
            own = cues_per_clause[i]
            if own and earlier and _RELATIVE.match(clause):
                own = []
            for pos, need in topics:
                if own:
                    kind = min(own, key=lambda c: abs(c[0] - pos))[1]
                elif earlier:
                    kind = earlier[-1]
                elif later:
                    kind = later[0]
                else:
                    continue
                (looks if kind == "seek" else offers).add(need)
    return looks, offers
