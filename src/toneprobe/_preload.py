"""Imported once in the process pool's fork server, before it forks the workers.

Every worker then starts with spaCy, numpy and the toneprobe modules already in memory (shared
copy-on-write) instead of importing them again, and with the Scorer for the run's options
(rules, numpy models) already built and warm (``batch.preload_scorer``). Ctrl-C is the
parent's to handle: the fork server and the workers it forks ignore SIGINT.
"""

from __future__ import annotations

import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)

import numpy  # noqa: E402, F401

import toneprobe.pipeline  # noqa: E402, F401
import toneprobe.readers  # noqa: E402, F401
from toneprobe.batch import preload_scorer  # noqa: E402
from toneprobe.nlp import get_nlp  # noqa: E402
from toneprobe.roles.cues import role_cues  # noqa: E402

get_nlp()
role_cues()
preload_scorer()
