/* SPDX-License-Identifier: BSD-3-Clause */
/* Copyright 2026, libminiasync developers */

/*
 * bench_output.c -- what bench prints: the rows of the tables of the cases
 * and of the figures, with their goals and verdicts, and the rows of the
 * CSV file (see bench.h)
 */

#include <math.h>
#include <stdio.h>

#include "bench.h"

/*
 * size_str -- a size in the units a person reads (64 B, 4 KiB, 1 MiB)
 */
const char *
size_str(size_t n, char *buf, size_t len)
{
	if (n >= (1U << 20) && n % (1U << 20) == 0)
		snprintf(buf, len, "%zu MiB", n >> 20);
	else if (n >= 1024 && n % 1024 == 0)
		snprintf(buf, len, "%zu KiB", n >> 10);
	else
		snprintf(buf, len, "%zu B", n);
	return buf;
}

/*
 * print_row -- one line of the table
 */
void
print_row(size_t n, const struct bench_result *r)
{
	char sz[32];
	char goal[16] = "-";
	const char *verdict = "";

	if (r->goal > 0.0) {
		snprintf(goal, sizeof(goal), "<= %.2f", r->goal);
		verdict = r->ratio <= r->goal ? "PASS" : "MISS";
	}

	printf("  %8s %10.2f %10.2f %10.2f %10.2f %5u %6.2f %6.2f %8s%s%s\n",
		size_str(n, sz, sizeof(sz)), r->mover_med, r->mover_min,
		r->base_med, r->base_min, r->quiet, r->ratio,
		r->mover_min / r->base_min, goal, *verdict ? " " : "", verdict);
}

/*
 * csv_row -- one row of the CSV file
 */
void
csv_row(FILE *f, const struct bench_case *c, size_t n,
	const struct bench_result *r)
{
	fprintf(f, "%s,%s,%zu,%.3f,%.3f,%.4f,", c->name, c->mover, n,
		r->mover_med, r->base_med, r->ratio);
	if (r->goal > 0.0)
		fprintf(f, "%.2f", r->goal);
	fprintf(f, "\n");
}

/*
 * fig_goal -- counts a goal and returns its verdict
 */
const char *
fig_goal(struct fig_ctx *x, int met)
{
	(*x->goals)++;
	if (met)
		(*x->met)++;
	return met ? "PASS" : "MISS";
}

/*
 * csv_num -- a CSV field: the number, or NaN where it does not apply
 */
static void
csv_num(FILE *f, const char *fmt, double v)
{
	if (isnan(v))
		fputs("NaN", f);
	else
		fprintf(f, fmt, v);
}

/*
 * csv_fig -- one CSV row of a figure (goal NaN: none, the field is empty)
 */
void
csv_fig(struct fig_ctx *x, const char *name, const char *mover, size_t size,
	double ns, double base_ns, double ratio, double goal)
{
	if (x->csv == NULL)
		return;
	fprintf(x->csv, "%s,%s,%zu,", name, mover, size);
	csv_num(x->csv, "%.3f", ns);
	fputc(',', x->csv);
	csv_num(x->csv, "%.3f", base_ns);
	fputc(',', x->csv);
	csv_num(x->csv, "%.4f", ratio);
	fputc(',', x->csv);
	if (!isnan(goal))
		fprintf(x->csv, "%.2f", goal);
	fputc('\n', x->csv);
}

/*
 * fig_header -- the column heads of a figure's table of medians
 */
void
fig_header(void)
{
	printf("  %-15s %10s %10s %10s %10s %5s %7s %10s\n", "mover",
		"mover-med", "mover-min", "base-med", "base-min", "quiet",
		"ratio", "goal");
}

/*
 * fig_row -- a line of a figure's table, the times divided by scale
 */
void
fig_row(const char *mover, const struct bench_result *r, double scale,
	double ratio, const char *goal, const char *verdict)
{
	printf("  %-15s %10.2f %10.2f %10.2f %10.2f %5u %7.2f %10s %s\n",
		mover, r->mover_med / scale, r->mover_min / scale,
		r->base_med / scale, r->base_min / scale, r->quiet, ratio,
		goal, verdict);
}

/*
 * fig_speedup -- a row of a figure whose ratio is baseline / mover time,
 * and its CSV row
 */
void
fig_speedup(struct fig_ctx *x, const char *name, const char *mover,
	size_t size, const struct bench_result *r, double scale, double goal)
{
	double ratio = r->base_med / r->mover_med;
	char text[32] = "-";
	const char *verdict = "";

	if (!isnan(goal)) {
		snprintf(text, sizeof(text), ">= %.2f", goal);
		verdict = fig_goal(x, ratio >= goal);
	}
	fig_row(mover, r, scale, ratio, text, verdict);
	csv_fig(x, name, mover, size, r->mover_med, r->base_med, ratio, goal);
}
