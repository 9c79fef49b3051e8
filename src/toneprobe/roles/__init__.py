"""Decide who is the agent, merge segments into turns and build the final Transcript.

Precedence (recorded in ``Transcript.metadata["roles"]``):
``--agent-speaker`` override > roles given by the source > channel roles > text cues
(with a weak first-speaker prior). Bot/IVR segments are left out and reported as warnings.

The package reads in one sitting per concern:

- ``words``: role words in speaker labels and ``ended_by`` values;
- ``names``: name-shaped words, person names in labels, the caller's surname;
- ``introduction``: the name a speaker gives for themselves (phrases, the agent's opening);
- ``cues``: the text cues (data in ``rules/roles.yaml``) and each speaker's cue scores;
- ``decision``: who is the agent, and how confident that is;
- ``build``: roles per segment, merged turns and names in the final Transcript.
"""

from toneprobe.roles.build import finalize
from toneprobe.roles.cues import cue_scores
from toneprobe.roles.decision import RoleDecision, decide_roles, infer_roles
from toneprobe.roles.introduction import self_introduction
from toneprobe.roles.names import caller_surname, is_name_word, is_person_name
from toneprobe.roles.words import ended_by_from, role_from_word, use_role_words

__all__ = [
    "RoleDecision",
    "caller_surname",
    "cue_scores",
    "decide_roles",
    "ended_by_from",
    "finalize",
    "infer_roles",
    "is_name_word",
    "is_person_name",
    "role_from_word",
    "self_introduction",
    "use_role_words",
]
