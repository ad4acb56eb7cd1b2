// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Tests for drivers/kiwi/wire/crc32c.c.
 */
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <random>
#include <vector>

#include <kiwi/crc32c.h>
#include "crc32c_table.h"
#include "test_util.h"
#include "vectors/crc32c.h"

using namespace kiwi_test;

namespace {

/* bit-at-a-time reference, written straight from the polynomial */
uint32_t ref_update(uint32_t crc, const uint8_t *p, size_t len)
{
	while (len--) {
		crc ^= *p++;
		for (int i = 0; i < 8; i++)
			crc = (crc >> 1) ^ ((crc & 1) ? 0x82f63b78u : 0);
	}
	return crc;
}

uint32_t ref_crc(const std::vector<uint8_t> &v)
{
	return ~ref_update(0xffffffffu, v.data(), v.size());
}

TEST(Crc32c, KnownVectors)
{
	for (const auto &v : kiwi_vec_crc32c) {
		SCOPED_TRACE(v.id);
		Bytes data = hex(v.data);
		EXPECT_EQ(kiwi_crc32c(data.data(), data.size()), v.crc);
		EXPECT_EQ(ref_crc(data), v.crc);
		uint8_t w[4];
		kiwi_crc32c_put(w, v.crc);
		EXPECT_EQ(0, memcmp(w, v.wire, 4));
		EXPECT_EQ(kiwi_crc32c_get(v.wire), v.crc);
	}
}

TEST(Crc32c, TableMatchesPolynomial)
{
	for (int k = 0; k < 8; k++) {
		for (int b = 0; b < 256; b++) {
			std::vector<uint8_t> in(k + 1, 0);
			in[0] = (uint8_t)b;
			EXPECT_EQ(kiwi_crc32c_tab[k][b],
				  ref_update(0, in.data(), in.size()))
				<< "table " << k << " byte " << b;
		}
	}
}

TEST(Crc32c, RawUpdateHasNoInversion)
{
	const uint8_t z[4] = {};
	EXPECT_EQ(kiwi_crc32c_update(0, z, sizeof(z)), 0u);
	EXPECT_EQ(kiwi_crc32c_final(KIWI_CRC32C_SEED), 0u);
}

TEST(Crc32c, EveryLengthAndAlignment)
{
	std::mt19937 rng(1);
	std::vector<uint8_t> buf(300);
	for (auto &b : buf)
		b = (uint8_t)rng();
	for (size_t off = 0; off < 8; off++)
		for (size_t len = 0; len + off <= buf.size(); len++)
			ASSERT_EQ(kiwi_crc32c_update(0x12345678, buf.data() + off, len),
				  ref_update(0x12345678, buf.data() + off, len))
				<< off << "/" << len;
}

TEST(Crc32c, AnyChunkingGivesSameResult)
{
	std::mt19937 rng(2);
	for (int round = 0; round < 200; round++) {
		std::vector<uint8_t> buf(rng() % 5000);
		for (auto &b : buf)
			b = (uint8_t)rng();
		uint32_t want = kiwi_crc32c(buf.data(), buf.size());
		uint32_t reg = KIWI_CRC32C_SEED;
		size_t pos = 0;
		while (pos < buf.size()) {
			size_t n = std::min<size_t>(buf.size() - pos, rng() % 100);
			reg = kiwi_crc32c_update(reg, buf.data() + pos, n);
			pos += n;
		}
		ASSERT_EQ(kiwi_crc32c_final(reg), want);
	}
}

TEST(Crc32c, ShiftEqualsFeedingZeros)
{
	std::mt19937 rng(3);
	std::vector<uint8_t> zeros(70000, 0);
	const size_t lens[] = { 0, 1, 2, 3, 7, 8, 9, 63, 64, 511, 512, 4096,
				65535, 65536, 69999 };
	for (size_t len : lens) {
		uint32_t c = rng();
		EXPECT_EQ(kiwi_crc32c_shift(c, len),
			  ref_update(c, zeros.data(), len)) << len;
	}
}

TEST(Crc32c, CombineFinishedValues)
{
	std::mt19937 rng(4);
	for (int round = 0; round < 300; round++) {
		std::vector<uint8_t> a(rng() % 3000), b(rng() % 3000);
		if (round == 0)
			b.clear();
		for (auto &x : a)
			x = (uint8_t)rng();
		for (auto &x : b)
			x = (uint8_t)rng();
		std::vector<uint8_t> ab(a);
		ab.insert(ab.end(), b.begin(), b.end());
		EXPECT_EQ(kiwi_crc32c_combine(kiwi_crc32c(a.data(), a.size()),
					      kiwi_crc32c(b.data(), b.size()),
					      b.size()),
			  kiwi_crc32c(ab.data(), ab.size()));
	}
}

TEST(Crc32c, CombineRawRegisters)
{
	std::mt19937 rng(5);
	for (int round = 0; round < 300; round++) {
		std::vector<uint8_t> a(rng() % 3000), b(1 + rng() % 3000);
		for (auto &x : a)
			x = (uint8_t)rng();
		for (auto &x : b)
			x = (uint8_t)rng();
		uint32_t ra = kiwi_crc32c_update(KIWI_CRC32C_SEED, a.data(), a.size());
		uint32_t rb = kiwi_crc32c_update(0, b.data(), b.size());
		EXPECT_EQ(kiwi_crc32c_combine(ra, rb, b.size()),
			  kiwi_crc32c_update(ra, b.data(), b.size()));
	}
}

} // namespace
