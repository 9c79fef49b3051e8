"""Who is the agent: source roles, channels, the override, or text cues with a confidence."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from toneprobe.roles.cues import answers_phone, cue_scores, role_cues
from toneprobe.roles.words import _fold

if TYPE_CHECKING:  # roles must not import the readers package at run time (cycle)
    from toneprobe.readers.base import RawCall, Segment, SourceRole


@dataclass(slots=True)
class RoleDecision:
    roles: dict[str, SourceRole]
    info: dict[str, object]
    warnings: list[str]


def _speaker_texts(segments: list[Segment]) -> dict[str, list[str]]:
    texts: dict[str, list[str]] = {}
    for seg in segments:
        if seg.speaker is not None and seg.role != "bot":
            texts.setdefault(seg.speaker, []).append(seg.text)
    return texts


def confidence(margin: float) -> float:
    """How often the text-cue decision is right at this score margin, calibrated on renders of
    the labelled calls (``scripts/role_accuracy.py --calibrate``; parameters in roles.yaml)."""
    points = role_cues().decision.confidence
    margin = max(margin, 0.0)
    for (m0, c0), (m1, c1) in zip(points, points[1:], strict=False):
        if margin <= m1:
            return round(c0 + (c1 - c0) * (margin - m0) / (m1 - m0), 2)
    return round(points[-1][1], 2)


def infer_roles(
    texts: dict[str, list[str]], priors: dict[str, float] | None = None
) -> tuple[dict[str, SourceRole], dict[str, object]]:
    """Pick the agent among speakers (in order of first appearance) from what they say."""
    speakers = list(texts)
    if not speakers:
        return {}, {"method": "none"}
    priors = priors or {}
    decision = role_cues().decision
    first_prior = decision.first_speaker_prior
    diffs: dict[str, float] = {}
    cues: dict[str, list[str]] = {}
    any_cue = False
    # the callee of an outbound call answers first; when the next speaker's first turn is just
    # such an answer too ("Hallo?" - "Hallo?"), the answer says nothing about who called
    both_answer = (
        len(speakers) > 1 and bool(texts[speakers[1]]) and answers_phone(texts[speakers[1]][0])
    )
    for i, spk in enumerate(speakers):
        a, c, fired = cue_scores(
            texts[spk], opens_call=i == 0 and not both_answer, speaks_second=i == 1
        )
        any_cue = any_cue or bool(fired)
        cues[spk] = fired
        diffs[spk] = a - c + priors.get(spk, 0.0) + (first_prior if i == 0 else 0.0)
    ranked = sorted(speakers, key=lambda s: -diffs[s])
    if len(speakers) == 1:
        spk = speakers[0]
        role: SourceRole = "agent" if diffs[spk] > first_prior else "customer"
        margin = abs(diffs[spk] - first_prior)
        return {spk: role}, {
            "method": "text_cues" if any_cue else "default",
            "confidence": confidence(margin) if any_cue else 0.5,
            "agent_speaker": spk if role == "agent" else None,
            "cues": cues,
        }
    agent = ranked[0]
    margin = diffs[agent] - diffs[ranked[1]]
    if any_cue:
        method = "text_cues"
    elif priors:
        method = "channel_prior"
    else:
        method = "first_speaker"
    roles: dict[str, SourceRole] = {s: ("agent" if s == agent else "customer") for s in speakers}
    # a transfer or conference: a third speaker who clearly talks like an agent is one too,
    # as long as the speaker who talks most like a customer stays the customer
    for spk in ranked[1:-1]:
        if diffs[spk] >= decision.second_agent:
            roles[spk] = "agent"
    return roles, {
        "method": method,
        # without any cue the order of speakers (or the channel) is all there is: no calibration
        "confidence": confidence(margin) if any_cue else 0.5,
        "margin": round(margin, 2),
        "agent_speaker": agent,
        "cues": {s: f for s, f in cues.items() if f},
    }


def _match_speaker(wanted: str, speakers: Iterable[str]) -> str | None:
    key = _fold(wanted)
    for spk in speakers:
        if _fold(spk) == key:
            return spk
    return None


def decide_roles(call: RawCall, agent_speaker: str | None = None) -> RoleDecision:
    """Role of every speaker label in ``call`` and how it was decided."""
    warnings: list[str] = []
    labelled = [s for s in call.segments if s.speaker is not None]
    texts = _speaker_texts(call.segments)
    speakers = list(texts)

    if agent_speaker:
        found = _match_speaker(agent_speaker, speakers)
        if found is not None:
            roles: dict[str, SourceRole] = {
                s: ("agent" if s == found else "customer") for s in speakers
            }
            return RoleDecision(
                roles, {"method": "override", "confidence": 1.0, "agent_speaker": found}, warnings
            )
        warnings.append(f"--agent-speaker {agent_speaker!r} is not a speaker here; roles inferred")

    explicit: dict[str, SourceRole] = {}
    for seg in labelled:
        if seg.role is not None and seg.role != "bot" and seg.speaker not in explicit:
            explicit[seg.speaker] = seg.role  # type: ignore[index]
    if explicit:
        method = "explicit"
    else:
        explicit = {s: r for s, r in call.channel_roles.items() if s in texts}
        method = "channel"
    if explicit:
        rest = {s: t for s, t in texts.items() if s not in explicit}
        roles = dict(explicit)
        info: dict[str, object] = {
            "method": method,
            "confidence": 1.0 if method == "explicit" else 0.9,
        }
        if rest:
            has_agent = any(r == "agent" for r in explicit.values())
            if has_agent:
                roles.update({s: "customer" for s in rest})
            else:
                inferred, _ = infer_roles(rest, call.speaker_priors)
                roles.update(inferred)
            info["inferred_speakers"] = sorted(rest)
        agents = [s for s, r in roles.items() if r == "agent"]
        if agents:
            info["agent_speaker"] = agents[0]
        warnings.extend(_sanity_check(texts, roles))
        return RoleDecision(roles, info, warnings)

    roles, info = infer_roles(texts, call.speaker_priors)
    conf = info.get("confidence")
    warn_below = role_cues().decision.warn_below
    if isinstance(conf, float) and conf < warn_below and len(speakers) > 1:
        warnings.append(
            f"roles uncertain (confidence {conf:.2f}, method {info['method']}); "
            "use --agent-speaker to fix"
        )
    return RoleDecision(roles, info, warnings)


def _sanity_check(texts: dict[str, list[str]], roles: dict[str, SourceRole]) -> list[str]:
    """Warn when the source's roles contradict what the speakers say (swapped channels)."""
    agents = [s for s, r in roles.items() if r == "agent" and s in texts]
    customers = [s for s, r in roles.items() if r == "customer" and s in texts]
    if len(agents) != 1 or len(customers) != 1:
        return []
    first = next(iter(texts))
    a_agent, a_cust, _ = cue_scores(texts[agents[0]], opens_call=agents[0] == first)
    c_agent, c_cust, _ = cue_scores(texts[customers[0]], opens_call=customers[0] == first)
    if (c_agent - c_cust) - (a_agent - a_cust) >= role_cues().decision.swapped:
        return [
            f"roles look swapped: {customers[0]!r} (customer) talks like the agent and "
            f"{agents[0]!r} (agent) like the customer"
        ]
    return []


# --- unlabelled segments -------------------------------------------------------------------


def _roles_per_segment(segments: list[Segment]) -> list[SourceRole]:
    """No speaker labels at all: classify each segment, else keep the previous role."""
    out: list[SourceRole] = []
    previous: SourceRole | None = None
    for i, seg in enumerate(segments):
        if seg.role is not None:
            role: SourceRole = seg.role
        else:
            a, c, _ = cue_scores([seg.text])
            if a - c >= 1.5:
                role = "agent"
            elif c - a >= 1.5:
                role = "customer"
            elif previous is not None:
                role = previous
            else:
                role = "agent" if i == 0 else "customer"
        out.append(role)
        previous = role
    return out
