"""The words automatic mail uses: auto-reply and bounce subject prefixes in the languages councils
receive, and the mailbox names only machines send from (pure data and two predicates).

Subject prefixes are what each mail system writes before the original subject, followed by a colon:
Exchange/Outlook ("Automatic reply:", "Réponse automatique :", "Automatische Antwort:",
"Respuesta automática:", "Risposta automatica:", "Automatisch antwoord:", "Resposta automática:",
"Odpowiedź automatyczna:", "Ateb awtomatig:"), legacy Outlook ("Out of Office:"), Lotus Notes
("AUTO:"), Gmail and Thunderbird vacation replies (often the person's own text: "Out of office",
"Abwesenheitsnotiz", "Absence du bureau", "Fuera de la oficina", "Fuori sede", "Afwezig", "Fora do
escritório", "Poza biurem", "Allan o'r swyddfa"). A person may start a subject with the same words
("Out of office next week"), so ``mailbot.mail.automatic`` never uses a subject alone.
"""

from __future__ import annotations

import re

_AUTO_REPLY_WORDS = (
    # English (Exchange, Outlook, Gmail, Lotus Notes)
    r"automatic reply",
    r"auto(?:matic)?[ -]?reply",
    r"auto[ -]?response",
    r"autoresponder",
    r"auto",
    r"out of (?:the )?office(?: (?:auto[ -]?)?reply)?",
    r"away from (?:the )?office",
    r"on leave",
    r"on annual leave",
    r"vacation(?: reply)?",
    r"holiday(?: reply)?",
    r"away",
    # French
    r"r[ée]ponse automatique",
    r"absence du bureau",
    r"absent(?:e)? du bureau",
    r"message d'absence",
    r"absence",
    r"absent(?:e)?",
    # German
    r"automatische antwort",
    r"abwesenheitsnotiz",
    r"automatische abwesenheitsnotiz",
    r"abwesend",
    r"abwesenheit",
    r"au(?:ss|ß)er haus",
    r"nicht im b[üu]ro",
    # Spanish
    r"respuesta autom[áa]tica",
    r"fuera de (?:la )?oficina",
    r"ausente",
    r"ausencia",
    # Italian
    r"risposta automatica",
    r"fuori (?:sede|ufficio)",
    r"assente",
    r"assenza",
    # Dutch
    r"automatisch antwoord",
    r"afwezig",
    r"niet aanwezig",
    r"buiten kantoor",
    r"afwezigheid",
    # Portuguese
    r"resposta autom[áa]tica",
    r"fora do escrit[óo]rio",
    r"aus[êe]ncia",
    r"ausente do escrit[óo]rio",
    # Polish
    r"odpowied[źz] automatyczna",
    r"automatyczna odpowied[źz]",
    r"poza biurem",
    r"nieobecno[śs][ćc]",
    r"nieobecn[ya]",
    # Welsh
    r"ateb awtomatig",
    r"ymateb awtomatig",
    r"allan o'?r swyddfa",
    r"i ffwrdd o'?r swyddfa",
)
_BOUNCE_WORDS = (
    r"undeliverable",
    r"undelivered mail returned to sender",
    r"delivery status notification",
    r"mail delivery failed",
    r"returned mail",
    r"delivery has failed",
    r"failure notice",
    r"message not delivered",
    r"delivery failure",
    r"mail delivery subsystem",
    r"delayed mail",
    r"warning: could not send message",
    r"mail system error",
    r"non remis",
    r"non distribuable",
    r"unzustellbar",
    r"nicht zustellbar",
    r"no se puede entregar",
    r"no entregado",
    r"non recapitabile",
    r"onbestelbaar",
    r"niet afgeleverd",
    r"n[ãa]o (?:[ée] poss[íi]vel )?entregue",
    r"n[ãa]o foi poss[íi]vel entregar",
    r"niedostarczalne",
    r"nie dostarczono",
    r"anfonadwy",
)
_WORDS = "|".join(sorted(_AUTO_REPLY_WORDS, key=len, reverse=True))
AUTO_REPLY_SUBJECT = re.compile(rf"^\s*(?:{_WORDS})\s*:", re.IGNORECASE)
BOUNCE_SUBJECT = re.compile(rf"^\s*(?:{'|'.join(_BOUNCE_WORDS)})\b", re.IGNORECASE)

#: Local parts only mail systems send bounces from (normalised: lower case, no ".", "-" or "_").
BOUNCE_SENDERS = frozenset({"mailerdaemon", "postmaster", "maildeliverysystem", "maildeliverysubsystem"})
#: Exchange's NDR sender: "Microsoft Outlook" <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@...>.
_EXCHANGE_SYSTEM = re.compile(r"^microsoftexchange[0-9a-f]{32}$")
#: Mailboxes nobody reads, which machines send from: no-reply, noreply, do-not-reply, donotreply...
_NO_REPLY = re.compile(
    r"(?:^|[._+-])(?:no[._-]?reply|do[._-]?not[._-]?reply|no[._-]?response|do[._-]?not[._-]?respond|"
    r"bounces?)(?:$|[._+-])",
    re.IGNORECASE,
)


def _normalised(local_part: str) -> str:
    return re.sub(r"[._\-]", "", local_part.lower())


def is_bounce_sender(local_part: str) -> bool:
    """MAILER-DAEMON, postmaster, Mail.Delivery.System, Exchange's MicrosoftExchange<hex> mailbox."""
    normalised = _normalised(local_part)
    return normalised in BOUNCE_SENDERS or bool(_EXCHANGE_SYSTEM.match(normalised))


def is_no_reply_sender(local_part: str) -> bool:
    """A mailbox that says nobody reads it (no-reply@, noreply-dmarc-support@, bounces+...@)."""
    return bool(_NO_REPLY.search(local_part))
