"""A deterministic generator of synthetic German call-center calls for benchmarks and tests.

    python benchmarks/corpus.py OUT_DIR [--calls 1000] [--seed 7]

Calls are assembled from the templates below (written for this benchmark) and, for variety,
from turns of the labelled samples in ``sample_transcripts/``. They have 20 to 29 turns (about
24 on average); about a third of the customer's turns in the middle of a call are long
accounts of several sentences (250-400 characters), as customers tell what happened. They are
spread over a dozen agents and come as toneprobe JSON (most) and as plain text with
``Agent:``/``Kunde:`` prefixes. :func:`corpus_stats` describes a written corpus. The same seed gives the same files. Nothing here is committed
as data: the corpus is written to a temporary directory by the benchmark.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

AGENTS = (
    "Jana Krüger", "Mehmet Yilmaz", "Sabine Hoffmann", "Lukas Brandt", "Aylin Demir",
    "Tobias Wagner", "Katrin Vogel", "Niklas Schäfer", "Emma Lorenz", "Oliver Franke",
    "Svetlana Petrova", "Jonas Albrecht",
)  # fmt: skip
CUSTOMERS = (
    "Herr Becker", "Frau Schulze", "Herr Nowak", "Frau Keller", "Herr Özdemir", "Frau Winter",
    "Herr Hartmann", "Frau Roth", "Herr Zimmermann", "Frau Busch", "Herr Kaya", "Frau Lang",
)  # fmt: skip
COMPANIES = ("Nordwelle Telekom", "Stadtwerke Elmtal", "Rheinkraft Energie", "Fidelis Versicherung")
TOPICS = (
    ("Rechnung", "die Rechnung für den letzten Monat ist viel zu hoch"),
    ("Router", "mein Internet bricht seit Tagen immer wieder ab"),
    ("Abschlag", "der Abschlag wurde doppelt abgebucht"),
    ("Umzug", "ich ziehe um und brauche den Anschluss in der neuen Wohnung"),
    ("Schaden", "ich habe einen Wasserschaden gemeldet und warte seit Wochen"),
    ("Kündigung", "ich möchte meinen Vertrag kündigen"),
    ("Tarif", "ich zahle zu viel für meinen Tarif"),
    ("Lieferung", "das neue Gerät ist immer noch nicht angekommen"),
)

GREETINGS = (
    "{company}, guten Tag, Sie sprechen mit {agent}. Was kann ich für Sie tun?",
    "Guten Morgen, {company}, mein Name ist {agent}. Wie kann ich Ihnen helfen?",
    "{company}, {agent} am Apparat, schönen guten Tag.",
)
OPENERS_CALM = (
    "Guten Tag, {customer} hier. Ich rufe an, weil {problem}.",
    "Hallo, hier ist {customer}. Ich habe eine Frage, {problem}.",
    "Ja, guten Tag. Es geht um Folgendes: {Problem}.",
)
OPENERS_ANGRY = (
    "Endlich erreiche ich mal jemanden! {Problem}, und keiner kümmert sich darum!",
    "Das ist jetzt schon mein dritter Anruf. {Problem}! Das ist UNVERSCHÄMT!",
    "Ich bin wirklich sauer. {problem}, und ich hänge seit einer halben Stunde in der Warteschleife!",
)
ASK_DETAILS = (
    "Können Sie mir bitte Ihre Kundennummer nennen?",
    "Darf ich Ihr Geburtsdatum zur Bestätigung haben?",
    "Nennen Sie mir bitte noch die Postleitzahl, dann finde ich Ihren Vertrag.",
)
GIVE_DETAILS = (
    "Die Kundennummer ist {num}.",
    "Moment, ich suche sie raus. Hier: {num}.",
    "Das ist die {num}, steht oben auf dem Brief.",
)
EMPATHY = (
    "Das tut mir leid, das ist wirklich ärgerlich für Sie.",
    "Das kann ich gut nachvollziehen, so etwas darf nicht passieren.",
    "Ich verstehe, dass Sie verärgert sind, und ich kümmere mich jetzt darum.",
    "Entschuldigen Sie bitte, da ist bei uns etwas schiefgelaufen.",
)
COLD = (
    "Da kann ich nichts machen, das ist nicht mein Problem.",
    "Wie ich Ihnen bereits erklärt habe, ist das so.",
    "Beruhigen Sie sich mal, so kommen wir nicht weiter.",
    "Das haben Sie falsch gemacht, das steht doch im Vertrag.",
)
CHECKING = (
    "Einen Moment bitte, ich schaue mir das im System an.",
    "Ich sehe hier den Vorgang vom {day}, ich prüfe kurz den Stand.",
    "Ich habe Ihren Vertrag gefunden. Lassen Sie mich kurz nachsehen.",
)
CUSTOMER_MIDDLE = (
    "Ja, ich warte.",
    "Okay.",
    "Und wie lange dauert das jetzt noch?",
    "Das hat mir Ihre Kollegin letzte Woche auch schon gesagt.",
    "Ich brauche das aber bis Freitag, sonst habe ich ein Problem.",
    "Hm, na gut.",
    "Können Sie mir das bitte schriftlich geben?",
)
# what a customer tells at length: several sentences, 250-400 characters
CUSTOMER_LONG = (
    "Also, das war so: Ich habe vor drei Wochen schon einmal angerufen, da hat mir Ihr Kollege gesagt, dass sich innerhalb von zwei Tagen jemand meldet. Passiert ist gar nichts. Dann habe ich eine E-Mail geschrieben und nur eine automatische Antwort bekommen. Und jetzt kommt schon die nächste Rechnung mit demselben Fehler.",
    "Ich arbeite im Schichtdienst und kann nicht jeden Tag zu Hause auf einen Techniker warten. Beim letzten Termin hieß es zwischen acht und sechzehn Uhr, ich habe mir extra freigenommen, und am Ende kam niemand. Eine Absage gab es auch nicht. Verstehen Sie, dass ich da langsam die Geduld verliere?",
    "Meine Mutter ist vierundachtzig und wohnt allein, das Telefon ist ihre einzige Verbindung nach draußen. Seit Montag hat sie kein Freizeichen mehr, und ich fahre jeden Tag hin, um nach ihr zu sehen. Ich brauche wirklich eine schnelle Lösung und nicht noch einen Termin in zwei Wochen.",
    "Auf dem Kontoauszug sehe ich zwei Abbuchungen, einmal am ersten und dann noch einmal am dritten, beide über den vollen Betrag. Dadurch ist mein Konto ins Minus gerutscht, und die Bank hat mir Gebühren berechnet. Die möchte ich ehrlich gesagt auch ersetzt haben, denn das war ja nicht mein Fehler.",
    "Ich habe den Vertrag damals im Laden abgeschlossen, und der Verkäufer hat mir ausdrücklich gesagt, dass der Preis zwei Jahre lang gleich bleibt. Jetzt steht auf der Rechnung plötzlich ein höherer Betrag, und im Kundenportal finde ich keinen Hinweis darauf. Das fühlt sich für mich nicht fair an.",
    "Wir sind am Fünfzehnten umgezogen, die Kartons stehen noch überall, und ich arbeite von zu Hause aus. Ohne Internet kann ich meine Arbeit nicht machen, mein Chef hat schon nachgefragt. Den Umzug habe ich sechs Wochen vorher angemeldet, genau so, wie es auf Ihrer Webseite steht.",
    "Das Paket sollte laut Sendungsverfolgung am Dienstag kommen, dann stand da plötzlich Zustellung nicht möglich, obwohl ich den ganzen Tag zu Hause war. Eine Benachrichtigung lag nicht im Briefkasten. Seitdem bewegt sich der Status nicht mehr, und beim Paketdienst sagt man mir, ich soll mich an Sie wenden.",
)
CUSTOMER_LONG_ANGRY = (
    "Nein, jetzt hören Sie mir mal zu! Ich habe das alles schon dreimal erklärt, jedes Mal einer anderen Person, und jedes Mal fange ich wieder von vorne an. Schreiben Sie sich bei Ihnen eigentlich nichts auf? Ich zahle jeden Monat pünktlich und bekomme dafür nur Ärger!",
    "Wissen Sie, wie viele Stunden ich wegen dieser Sache schon in der Warteschleife verbracht habe? Ich habe mitgezählt, es sind über vier Stunden. Das ist meine Freizeit, die da draufgeht. Wenn das heute nicht gelöst wird, gehe ich zur Verbraucherzentrale, das verspreche ich Ihnen.",
    "Das ist doch wirklich nicht zu fassen. Erst wird mir ein Tarif verkauft, den ich nie haben wollte, dann kommt eine Rechnung, die keiner erklären kann, und jetzt soll ich auch noch eine Bearbeitungsgebühr zahlen? So geht man nicht mit Kunden um, die seit fünfzehn Jahren bei Ihnen sind!",
)
SOLUTIONS = (
    "Ich habe die doppelte Buchung storniert, das Geld ist in drei bis fünf Werktagen wieder auf Ihrem Konto.",
    "Ich schicke Ihnen heute noch einen Techniker, er kommt morgen zwischen acht und zwölf Uhr.",
    "Ich kann Ihnen als Ausgleich eine Gutschrift von zwanzig Euro anbieten.",
    "Ich habe den Umzug eingetragen, der Anschluss ist ab dem ersten des Monats geschaltet.",
    "Ich gebe den Vorgang mit hoher Priorität an die Fachabteilung, Sie bekommen bis Mittwoch eine Rückmeldung.",
)
CUSTOMER_CALM_END = (
    "Gut, vielen Dank, das hilft mir wirklich.",
    "Okay, dann bin ich beruhigt. Danke Ihnen.",
    "Na also, geht doch. Danke.",
)
CUSTOMER_ANGRY_END = (
    "Das glaube ich erst, wenn ich es sehe. So ein Saftladen!",
    "Wissen Sie was, ich kündige. Mir reicht es!",
)
FAREWELLS = (
    "Gern geschehen. Kann ich sonst noch etwas für Sie tun? Dann wünsche ich Ihnen einen schönen Tag, auf Wiederhören.",
    "Sehr gern. Vielen Dank für Ihren Anruf und einen schönen Tag noch.",
    "Danke für Ihre Geduld. Auf Wiederhören!",
)
DAYS = ("Montag", "Dienstag", "dritten März", "zwölften", "letzten Freitag")


def _sample_turns() -> dict[str, list[str]]:
    """Turn texts from the labelled samples (toneprobe JSON ones), by role."""
    pool: dict[str, list[str]] = {"agent": [], "customer": []}
    for path in sorted((REPO / "sample_transcripts" / "json").glob("*.json")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for turn in doc.get("turns", []):
            if turn.get("role") in pool and 20 <= len(turn.get("text", "")) <= 240:
                pool[turn["role"]].append(turn["text"])
    return pool


def _fill(template: str, slots: dict[str, str]) -> str:
    text = template.format(**slots) if "{" in template else template
    return text[:1].upper() + text[1:]


def make_call(rng: random.Random, i: int, samples: dict[str, list[str]]) -> dict[str, object]:
    agent, customer = rng.choice(AGENTS), rng.choice(CUSTOMERS)
    company = rng.choice(COMPANIES)
    _topic, problem = rng.choice(TOPICS)
    angry = rng.random() < 0.35
    cold = rng.random() < 0.15
    slots = {
        "agent": agent, "customer": customer, "company": company, "problem": problem,
        "Problem": problem[:1].upper() + problem[1:],
        "num": f"{rng.randint(100000, 999999)}", "day": rng.choice(DAYS),
    }  # fmt: skip
    turns: list[tuple[str, str]] = [("agent", rng.choice(GREETINGS))]
    turns.append(("customer", rng.choice(OPENERS_ANGRY if angry else OPENERS_CALM)))
    turns.append(
        ("agent", rng.choice(COLD if cold and angry else EMPATHY if angry else ASK_DETAILS))
    )
    turns.append(("customer", rng.choice(GIVE_DETAILS)))
    n_middle = rng.randint(7, 11)  # pairs of turns in the middle: 20-29 turns per call
    for _ in range(n_middle):
        if samples["agent"] and rng.random() < 0.25:
            turns.append(("agent", rng.choice(samples["agent"])))
        else:
            turns.append(("agent", rng.choice(CHECKING + ASK_DETAILS + (EMPATHY if angry else ()))))
        roll = rng.random()
        if roll < 0.35:  # a long account of what happened
            turns.append(("customer", rng.choice(CUSTOMER_LONG_ANGRY if angry else CUSTOMER_LONG)))
        elif samples["customer"] and roll < 0.55:
            turns.append(("customer", rng.choice(samples["customer"])))
        else:
            turns.append(("customer", rng.choice(CUSTOMER_MIDDLE)))
    turns.append(("agent", rng.choice(COLD if cold else SOLUTIONS)))
    calmed = not cold and (not angry or rng.random() < 0.7)
    turns.append(("customer", rng.choice(CUSTOMER_CALM_END if calmed else CUSTOMER_ANGRY_END)))
    ended_by = "normal"
    if calmed or rng.random() < 0.5:
        turns.append(("agent", rng.choice(FAREWELLS)))
    else:
        ended_by = "customer"
    return {
        "call_id": f"bench_{i:06d}",
        "agent": agent,
        "customer": customer,
        "ended_by": ended_by,
        "turns": [
            {
                "role": role,
                "speaker": agent if role == "agent" else customer,
                "text": _fill(text, slots),
            }
            for role, text in turns
        ],
    }


def write_corpus(out: Path, n_calls: int, seed: int = 7, text_share: float = 0.1) -> list[Path]:
    """Write ``n_calls`` calls below ``out`` (100 files per folder); returns the paths."""
    rng = random.Random(seed)
    samples = _sample_turns()
    paths: list[Path] = []
    for i in range(n_calls):
        call = make_call(rng, i, samples)
        folder = out / f"part_{i // 100:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        if rng.random() < text_share:
            path = folder / f"{call['call_id']}.txt"
            lines = [
                f"{'Agent' if t['role'] == 'agent' else 'Kunde'}: {t['text']}"  # type: ignore[index]
                for t in call["turns"]  # type: ignore[attr-defined]
            ]
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        else:
            path = folder / f"{call['call_id']}.json"
            path.write_text(json.dumps(call, ensure_ascii=False, indent=1), encoding="utf-8")
        paths.append(path)
    return paths


def corpus_stats(paths: list[Path]) -> dict[str, float]:
    """Turns per call (min, mean, max) and the customer's turns (mean characters, share of
    turns over 200 characters) of a corpus written by :func:`write_corpus`."""
    turns: list[int] = []
    customer_chars: list[int] = []
    for path in paths:
        if path.suffix == ".json":
            doc = json.loads(path.read_text(encoding="utf-8"))
            pairs = [(t["role"], t["text"]) for t in doc["turns"]]
        else:
            lines = path.read_text(encoding="utf-8").splitlines()
            pairs = [
                ("customer" if line.startswith("Kunde:") else "agent", line.split(": ", 1)[1])
                for line in lines
            ]
        turns.append(len(pairs))
        customer_chars += [len(text) for role, text in pairs if role == "customer"]
    return {
        "turns_min": float(min(turns)),
        "turns_mean": sum(turns) / len(turns),
        "turns_max": float(max(turns)),
        "customer_chars_mean": sum(customer_chars) / len(customer_chars),
        "customer_long_share": sum(c > 200 for c in customer_chars) / len(customer_chars),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--calls", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    paths = write_corpus(args.out, args.calls, args.seed)
    sys.stderr.write(f"wrote {len(paths)} calls to {args.out}: {corpus_stats(paths)}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
