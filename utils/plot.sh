#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright 2026, libminiasync developers
#
# plot.sh -- draws the CSV written by `bench --csv FILE`: throughput (GB/s)
# against copy size, each mover beside its baseline, and below it the ratio
# mover / baseline with the goals, as a PNG or SVG made by gnuplot.
#
# usage: plot.sh CSV [OUT]
#	OUT ends in .png (default: CSV with .csv replaced by .png) or .svg

set -euo pipefail

prog=${0##*/}

usage() {
	echo "usage: $prog CSV [OUT.png|OUT.svg]" >&2
	echo "draws the output of 'bench --csv CSV' with gnuplot" >&2
	exit 2
}

case ${1:-} in
-h|--help)
	echo "usage: $prog CSV [OUT.png|OUT.svg]"
	echo "draws the output of 'bench --csv CSV' with gnuplot: throughput"
	echo "against copy size, each mover beside its baseline, and the ratio"
	exit 0
	;;
esac

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	usage
fi
csv=$1
out=${2:-${csv%.csv}.png}

if ! command -v gnuplot >/dev/null 2>&1; then
	echo "$prog: gnuplot is not installed; on Debian or Ubuntu:" >&2
	echo "	apt-get install gnuplot-nox" >&2
	exit 1
fi

if [ ! -r "$csv" ]; then
	echo "$prog: cannot read $csv" >&2
	exit 1
fi

header='case,mover,size,ns_per_op,baseline_ns_per_op,ratio,goal'
if [ "$(head -n 1 "$csv" | tr -d '\r')" != "$header" ]; then
	echo "$prog: $csv is not a bench CSV (first line is not $header)" >&2
	exit 1
fi

case $out in
*.svg)
	terminal="svg size 900,800 dynamic enhanced font 'sans,12'"
	;;
*.png)
	if gnuplot -e 'set terminal' 2>&1 | grep -qw pngcairo; then
		terminal="pngcairo size 900,800 enhanced font 'sans,10'"
	else
		terminal="png size 900,800"
	fi
	;;
*)
	echo "$prog: $out: the output must end in .png or .svg" >&2
	exit 2
	;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One gnuplot data block per case (blocks are separated by two blank lines,
# so that "index i" picks case i): size, mover GB/s, baseline GB/s, ratio,
# goal ("NaN" when there is none).  Bytes per nanosecond are GB/s.  The rows
# of the figures (cases threads-*, pmem-* and pmemobj-*) are no size sweeps
# and their columns mean other things (see bench --help): they are left out.
awk -F, -v data="$tmp/data" -v titles="$tmp/titles" -v tics="$tmp/tics" \
	-v goals="$tmp/goals" '
NR == 1 { next }
$1 ~ /^(threads|pmem|pmemobj)-/ { next }
NF < 7 || $4 <= 0 || $5 <= 0 { next }
{
	if (!($1 in block)) {
		block[$1] = n++
		order[block[$1]] = $1
		mover[$1] = $2
	}
	b = block[$1]
	if ($7 != "")
		hasgoal[b] = 1
	row[b] = row[b] sprintf("%s %.6f %.6f %.6f %s\n", $3, $3 / $4,
		$3 / $5, $6, $7 == "" ? "NaN" : $7)
	if (!($3 in seen)) {
		seen[$3] = 1
		s = $3 + 0
		if (s >= 1048576 && s % 1048576 == 0)
			label = (s / 1048576) " MiB"
		else if (s >= 1024 && s % 1024 == 0)
			label = (s / 1024) " KiB"
		else
			label = s " B"
		tic = tic (tic == "" ? "" : ", ") sprintf("\"%s\" %s", label, s)
	}
}
END {
	for (i = 0; i < n; i++) {
		printf "%s", row[i] > data
		printf "\n\n" > data
		printf "%s %s\n", order[i], mover[order[i]] > titles
		if (i in hasgoal)
			printf "%d ", i > goals
	}
	printf "\n" > goals
	printf "%s\n", tic > tics
	exit n == 0
}' "$csv" || {
	echo "$prog: $csv holds no results" >&2
	exit 1
}

ncases=$(wc -l < "$tmp/titles")
names=$(awk '{ printf "%s%s", (NR > 1 ? " " : ""), $1 }' "$tmp/titles")
movers=$(awk '{ printf "%s%s", (NR > 1 ? " " : ""), $2 }' "$tmp/titles")
# the goals, as points, of the cases that have some
goalplot=
read -r -a goalcases < "$tmp/goals" || true
for g in "${goalcases[@]}"; do
	goalplot="$goalplot '$tmp/data' index $g using 1:5 with points"
	goalplot="$goalplot pt 8 ps 2 lw 2 lc $((g + 1))"
	goalplot="$goalplot title sprintf('%s: goal (at most)',"
	goalplot="$goalplot word(names, $((g + 1)))),"
done

gnuplot <<EOF
set terminal $terminal
set output '$out'
set datafile missing 'NaN'
names = '$names'
movers = '$movers'
set logscale x 2
set xtics ($(cat "$tmp/tics"))
set grid
set offsets graph 0.04, graph 0.04, 0, 0
set key top right opaque

set multiplot layout 2,1 title 'libminiasync: movers against their baselines'

set ylabel 'throughput (GB/s)'
set yrange [0:*]
plot for [i=0:$ncases-1] '$tmp/data' index i using 1:2 \
		with linespoints lw 2 pt 7 lc i+1 \
		title sprintf('%s: %s mover', word(names, i+1), \
			word(movers, i+1)), \
	for [i=0:$ncases-1] '$tmp/data' index i using 1:3 \
		with linespoints lw 2 dt 2 pt 6 lc i+1 \
		title sprintf('%s: baseline', word(names, i+1))

set ylabel 'mover / baseline (time per copy)'
set xlabel 'copy size'
set yrange [0:*]
set key top right
plot for [i=0:$ncases-1] '$tmp/data' index i using 1:4 \
		with linespoints lw 2 pt 7 lc i+1 \
		title sprintf('%s: ratio', word(names, i+1)), \
	$goalplot \
	1 with lines lc 'gray' dt 3 notitle

unset multiplot
EOF

echo "$prog: wrote $out"
