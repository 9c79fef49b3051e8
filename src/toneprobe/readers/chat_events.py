"""System messages in chat exports: what they say happened, and who ended the chat.

Live-chat tools write events into the message log next to what people typed: LiveChat's
system messages ("%customer% left the chat", "%agent% archived the chat", "... transferred the
chat to ...": platform.text.com/docs/messaging/references/system-messages), Zendesk Chat's
history items of type ``chat.memberleave`` / ``chat.memberjoin`` next to ``chat.msg``
(Fivetran's Zendesk Chat schema: ``chat_history.type``, ``sender_type``), Freshchat messages
with ``actor_type`` / ``message_type`` ``system`` (Freshchat webhook payload docs), Salesforce
``ConversationEntry`` rows with ``ActorType`` ``System`` and an ``EntryType`` other than
``Text``. They are not turns: nobody said them. toneprobe keeps them as events of the call
(``metadata["events"]``), and an event that ends the chat says who ended it (``ended_by``),
which the hang-up detector reads as evidence like any ``ended_by`` from the source.

The kinds, first match wins (German and English wordings; the examples are in
``tests/readers/test_chat_exports.py``):

``timeout``          the chat closed after inactivity                      -> ``dropped``
``customer_left``    the visitor / customer left or closed the chat        -> ``customer``
``agent_closed``     the agent closed, archived or left the chat           -> ``agent``
``connection_lost``  the connection broke                                  -> ``dropped``
``left``             NAME left the chat (resolved against the speakers)    -> by who it is
``transfer``         the chat was transferred or assigned
``joined``           someone joined or accepted the chat
``ended``            "Chat beendet" without saying who ended it             (no ``ended_by``)
``other``            any other system message
"""

from __future__ import annotations

import re

_CUSTOMER = (
    r"(?:besucher(?:in)?|kunden?|kundin|visitor|customer|end-?user|nutzer(?:in)?|gast|guest|"
    r"contact|kontakt|user|chatpartner(?:in)?)"
)
_AGENT = (
    r"(?:mitarbeiter(?:in|s)?|agent(?:in|en)?|berater(?:in|s)?|operator(?:in)?|support|admin|"
    r"service(?:team)?|kundenservice)"
)
_LEAVE = (
    r"(?:verlassen|beendet|geschlossen|left|closed|ended|disconnected|"
    r"ist gegangen|has gone)"
)
_CLOSE = r"(?:beendet|geschlossen|archiviert|closed|ended|archived|left|verlassen)"

#: (kind, pattern) in the order they are tried
KINDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        (
            "timeout",
            r"inaktivit[äa]t|zeit[üu]berschreitung|time-?out|timed out|inactiv|"
            r"keine antwort|no (?:response|reply)|automatisch (?:beendet|geschlossen)|"
            r"automatically (?:closed|ended|archived)|zeit abgelaufen",
        ),
        (
            "customer_left",
            rf"\b{_CUSTOMER}\b.{{0,40}}\b{_LEAVE}\b|"
            rf"\b(?:vom|von der|durch den|durch die|by the)\s+{_CUSTOMER}\b.{{0,20}}\b{_CLOSE}\b",
        ),
        (
            "agent_closed",
            rf"\b{_AGENT}\b.{{0,40}}\b{_CLOSE}\b|"
            rf"\b(?:vom|von der|durch den|durch die|by the)\s+{_AGENT}\b",
        ),
        (
            "connection_lost",
            r"verbindung\w*\s+(?:\w+\s+){0,2}(?:unterbrochen|getrennt|verloren|abgebrochen)|"
            r"verbindungsabbruch|connection\s+(?:was\s+)?(?:lost|dropped|interrupted)|"
            r"lost connection|offline gegangen|went offline",
        ),
        (
            "left",
            r"^\s*\S.{0,60}?\s+(?:left the (?:chat|conversation)|hat den chat verlassen|"
            r"hat das gespr[äa]ch verlassen)\s*\.?\s*$",
        ),
        (
            "transfer",
            r"weitergeleitet|[üu]bergeben|[üu]bertragen|transferred|transfer|zugewiesen|"
            r"assigned|weitergegeben",
        ),
        (
            "joined",
            r"beigetreten|hat den chat (?:betreten|angenommen|übernommen)|joined|"
            r"accepted the chat|hat den chat gestartet|started the chat",
        ),
        (
            "ended",
            r"\b(?:chat|gespr[äa]ch|unterhaltung|konversation|conversation|session|sitzung)\b"
            r".{0,25}\b(?:beendet|geschlossen|archiviert|ended|closed|archived)\b|"
            r"^\s*(?:chat|conversation|session)\s+(?:beendet|ended|closed)",
        ),
    )
)

#: what an ending event says about who ended the chat (``Transcript.ended_by``)
ENDED_BY: dict[str, str] = {
    "timeout": "dropped",
    "connection_lost": "dropped",
    "customer_left": "customer",
    "agent_closed": "agent",
}

_LEFT_NAME = re.compile(
    r"^\s*(.{1,60}?)\s+(?:left the (?:chat|conversation)|hat (?:den chat|das gespr[äa]ch) "
    r"verlassen)",
    re.IGNORECASE,
)


def event_kind(text: str) -> str:
    """The kind of a system message (see the module doc); ``other`` when none fits."""
    for kind, pattern in KINDS:
        if pattern.search(text):
            return kind
    return "other"


def looks_like_system_message(text: str) -> bool:
    """True for a line that reads as a chat tool's event ("Chat beendet", "Der Besucher hat
    den Chat verlassen"): short and of a known kind. Used only for rows that name no role and
    no speaker; a row with a role is what its role says."""
    stripped = text.strip()
    if not stripped or len(stripped.split()) > 14:
        return False
    return event_kind(stripped) != "other"


def resolve_left(text: str, agent_names: set[str], customer_names: set[str]) -> str:
    """``NAME left the chat``: ``agent_closed`` or ``customer_left`` when NAME is a speaker of
    that side (case-insensitive), else ``left``."""
    m = _LEFT_NAME.match(text)
    if not m:
        return "left"
    name = m.group(1).strip().casefold()
    if name in {n.casefold() for n in agent_names}:
        return "agent_closed"
    if name in {n.casefold() for n in customer_names}:
        return "customer_left"
    return "left"
