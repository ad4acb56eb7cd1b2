/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * kiwi wire library test vectors, shared by the GoogleTest suites
 * (tests/wire/test_*.cc, C++) and the in-kernel KUnit suite
 * (tests/kunit/, C).  Each header holds the numbered vector tables of one
 * wire source file; this one holds what they all use.
 *
 * Rules that keep the tables usable from both languages: plain C structs,
 * positional initializers, byte strings written as hex text (spaces are
 * ignored, so fields can be grouped as on the wire), and nothing but
 * <kiwi/...> headers.  A case keeps its number forever; a new case gets
 * the next one.
 */
#ifndef KIWI_TEST_VECTORS_H
#define KIWI_TEST_VECTORS_H

#include <kiwi/wire_types.h>

/* MPA request and reply keys (RFC 5044 7.1), as hex text. */
#define KIWI_VEC_MPA_REQ_KEY "4d504120494420526571204672616d65 "
#define KIWI_VEC_MPA_REP_KEY "4d504120494420526570204672616d65 "

/*
 * kiwi_vec_hex() - decode hex text ("01 c0 ff") into @out
 * @s: the text; anything but 0-9 and a-f is skipped
 * @out: where the bytes go
 * @max: room at @out
 *
 * Return: the number of bytes, or -1 if they do not fit in @max or a
 * digit is left over.
 */
static inline int kiwi_vec_hex(const char *s, u8 *out, size_t max)
{
	size_t n = 0;
	int hi = -1;
	int v;

	for (; *s; s++) {
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n == max)
			return -1;
		out[n++] = (u8)(hi << 4 | v);
		hi = -1;
	}
	return hi < 0 ? (int)n : -1;
}

#endif /* KIWI_TEST_VECTORS_H */
