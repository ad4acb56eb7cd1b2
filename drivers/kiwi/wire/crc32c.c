// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * CRC32c for the MPA trailer.
 *
 * In the kernel, kiwi_crc32c_update() is the library crc32c(), which picks
 * the fastest implementation the CPU offers (SSE4.2 crc32 instruction on
 * x86).  In userspace it is a portable slice-by-8 implementation that
 * reads eight bytes per step through eight 1 KiB tables.
 *
 * kiwi_crc32c_shift() and kiwi_crc32c_combine() are plain arithmetic in
 * GF(2)[x] mod P and are the same in both builds: they cost
 * O(log2(len)) 32-bit carry-less multiplications.
 */
#include <kiwi/crc32c.h>

#ifndef __KERNEL__
#include "crc32c_table.h"

static u32 crc32c_portable(u32 crc, const u8 *p, size_t len)
{
	const u32 (*t)[256] = kiwi_crc32c_tab;

	while (len >= 8) {
		u32 lo = crc ^ kiwi_get_le32(p);
		u32 hi = kiwi_get_le32(p + 4);

		crc = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^
		      t[5][(lo >> 16) & 0xff] ^ t[4][lo >> 24] ^
		      t[3][hi & 0xff] ^ t[2][(hi >> 8) & 0xff] ^
		      t[1][(hi >> 16) & 0xff] ^ t[0][hi >> 24];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xff];
	return crc;
}
#endif

/**
 * kiwi_crc32c_update() - feed bytes into a raw CRC32c register
 * @crc: current register; %KIWI_CRC32C_SEED for a fresh CRC
 * @buf: bytes to add
 * @len: number of bytes
 *
 * No inversion happens on entry or exit, so a CRC can be continued across
 * any split of the input: update(update(c, a), b) == update(c, a || b).
 *
 * Return: the new register value.
 */
u32 kiwi_crc32c_update(u32 crc, const void *buf, size_t len)
{
#ifdef __KERNEL__
	const u8 *p = buf;

	/* crc32c() takes an unsigned int length */
	while (len > 0x40000000) {
		crc = crc32c(crc, p, 0x40000000);
		p += 0x40000000;
		len -= 0x40000000;
	}
	return crc32c(crc, p, (unsigned int)len);
#else
	return crc32c_portable(crc, (const u8 *)buf, len);
#endif
}

/**
 * kiwi_crc32c() - standard CRC32c of a buffer
 * @buf: bytes
 * @len: number of bytes
 *
 * Return: the CRC value, ready for kiwi_crc32c_put().
 */
u32 kiwi_crc32c(const void *buf, size_t len)
{
	return kiwi_crc32c_final(kiwi_crc32c_update(KIWI_CRC32C_SEED, buf, len));
}

/*
 * Carry-less product of a and b modulo P, in the reflected representation
 * where bit 31 holds the coefficient of x^0.
 */
static u32 gf2_mulmod(u32 a, u32 b)
{
	u32 prod = 0;
	int i;

	for (i = 0; i < 32; i++) {
		if (a & (0x80000000u >> i))
			prod ^= b;
		/* b *= x, reducing by P when x^31 falls off the end */
		b = (b >> 1) ^ (KIWI_CRC32C_POLY & (0u - (b & 1)));
	}
	return prod;
}

/**
 * kiwi_crc32c_shift() - advance a register over zero bytes
 * @crc: register or CRC value
 * @len: number of zero bytes
 *
 * Computes @crc * x^(8 * @len) mod P, which is what feeding @len zero bytes
 * through a raw register does, in O(log2(@len)) steps.
 *
 * Return: the shifted value.
 */
u32 kiwi_crc32c_shift(u32 crc, size_t len)
{
	u32 xpow = 0x00800000u;	/* x^8: one byte */
	u32 acc = 0x80000000u;	/* x^0 */

	while (len) {
		if (len & 1)
			acc = gf2_mulmod(acc, xpow);
		xpow = gf2_mulmod(xpow, xpow);
		len >>= 1;
	}
	return gf2_mulmod(acc, crc);
}

/**
 * kiwi_crc32c_combine() - CRC of a concatenation from the CRCs of its parts
 * @crc1: CRC of the first part A
 * @crc2: CRC of the second part B
 * @len2: length of B in bytes
 *
 * Works for two kinds of input: finished CRC values (kiwi_crc32c() of A
 * and of B give kiwi_crc32c() of A || B), and raw registers where @crc1 is
 * any register after A and @crc2 is the register of B started from 0.
 * The second form lets the data path checksum pieces out of order.
 *
 * Return: the combined CRC, of the same kind as the inputs.
 */
u32 kiwi_crc32c_combine(u32 crc1, u32 crc2, size_t len2)
{
	return kiwi_crc32c_shift(crc1, len2) ^ crc2;
}
