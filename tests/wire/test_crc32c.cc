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

struct Vector {
	int id;
	std::vector<uint8_t> data;
	uint32_t crc;			/* CRC value */
	std::array<uint8_t, 4> wire;	/* the four trailer bytes */
};

std::vector<uint8_t> fill(size_t n, uint8_t v)
{
	return std::vector<uint8_t>(n, v);
}

std::vector<uint8_t> ramp(bool up)
{
	std::vector<uint8_t> v(32);
	for (int i = 0; i < 32; i++)
		v[i] = (uint8_t)(up ? i : 31 - i);
	return v;
}

/* RFC 3720 appendix B.4 and the usual "123456789" check value */
const std::vector<Vector> &vectors()
{
	static const std::vector<Vector> v = {
		{ 1, { '1', '2', '3', '4', '5', '6', '7', '8', '9' },
		  0xe3069283, { 0x83, 0x92, 0x06, 0xe3 } },
		{ 2, fill(32, 0x00), 0x8a9136aa, { 0xaa, 0x36, 0x91, 0x8a } },
		{ 3, fill(32, 0xff), 0x62a8ab43, { 0x43, 0xab, 0xa8, 0x62 } },
		{ 4, ramp(true), 0x46dd794e, { 0x4e, 0x79, 0xdd, 0x46 } },
		{ 5, ramp(false), 0x113fdb5c, { 0x5c, 0xdb, 0x3f, 0x11 } },
		{ 6, { 0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		       0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		       0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
		       0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18,
		       0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		       0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 },
		  0xd9963a56, { 0x56, 0x3a, 0x96, 0xd9 } },
		{ 7, {}, 0x00000000, { 0, 0, 0, 0 } },
		{ 8, { 'a' }, 0xc1d04330, { 0x30, 0x43, 0xd0, 0xc1 } },
	};
	return v;
}

TEST(Crc32c, KnownVectors)
{
	for (const auto &v : vectors()) {
		SCOPED_TRACE(v.id);
		EXPECT_EQ(kiwi_crc32c(v.data.data(), v.data.size()), v.crc);
		EXPECT_EQ(ref_crc(v.data), v.crc);
		uint8_t w[4];
		kiwi_crc32c_put(w, v.crc);
		EXPECT_EQ(0, memcmp(w, v.wire.data(), 4));
		EXPECT_EQ(kiwi_crc32c_get(v.wire.data()), v.crc);
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
