#!/usr/bin/env bash
# Short fuzz run on stable (about a minute on CI's 2 cores): the envelope's proptest properties
# (game/core/tests/fuzz_decode.rs) and allocation bound (game/core/tests/decode_alloc_bound.rs),
# then every game's decoder checks (its tests/game.rs, arena_game::game_tests!:
# decoders_keep_their_contract, decode_allocations_are_bounded), with PROPTEST_CASES cases per
# property (and per game decoder) instead of the default 256 that `cargo test` runs.
# Longer runs (more cases, or libFuzzer via cargo-fuzz on nightly): docs/fuzzing.md.
#   FUZZ_CASES=5000000 bash .ci/fuzz.sh     # about 9 minutes
set -euo pipefail
cd "$(dirname "$0")/.."
cases=${FUZZ_CASES:-500000}
# Build first, so the time limit below covers only the fuzzing.
cargo test --release -p arena-game --test fuzz_decode --test decode_alloc_bound --no-run
cargo test --release --workspace --test game --no-run
start=$(date +%s)
# A hung decoder (an endless loop on some input) fails the run instead of stalling CI; the limit
# scales with the case count (about 50 s for the default 500 000 on 2 cores, with a wide margin).
limit_s=$((120 + cases / 2000))
PROPTEST_CASES=$cases PROPTEST_MAX_SHRINK_TIME=30000 timeout "$limit_s" \
  cargo test --release -p arena-game --test fuzz_decode --test decode_alloc_bound
PROPTEST_CASES=$cases timeout "$limit_s" \
  cargo test --release --workspace --test game -- decoders_keep_their_contract \
  decode_allocations_are_bounded
echo "fuzz: $cases cases per property in $(($(date +%s) - start)) s"
