# toneprobe: every target sets up what it needs itself. `make help` lists them.
PY    := .venv/bin/python
STAMP := .venv/.installed-stamp
SAMPLES := sample_transcripts

.PHONY: help demo test lint bench model evaluate-models evaluate model-moves fit-composite fit-deesc fit-hangup fit-context fit-call report-check clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install -q --disable-pip-version-check torch==2.13.0
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev,train,dask]'
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install toneprobe with its dev extras

demo: $(STAMP)  ## score the bundled sample calls with the embedded model (per-agent table)
	$(PY) -m toneprobe score $(SAMPLES)

test: $(STAMP)  ## run the test suite (offline; two test processes, one per core)
	$(PY) -m pytest -n 2

lint: $(STAMP)  ## ruff check, ruff format --check, mypy
	$(PY) -m ruff check src tests
	$(PY) -m ruff format --check src tests
	$(PY) -m mypy src

bench: $(STAMP)  ## end-to-end `score` speed, memory and start-up; `report` over 10,000 saved calls (+ benchmarks/bench_sentiment.py if present)
	$(PY) benchmarks/bench_score.py && $(PY) benchmarks/bench_report.py && if [ -f benchmarks/bench_sentiment.py ]; then $(PY) benchmarks/bench_sentiment.py; fi

# the teacher's labels for the shipped sentiment model (scripts/distill.py; data/OOD.md)
TEACHER_WEIGHT := 0.5
TEACHER_MIN_CONFIDENCE := 0.7

model: $(STAMP)  ## retrain the shipped sentiment, offense and customer-state models from ../shared/data, data/callcenter, data/customer_states and the e5 teacher's transfer rows (data/OOD.md; needs the SuperGLEBer mirror)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[distill]'
	$(PY) scripts/transfer_corpora.py --out build/transfer/genres.tsv
	$(PY) scripts/distill.py --encoder e5 --threads 2 --teacher-sources sb10k_train potts_train callcenter \
		--teacher-weight $(TEACHER_WEIGHT) --min-confidence $(TEACHER_MIN_CONFIDENCE) --out build/transfer/transfer_genres.tsv \
		--transfer data/agent_moves/train.tsv data/customer_states/train.tsv ../shared/data/germeval2018_train.tsv build/transfer/genres.tsv
	$(PY) scripts/train_models.py --data ../shared/data --transfer build/transfer/transfer_genres.tsv
	$(PY) scripts/prune_table_words.py models/sentiment-de models/customer-states-de  # data/excluded_words.md
	$(PY) scripts/coef_float16.py models/sentiment-de

model-moves: $(STAMP)  ## retrain models/agent-moves-de from data/agent_moves on the word-vector table it ships (finding thresholds: scripts/move_thresholds.py --write)
	$(PY) scripts/train_moves.py
	$(PY) scripts/prune_table_words.py models/agent-moves-de  # data/excluded_words.md

evaluate-models: $(STAMP)  ## shipped models: dev sets vs bars (exit 1 on a miss), ASR-form share, ../ood sets, behavioural suite, 95% intervals
	$(PY) scripts/evaluate_models.py --data ../shared/data --ood ../ood

BARS := --min deescalation_f1=0.75 --min hangup_f1=0.75 --min disrespect_f1=0.8 --min empathy_spearman=0.7 --min agent_spearman=0.8

evaluate: $(STAMP)  ## CI gate: samples and data/dev calls (JSON, plain text) against the bars, role accuracy per format on anonymous-speaker renders (>= 0.98); exit 1 on a miss, JUnit in build/
	for s in $(SAMPLES):$(SAMPLES) data/dev/calls/json:data/dev/calls data/dev/calls/text:data/dev/calls data/dev2/calls:data/dev2; do $(PY) -m toneprobe evaluate $${s%%:*} --labels $${s#*:}/labels.csv $(BARS) --junit build/evaluate-$$(echo $${s%%:*} | tr / -).xml --quiet || exit $$?; done && $(PY) scripts/role_accuracy.py --min 0.98 --json build/role-accuracy.json

FIT_SETS ?= $(shell python3 scripts/labelled_sets.py)  # the tuning sets, named once there

fit-composite: $(STAMP)  ## fit the score's weights to the grades of all labelled calls (CV figures), write src/toneprobe/data/weights.yaml; SETS="..." adds sets
	$(PY) scripts/fit_composite.py $(FIT_SETS) $(SETS)

fit-context: $(STAMP)  ## fit the learned context reader (an agent turn read with the customer's turns around it) on data/exchanges and the respectful labelled calls, write src/toneprobe/data/context_reader.json; fit it first, then fit-hangup, fit-call, fit-deesc, fit-composite
	$(PY) scripts/fit_context_reader.py --write $(SETS)

fit-hangup: $(STAMP)  ## fit the learned hang-up reader on data/endings and the labelled calls (CV figures), write src/toneprobe/data/hangup_reader.json; fit it before fit-deesc and fit-composite
	$(PY) scripts/fit_hangup_reader.py --write $(SETS)

fit-call: $(STAMP)  ## fit the learned call reader (is the whole call disrespectful?) on the labelled calls (leave-one-set-out CV), write src/toneprobe/data/call_reader.json; fit it after fit-context and fit-hangup
	$(PY) scripts/fit_call_reader.py --write $(SETS)

fit-deesc: $(STAMP)  ## fit the learned de-escalation outcome on the labelled calls (CV figures), write src/toneprobe/data/deesc_outcome.json
	$(PY) scripts/fit_deesc_outcome.py $(FIT_SETS) $(SETS)

report-check: $(STAMP)  ## HTML report of the samples in headless Chromium (apt-get install chromium); screenshot in build/
	mkdir -p build && $(PY) -m toneprobe report $(SAMPLES) --output build/report.html && TONEPROBE_REPORT=build/report.html TONEPROBE_SCREENSHOT=build/report.png $(PY) -m pytest -q tests/test_report_browser.py

clean:  ## remove the virtualenv and caches
	rm -rf .venv .pytest_cache .ruff_cache .mypy_cache
