/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Marker vectors (drivers/kiwi/wire/markers.c): the wire length of an
 * FPDU of @len bytes starting at TCP stream position @pos, markers
 * included.
 */
#ifndef KIWI_TEST_VECTORS_MARKERS_H
#define KIWI_TEST_VECTORS_MARKERS_H

#include "vectors.h"

struct kiwi_vec_mkr_wire_len {
	int id;
	u32 pos;
	u32 len;
	u32 want;
};

static const struct kiwi_vec_mkr_wire_len kiwi_vec_mkr_wire_len[] = {
	{ 1, 0, 8, 12 },	/* leading marker */
	{ 2, 4, 8, 8 },
	{ 3, 504, 8, 8 },	/* ends exactly at the next marker */
	{ 4, 508, 8, 12 },	/* marker after 4 bytes */
	{ 5, 0, 508, 512 },
	{ 6, 0, 512, 520 },
	{ 7, 0, 1016, 1024 },
	{ 8, 0, 1020, 1032 },
	{ 9, 256, 256, 256 },
	{ 10, 256, 260, 264 },
	{ 11, 0xfffffffc, 8, 12 },	/* wraps to a marker */
	{ 12, 100, 0, 0 },
};

#endif /* KIWI_TEST_VECTORS_MARKERS_H */
