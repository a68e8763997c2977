#!/usr/bin/env bash
# bench.sh runs the performance benchmarks and reports each throughput
# benchmark as a ratio to its baseline, measured in the same run.
#
# The machine is noisy, so each pair runs ROUNDS times, alternating the
# benchmark and its baseline, and the median and best ratios are printed.
# Other benchmarks (latency, peak heap) print their median over the rounds.
#
#	scripts/bench.sh            # everything, 5 rounds
#	ROUNDS=9 scripts/bench.sh   # steadier
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5}
export PATH="$(go env GOPATH)/bin:$PATH"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# pkg dir, test binary name, benchmark regexp (anchored), benchtime.
run() {
	local dir=$1 name=$2 re=$3 time=$4
	(cd "$dir" && go test -c -o "$out/$name.test" . >/dev/null)
	(cd "$dir" && "$out/$name.test" -test.run '^$' -test.bench "$re" -test.benchtime "$time" -test.benchmem) |
		grep -E '^Benchmark' >>"$out/results.txt" || true
}

for _ in $(seq "$ROUNDS"); do
	run . root '^BenchmarkInvoke$' 1s
	run otel otel '^BenchmarkInvokeTracing$' 1s
	run . root '^BenchmarkSendMediaMessage64MiB(Baseline)?$' 4x
	run . root '^BenchmarkSendMediaMessage4KiB$' 2000x
	run validate validate '^BenchmarkValidate(Stream64MiB|Small)(Baseline)?$' 1s
	run storage/filesystem filesystem '^BenchmarkFilesystem(Put|Get)64MiB(Baseline)?$' 4x
	run links links '^Benchmark(Download64MiB(Baseline)?|LinkSignVerify)$' 1s
	run storage/gocloud gocloud '^BenchmarkS3Put64MiB(Baseline)?$' 3x
	run httpapi httpapi '^BenchmarkHTTPUpload64MiB(Baseline)?$' 4x
	run httpapi httpapi '^BenchmarkTusUpload64MiB(NoSyncChunks)?$' 4x
	run httpapi httpapi '^BenchmarkHTTPUpload4KiBParallel(Direct)?$' 2000x
	run preview preview '^BenchmarkThumbnail12MP(Baseline)?$' 10x
	run preview/vips vips '^BenchmarkThumbnail12MPVips(Baseline)?$' 10x
	run ledger/sqlledger sqlledger '^BenchmarkSendMediaMessage4KiBParallel$' 2000x
	run ledger/sqlledger sqlledger '^BenchmarkSendMediaMessage64MiB$' 4x
done
run preview preview '^BenchmarkPool32x12MP$' 1x
# The ledger at 10k and 1M records: sweep and erase cost what they delete.
run ledger/sqlledger sqlledger '^BenchmarkScale$' 20x
# A member's usage with 100k files: one row, not a sum over them.
run ledger/sqlledger sqlledger '^BenchmarkUsage$' 1s
run . root '^BenchmarkSendMediaMessage1GiB$' 1x
run storage/filesystem filesystem '^BenchmarkFilesystemPut1GiB$' 1x
run storage/gocloud gocloud '^BenchmarkS3Put1GiB' 1x
run httpapi httpapi '^Benchmark(HTTP|Tus)Upload1GiB$' 1x

# Pairs whose baseline is not named <benchmark>Baseline: benchmark=baseline.
pairs=BenchmarkHTTPUpload4KiBParallel=BenchmarkHTTPUpload4KiBParallelDirect
pairs=$pairs,BenchmarkTusUpload64MiB=BenchmarkHTTPUpload64MiB
pairs=$pairs,BenchmarkTusUpload64MiBNoSyncChunks=BenchmarkHTTPUpload64MiB

# Report: throughput pairs as ratios, the rest as medians.
awk -v pairs="$pairs" '
BEGIN {
	np = split(pairs, ps, ",")
	for (i = 1; i <= np; i++) { split(ps[i], kv, "="); alt[kv[1]] = kv[2] }
}
function median(a, n,   i, j, t) {
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
	name = $1; sub(/-[0-9]+$/, "", name)
	for (i = 2; i <= NF; i++) {
		if ($i == "MB/s") mbs[name, ++nm[name]] = $(i - 1)
		if ($i == "ns/op") ns[name, ++nn[name]] = $(i - 1)
		if ($i == "allocs/op") allocs[name] = $(i - 1)
		if ($i == "peak-heap-MiB") heap[name, ++nh[name]] = $(i - 1)
		if ($i == "sends/s") sends[name, ++nsend[name]] = $(i - 1)
	}
	seen[name] = 1
}
END {
	for (name in seen) {
		if (name ~ /Baseline$/) continue
		# A SQL ledger is measured against the memory ledger of the same run.
		if (name ~ /\/ledger=(sqlite|postgres)$/) {
			base = name; sub(/ledger=[a-z]+$/, "ledger=memory", base)
			n = nn[name] < nn[base] ? nn[name] : nn[base]
			best = 0
			for (i = 1; i <= n; i++) { r[i] = ns[base, i] / ns[name, i]; if (r[i] > best) best = r[i] }
			for (i = 1; i <= nn[name]; i++) v[i] = ns[name, i]
			extra = ""
			if (nsend[name] > 0) { for (i = 1; i <= nsend[name]; i++) w[i] = sends[name, i]; extra = sprintf(", %.0f sends/s", median(w, nsend[name])) }
			printf "%-52s %.2fx ledger=memory (median of %d), best %.2fx; %.0f ns/op%s\n", name, median(r, n), n, best, median(v, nn[name]), extra
			continue
		}
		base = (name in alt) ? alt[name] : name "Baseline"
		if ((base in seen) && nm[name] > 0 && nm[base] > 0) {
			n = nm[name] < nm[base] ? nm[name] : nm[base]
			best = 0
			for (i = 1; i <= n; i++) { r[i] = mbs[name, i] / mbs[base, i]; if (r[i] > best) best = r[i] }
			for (i = 1; i <= nn[name]; i++) v[i] = ns[name, i]
			extra = ""
			if (nh[name] > 0) {
				for (i = 1; i <= nh[name]; i++) h[i] = heap[name, i]
				extra = sprintf(", %.1f peak-heap-MiB", median(h, nh[name]))
			}
			printf "%-52s %.2fx baseline MB/s (median of %d), best %.2fx; %.0f ns/op, %s allocs/op%s\n", name, median(r, n), n, best, median(v, nn[name]), allocs[name], extra
		} else if (nh[name] > 0) {
			for (i = 1; i <= nh[name]; i++) h[i] = heap[name, i]
			printf "%-52s %.1f peak-heap-MiB\n", name, median(h, nh[name])
		} else if (nn[name] > 0) {
			for (i = 1; i <= nn[name]; i++) v[i] = ns[name, i]
			printf "%-52s %.0f ns/op (median of %d), %s allocs/op\n", name, median(v, nn[name]), nn[name], allocs[name]
		}
	}
}' "$out/results.txt" | sort | { printf '%-52s %s\n' benchmark result; cat; }
