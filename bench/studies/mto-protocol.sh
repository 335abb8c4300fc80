#!/usr/bin/env bash
# The MTO studies of docs/results.md, with the paper's protocol: MTO's options chosen on a
# validation split (3 seeds, each candidate pre-trained for E/2 epochs), then the test split
# (5 seeds, every arm pre-trained for E/2 and for E epochs, each with its own schedule), scored
# by fine-tuning on 100 labels. Run from the repository root:
#
#   bash bench/studies/mto-protocol.sh simmim-val      # then simmim-test, mae-val, ...
#   bash bench/studies/mto-protocol.sh list            # the study names
#   bash bench/studies/mto-protocol.sh mae-test --dry-run   # the plan; nothing is run
#
# Each study is resumable: run the same command again after an interruption and finished runs
# are kept. OUT (default bench-results/mto-protocol), JOBS (default 2) and NICE (default 10)
# are read from the environment. The test studies use the shipped configs, which hold the
# options the validation studies chose.
set -euo pipefail
SELF="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
cd "$(dirname "$0")/../.."
OUT=${OUT:-bench-results/mto-protocol}
JOBS=${JOBS:-2}
NICE=${NICE:-10}
conv() { npm run -s bench:convergence -- "$@" --metric eval/ft_acc --out "$OUT" --jobs "$JOBS" --nice "$NICE" "${EXTRA[@]}"; }
mnist=examples/mnist
# Validation: the 7,000/1,000 split of the training digits (the test digits are not read);
# the first 500 e-mails after the test ones; one speaker per accent (8 speakers).
MNIST_VAL=(--split val --set data.trainSize=7000 --set data.valSize=1000)
TEXT_VAL=(--split val --set data.valSize=500)
AUDIO_VAL=(--split val --set data.valSpeakers=1)
# The candidates: L_e's target at 0.2 (the shipped default) and 0.4.
candidates() { echo --arm "mto-t04=$1" --arm-set mto-t04:plugins.mto.targetE=0.4; }

STUDY=${1:-list}
# Anything after the study name goes to the benchmark (e.g. --dry-run, --report-only).
EXTRA=("${@:2}")
case "$STUDY" in
  simmim-val) conv --baseline $mnist/simmim.yaml --mto $mnist/simmim-mto.yaml $(candidates $mnist/simmim-mto.yaml) --name simmim-val --seeds 3 --epochs 4 --budgets 0.5 "${MNIST_VAL[@]}" ;;
  # The first test, with the attention measure the first validation kept (support-entropy-gap).
  simmim-test-v1) conv --baseline $mnist/simmim.yaml --mto $mnist/simmim-mto.yaml --arm-set mto:plugins.mto.measure=support-entropy-gap --name simmim-test --seeds 5 --epochs 4 --budgets 0.5,1 ;;
  # The shipped configs: feature-cosine, as simmim-measure-val chose.
  simmim-test) conv --baseline $mnist/simmim.yaml --mto $mnist/simmim-mto.yaml --name simmim-test-fc --seeds 5 --epochs 4 --budgets 0.5,1 ;;
  simmim-masktoken-val) conv --baseline $mnist/simmim.yaml --mto $mnist/simmim-mto.yaml --name simmim-val-masktoken --seeds 3 --epochs 4 --budgets 0.5 --set model.maskTokenStd=0.3 "${MNIST_VAL[@]}" ;;
  simmim-measure-val) conv --baseline $mnist/simmim.yaml --mto $mnist/simmim-mto.yaml --arm "mto-fc=$mnist/simmim-mto.yaml" --arm-set mto-fc:plugins.mto.measure=feature-cosine --name simmim-val-measure --seeds 3 --epochs 4 --budgets 0.5 "${MNIST_VAL[@]}" ;;
  mae-val) conv --baseline $mnist/mae.yaml --mto $mnist/mae-mto.yaml $(candidates $mnist/mae-mto.yaml) --name mae-val --seeds 3 --epochs 8 --budgets 0.5 "${MNIST_VAL[@]}" ;;
  mae-test) conv --baseline $mnist/mae.yaml --mto $mnist/mae-mto.yaml --name mae-test --seeds 5 --epochs 8 --budgets 0.5,1 ;;
  text-val) conv --baseline examples/text/mlm.yaml --mto examples/text/mlm-mto.yaml $(candidates examples/text/mlm-mto.yaml) --name text-val --seeds 3 --epochs 6 --budgets 0.5 "${TEXT_VAL[@]}" ;;
  text-test) conv --baseline examples/text/mlm.yaml --mto examples/text/mlm-mto.yaml --name text-test --seeds 5 --epochs 6 --budgets 0.5,1 ;;
  audio-val) conv --baseline examples/audio/audiomae.yaml --mto examples/audio/audiomae-mto.yaml $(candidates examples/audio/audiomae-mto.yaml) --name audio-val --seeds 3 --epochs 20 --budgets 0.5 "${AUDIO_VAL[@]}" ;;
  audio-test) conv --baseline examples/audio/audiomae.yaml --mto examples/audio/audiomae-mto.yaml --name audio-test --seeds 5 --epochs 20 --budgets 0.5,1 ;;
  # The names are read from this case's own study lines, so a new study is listed (and dry-run
  # by the tests) without being spelled out twice.
  list) echo "studies: $(sed -n 's/^  \([a-z0-9-]*\)) conv .*/\1/p' "$SELF" | tr '\n' ' ' | sed 's/ $//')" ;;
  *) echo "mto-protocol.sh: unknown study '$STUDY' (run with 'list')" >&2; exit 2 ;;
esac
