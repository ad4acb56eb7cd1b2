// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Tests for drivers/kiwi/wire/fpdu.c: framing arithmetic and trailer.
 */
#include <gtest/gtest.h>

#include <random>

#include <kiwi/crc32c.h>
#include <kiwi/fpdu.h>
#include <kiwi/markers.h>
#include "test_util.h"
#include "vectors/fpdu.h"

using namespace kiwi_test;

namespace {

TEST(Fpdu, PadAndLength)
{
	for (const auto &c : kiwi_vec_fpdu_len) {
		SCOPED_TRACE(c.id);
		EXPECT_EQ(kiwi_fpdu_pad(c.ulpdu), c.pad);
		EXPECT_EQ(kiwi_fpdu_len(c.ulpdu), c.fpdu);
		EXPECT_EQ(kiwi_fpdu_len(c.ulpdu) % 4, 0u);
	}
}

TEST(Fpdu, MaxUlpduFormula)
{
	for (const auto &c : kiwi_vec_fpdu_mulpdu) {
		SCOPED_TRACE(c.id);
		EXPECT_EQ(kiwi_fpdu_max_ulpdu(c.emss, c.markers), c.want);
	}
}

/* the RFC formula must fit a segment at every marker grid position */
TEST(Fpdu, MaxUlpduFitsEverywhere)
{
	for (uint32_t emss = 16; emss <= 9000; emss += 13) {
		uint32_t plain = kiwi_fpdu_max_ulpdu(emss, false);
		ASSERT_LE(kiwi_fpdu_len(plain), emss);
		ASSERT_GT(kiwi_fpdu_len(plain + 4), emss);
		uint32_t m = kiwi_fpdu_max_ulpdu(emss, true);
		for (uint32_t pos = 0; pos < 512; pos += 4)
			ASSERT_LE(kiwi_mkr_fpdu_wire_len(pos, kiwi_fpdu_len(m)), emss)
				<< emss << "@" << pos;
	}
}

TEST(Fpdu, TrailerWithCrc)
{
	std::mt19937 rng(5);
	for (uint32_t ulpdu = 0; ulpdu < 64; ulpdu++) {
		Bytes f(2 + ulpdu);
		kiwi_put_be16(f.data(), (uint16_t)ulpdu);
		for (size_t i = 2; i < f.size(); i++)
			f[i] = (uint8_t)rng();
		uint32_t reg = kiwi_crc32c_update(KIWI_CRC32C_SEED, f.data(), f.size());
		uint8_t trl[KIWI_FPDU_MAX_TRAILER];
		int n = kiwi_fpdu_trailer_build(trl, ulpdu, reg, true);
		ASSERT_EQ(n, (int)(kiwi_fpdu_pad(ulpdu) + 4));
		f.insert(f.end(), trl, trl + n);
		ASSERT_EQ(f.size(), kiwi_fpdu_len(ulpdu));
		/* the CRC covers ULPDU_Length, ULPDU and pad */
		EXPECT_EQ(kiwi_crc32c_get(&f[f.size() - 4]),
			  kiwi_crc32c(f.data(), f.size() - 4));
		for (uint32_t i = 0; i < kiwi_fpdu_pad(ulpdu); i++)
			EXPECT_EQ(trl[i], 0);
		EXPECT_EQ(kiwi_fpdu_trailer_check(trl, ulpdu, reg, true), 0);
		/* any flipped bit in pad or CRC is caught */
		for (int bit = 0; bit < n * 8; bit++) {
			trl[bit / 8] ^= (uint8_t)(1 << (bit % 8));
			EXPECT_EQ(kiwi_fpdu_trailer_check(trl, ulpdu, reg, true),
				  -EBADMSG);
			/* ...unless CRCs are off */
			EXPECT_EQ(kiwi_fpdu_trailer_check(trl, ulpdu, reg, false), 0);
			trl[bit / 8] ^= (uint8_t)(1 << (bit % 8));
		}
		/* and so is a flipped payload bit */
		EXPECT_EQ(kiwi_fpdu_trailer_check(trl, ulpdu, reg ^ 1, true),
			  -EBADMSG);
	}
}

TEST(Fpdu, TrailerWithoutCrcIsZero)
{
	uint8_t trl[KIWI_FPDU_MAX_TRAILER];
	memset(trl, 0xaa, sizeof(trl));
	ASSERT_EQ(kiwi_fpdu_trailer_build(trl, 1, 0x1234, false), 5);
	EXPECT_EQ(to_hex(Bytes(trl, trl + 5)), "0000000000");
}

/* A complete FPDU vector: Send "abc", MSN 1, CRC on. */
TEST(Fpdu, SendVector)
{
	Bytes f = hex(KIWI_VEC_FPDU_SEND_HDR);
	uint32_t reg = kiwi_crc32c_update(KIWI_CRC32C_SEED, f.data(), f.size());
	uint8_t trl[KIWI_FPDU_MAX_TRAILER];
	int n = kiwi_fpdu_trailer_build(trl, 0x15, reg, true);
	ASSERT_EQ(n, 5);
	f.insert(f.end(), trl, trl + n);
	ASSERT_EQ(f.size(), 28u);
	EXPECT_EQ(to_hex(f), to_hex(hex(KIWI_VEC_FPDU_SEND)));
	EXPECT_EQ(f[23], 0);
	uint32_t crc = kiwi_crc32c(f.data(), 24);
	EXPECT_EQ(kiwi_crc32c_get(&f[24]), crc);
	EXPECT_EQ(f[24], (uint8_t)crc);	/* least significant byte first */
}

} // namespace
