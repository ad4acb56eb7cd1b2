// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Tests for drivers/kiwi/wire/markers.c, against a byte-at-a-time
 * reference written straight from RFC 5044 section 5.
 */
#include <gtest/gtest.h>

#include <random>

#include <kiwi/crc32c.h>
#include <kiwi/fpdu.h>
#include <kiwi/markers.h>
#include "test_util.h"
#include "vectors/markers.h"

using namespace kiwi_test;

namespace {

/*
 * Reference: walk the stream one content byte at a time; whenever the
 * position is a multiple of 512, emit a marker first.  A marker in front
 * of an FPDU's first byte has FPDUPTR 0 and the ULPDU_Length follows it.
 */
Bytes naive_insert(const std::vector<Bytes> &fpdus, std::vector<uint32_t> *starts)
{
	Bytes wire;
	uint32_t hdr = 0;
	for (const auto &f : fpdus) {
		if (starts)
			starts->push_back((uint32_t)wire.size());
		for (size_t i = 0; i < f.size(); i++) {
			uint32_t pos = (uint32_t)wire.size();
			if (pos % 512 == 0) {
				uint32_t ptr = i == 0 ? 0 : pos - hdr;
				wire.insert(wire.end(), { 0, 0, (uint8_t)(ptr >> 8),
							  (uint8_t)ptr });
			}
			if (i == 0)
				hdr = (uint32_t)wire.size();
			wire.push_back(f[i]);
		}
	}
	return wire;
}

/* FPDUs with a real ULPDU_Length, random content, sizes 8..max */
std::vector<Bytes> random_fpdus(std::mt19937 &rng, size_t n, uint32_t max_ulpdu)
{
	std::vector<Bytes> v;
	for (size_t i = 0; i < n; i++) {
		uint32_t ulpdu = rng() % (max_ulpdu + 1);
		if (rng() % 4 == 0)
			ulpdu = rng() % 40;	/* many small ones too */
		Bytes f(kiwi_fpdu_len(ulpdu));
		for (auto &b : f)
			b = (uint8_t)rng();
		kiwi_put_be16(f.data(), (uint16_t)ulpdu);
		v.push_back(f);
	}
	return v;
}

TEST(Markers, FirstFpduStartsWithMarker)
{
	Bytes f = hex("0002 4143 00000000");	/* 8 bytes */
	std::vector<Bytes> v = { f };
	Bytes w = naive_insert(v, nullptr);
	EXPECT_EQ(to_hex(w), "00000000" "0002414300000000");
	EXPECT_EQ(kiwi_mkr_fpdu_wire_len(0, 8), 12u);
}

TEST(Markers, WireLenVectors)
{
	for (const auto &c : kiwi_vec_mkr_wire_len)
		EXPECT_EQ(kiwi_mkr_fpdu_wire_len(c.pos, c.len), c.want) << c.id;
}

TEST(Markers, WireLenMatchesReference)
{
	std::mt19937 rng(21);
	for (int round = 0; round < 50; round++) {
		auto fpdus = random_fpdus(rng, 40, 3000);
		std::vector<uint32_t> starts;
		Bytes wire = naive_insert(fpdus, &starts);
		for (size_t i = 0; i < fpdus.size(); i++) {
			uint32_t end = i + 1 < fpdus.size() ? starts[i + 1]
							     : (uint32_t)wire.size();
			ASSERT_EQ(kiwi_mkr_fpdu_wire_len(starts[i], (uint32_t)fpdus[i].size()),
				  end - starts[i]);
		}
	}
}

TEST(Markers, MaxUlpduMatchesBruteForce)
{
	for (uint32_t pos = 0; pos < 512; pos += 4) {
		for (uint32_t room = 0; room < 2100; room += 7) {
			uint32_t best = 0;
			for (uint32_t u = 2; u <= room; u += 4)
				if (kiwi_mkr_fpdu_wire_len(pos, kiwi_fpdu_len(u)) <= room)
					best = u;
			ASSERT_EQ(kiwi_mkr_max_ulpdu(pos, room), best)
				<< pos << "/" << room;
		}
	}
	EXPECT_EQ(kiwi_mkr_max_ulpdu(4, 0xffffffffu), 0xfffeu);
}

TEST(Markers, TxCopyMatchesReferenceAnyChunking)
{
	std::mt19937 rng(22);
	for (int round = 0; round < 200; round++) {
		auto fpdus = random_fpdus(rng, 1 + rng() % 30, 2000);
		Bytes want = naive_insert(fpdus, nullptr);
		Bytes got(want.size() + 64, 0xee);
		kiwi_mkr_tx st;
		kiwi_mkr_tx_init(&st);
		size_t out = 0;
		for (const auto &f : fpdus) {
			kiwi_mkr_tx_fpdu_start(&st);
			size_t in = 0;
			while (in < f.size()) {
				size_t src_n = 1 + rng() % (f.size() - in);
				size_t dst_n = std::min<size_t>(rng() % 700,
								got.size() - out);
				size_t used;
				out += kiwi_mkr_tx_copy(&st, got.data() + out, dst_n,
							f.data() + in, src_n, &used);
				ASSERT_LE(used, src_n);
				in += used;
			}
		}
		ASSERT_EQ(out, want.size());
		got.resize(out);
		ASSERT_EQ(got, want);
		EXPECT_EQ(st.pos, (uint32_t)want.size());
	}
}

/* the primitive API: what the kernel TX path does around the CRC */
TEST(Markers, TxPrimitivesMarkerBeforeCrc)
{
	kiwi_mkr_tx st;
	kiwi_mkr_tx_init(&st);
	kiwi_mkr_tx_fpdu_start(&st);
	EXPECT_EQ(kiwi_mkr_tx_room(&st), 0u);
	uint8_t m[4];
	kiwi_mkr_tx_marker(&st, m);
	EXPECT_EQ(to_hex(Bytes(m, m + 4)), "00000000");
	EXPECT_EQ(kiwi_mkr_tx_room(&st), 508u);
	kiwi_mkr_tx_advance(&st, 508);	/* FPDU body up to the CRC */
	EXPECT_EQ(kiwi_mkr_tx_room(&st), 0u);
	kiwi_mkr_tx_marker(&st, m);	/* lands between pad and CRC */
	EXPECT_EQ(to_hex(Bytes(m, m + 4)), "000001fc");
	EXPECT_EQ(kiwi_mkr_tx_room(&st), 508u);
}

void rx_all(const Bytes &wire, const std::vector<Bytes> &fpdus,
	    std::mt19937 &rng, bool in_place)
{
	Bytes buf = wire;
	kiwi_mkr_rx st;
	kiwi_mkr_rx_init(&st);
	size_t wpos = 0;
	for (const auto &f : fpdus) {
		kiwi_mkr_rx_fpdu_start(&st);
		Bytes got;
		while (got.size() < f.size()) {
			size_t chunk = std::min<size_t>(1 + rng() % 600,
							buf.size() - wpos);
			Bytes out(f.size());
			uint8_t *dst = in_place ? buf.data() + wpos : out.data();
			size_t used, n;
			ASSERT_EQ(kiwi_mkr_rx_strip(&st, buf.data() + wpos, chunk,
						    &used, dst, f.size() - got.size(),
						    &n), 0);
			got.insert(got.end(), dst, dst + n);
			wpos += used;
			ASSERT_TRUE(used > 0 || chunk == 0);
		}
		ASSERT_EQ(got, f);
	}
	EXPECT_EQ(wpos, wire.size());
}

TEST(Markers, RxStripAnyChunking)
{
	std::mt19937 rng(23);
	for (int round = 0; round < 300; round++) {
		auto fpdus = random_fpdus(rng, 1 + rng() % 30, 2000);
		Bytes wire = naive_insert(fpdus, nullptr);
		rx_all(wire, fpdus, rng, round & 1);
	}
}

/* RX that learns FPDU sizes from the ULPDU_Length it strips, like a NIC */
TEST(Markers, RxDrivenByUlpduLength)
{
	std::mt19937 rng(24);
	auto fpdus = random_fpdus(rng, 300, 5000);
	Bytes wire = naive_insert(fpdus, nullptr);
	kiwi_mkr_rx st;
	kiwi_mkr_rx_init(&st);
	size_t wpos = 0, n_fpdu = 0;
	Bytes cur;
	size_t want = 2;
	kiwi_mkr_rx_fpdu_start(&st);
	while (wpos < wire.size()) {
		size_t chunk = std::min<size_t>(1 + rng() % 97, wire.size() - wpos);
		uint8_t tmp[100];
		size_t used, n;
		ASSERT_EQ(kiwi_mkr_rx_strip(&st, wire.data() + wpos, chunk, &used,
					    tmp, want - cur.size(), &n), 0);
		wpos += used;
		cur.insert(cur.end(), tmp, tmp + n);
		if (cur.size() == 2 && want == 2)
			want = kiwi_fpdu_len(kiwi_get_be16(cur.data()));
		if (cur.size() == want && want > 2) {
			ASSERT_EQ(cur, fpdus[n_fpdu]);
			n_fpdu++;
			cur.clear();
			want = 2;
			kiwi_mkr_rx_fpdu_start(&st);
		}
	}
	EXPECT_EQ(n_fpdu, fpdus.size());
}

TEST(Markers, RxDetectsBadPointer)
{
	std::mt19937 rng(25);
	for (int round = 0; round < 200; round++) {
		auto fpdus = random_fpdus(rng, 10, 2000);
		Bytes wire = naive_insert(fpdus, nullptr);
		size_t nmk = wire.size() / 512 + 1;
		size_t mk = (rng() % nmk) * 512;
		if (mk + 4 > wire.size())
			continue;
		Bytes bad = wire;
		/* bits 2..15 of FPDUPTR matter, bits 0..1 are ignored */
		int bit = 2 + rng() % 14;
		bad[mk + 3 - bit / 8] ^= (uint8_t)(1 << (bit % 8));
		Bytes low = wire;
		low[mk + 3] ^= (uint8_t)(1 + rng() % 3);

		for (int pass = 0; pass < 2; pass++) {
			const Bytes &w = pass ? low : bad;
			kiwi_mkr_rx st;
			kiwi_mkr_rx_init(&st);
			size_t wpos = 0;
			int err = 0;
			for (const auto &f : fpdus) {
				kiwi_mkr_rx_fpdu_start(&st);
				size_t left = f.size();
				while (left && !err) {
					size_t used, n;
					Bytes out(left);
					err = kiwi_mkr_rx_strip(&st, w.data() + wpos,
						std::min<size_t>(1 + rng() % 300,
								 w.size() - wpos),
						&used, out.data(), left, &n);
					wpos += used;
					left -= n;
				}
				if (err)
					break;
			}
			if (pass == 0) {
				EXPECT_EQ(err, -EBADMSG);
				/* stopped right after the bad marker */
				EXPECT_EQ(wpos, mk + 4);
			} else {
				EXPECT_EQ(err, 0);
			}
		}
	}
}

/* positions wrap with the TCP sequence number */
TEST(Markers, PositionWraps)
{
	kiwi_mkr_tx tx;
	kiwi_mkr_rx rx;
	kiwi_mkr_tx_init(&tx);
	kiwi_mkr_rx_init(&rx);
	tx.pos = rx.pos = 0xfffffe00u;	/* a marker position */
	std::mt19937 rng(26);
	auto fpdus = random_fpdus(rng, 20, 1500);
	Bytes wire(200000);
	size_t out = 0;
	for (const auto &f : fpdus) {
		kiwi_mkr_tx_fpdu_start(&tx);
		size_t used;
		out += kiwi_mkr_tx_copy(&tx, wire.data() + out, wire.size() - out,
					f.data(), f.size(), &used);
		ASSERT_EQ(used, f.size());
	}
	wire.resize(out);
	EXPECT_EQ(wire, naive_insert(fpdus, nullptr));
	size_t wpos = 0;
	for (const auto &f : fpdus) {
		kiwi_mkr_rx_fpdu_start(&rx);
		Bytes got(f.size());
		size_t used, n;
		ASSERT_EQ(kiwi_mkr_rx_strip(&rx, wire.data() + wpos, wire.size() - wpos,
					    &used, got.data(), f.size(), &n), 0);
		ASSERT_EQ(n, f.size());
		ASSERT_EQ(got, f);
		wpos += used;
	}
}


/*
 * The CRC procedure Documentation/wire.rst gives the data path: TX
 * checksums its output including markers (and a marker due right before
 * the CRC field); RX checksums the raw input of each strip call up to the
 * CRC field.  Both must agree on every FPDU, including those where a
 * marker falls between pad and CRC or at the FPDU boundary.
 */
/*
 * The transmit side of that procedure: each FPDU of @fpdus with its last
 * four bytes replaced by a CRC over everything before them, markers
 * included (also a marker due right before the CRC field).
 */
Bytes wire_with_crcs(const std::vector<Bytes> &fpdus, std::vector<uint32_t> &crcs,
		     int &marker_before_crc)
{
	Bytes wire;
	kiwi_mkr_tx tx;
	kiwi_mkr_tx_init(&tx);
	for (const auto &f : fpdus) {
		kiwi_mkr_tx_fpdu_start(&tx);
		Bytes w(kiwi_mkr_fpdu_wire_len(tx.pos, (uint32_t)f.size()));
		size_t used, n = kiwi_mkr_tx_copy(&tx, w.data(), w.size(),
						  f.data(), f.size() - 4, &used);
		EXPECT_EQ(used, f.size() - 4);
		if (!kiwi_mkr_tx_room(&tx)) {
			kiwi_mkr_tx_marker(&tx, w.data() + n);
			n += KIWI_MKR_LEN;
			marker_before_crc++;
		}
		uint32_t crc = kiwi_crc32c(w.data(), n);
		crcs.push_back(crc);
		uint8_t c[4];
		kiwi_crc32c_put(c, crc);
		n += kiwi_mkr_tx_copy(&tx, w.data() + n, w.size() - n, c, 4, &used);
		EXPECT_EQ(n, w.size());
		wire.insert(wire.end(), w.begin(), w.end());
	}
	return wire;
}

/*
 * 100 rounds of 30 random FPDUs sent by wire_with_crcs(), each handed to
 * rx(fpdus, crcs, wire, rng); some must have had a marker before the CRC.
 */
template <typename Rx> void crc_rounds(unsigned seed, Rx rx)
{
	std::mt19937 rng(seed);
	int marker_before_crc = 0;
	for (int round = 0; round < 100; round++) {
		auto fpdus = random_fpdus(rng, 30, 1500);
		std::vector<uint32_t> crcs;
		Bytes wire = wire_with_crcs(fpdus, crcs, marker_before_crc);
		rx(fpdus, crcs, wire, rng);
	}
	EXPECT_GT(marker_before_crc, 0);
}

TEST(Markers, CrcCoversMarkersOnBothSides)
{
	crc_rounds(27, [](const std::vector<Bytes> &fpdus,
			  const std::vector<uint32_t> &crcs, const Bytes &wire,
			  std::mt19937 &rng) {
		kiwi_mkr_rx rx;
		kiwi_mkr_rx_init(&rx);
		size_t pos = 0;
		for (size_t i = 0; i < fpdus.size(); i++) {
			const Bytes &f = fpdus[i];
			kiwi_mkr_rx_fpdu_start(&rx);
			uint32_t reg = KIWI_CRC32C_SEED;
			Bytes got;
			while (got.size() < f.size()) {
				/* stop at the CRC field to finish the register */
				size_t want = got.size() < f.size() - 4 ?
					      f.size() - 4 - got.size() :
					      f.size() - got.size();
				size_t chunk = std::min<size_t>(1 + rng() % 300,
								wire.size() - pos);
				Bytes out(want);
				size_t used, n;
				ASSERT_EQ(kiwi_mkr_rx_strip(&rx, wire.data() + pos, chunk,
							    &used, out.data(), want, &n), 0);
				/*
				 * Body: all raw bytes.  CRC field: only the bytes
				 * consumed but not output, i.e. a marker due right
				 * before the CRC field, which precedes it.
				 */
				if (got.size() < f.size() - 4)
					reg = kiwi_crc32c_update(reg, wire.data() + pos, used);
				else
					reg = kiwi_crc32c_update(reg, wire.data() + pos,
								 used - n);
				pos += used;
				got.insert(got.end(), out.begin(), out.begin() + n);
			}
			ASSERT_EQ(Bytes(got.begin(), got.end() - 4),
				  Bytes(f.begin(), f.end() - 4));
			EXPECT_EQ(kiwi_crc32c_final(reg), crcs[i]);
			EXPECT_EQ(kiwi_crc32c_get(&got[f.size() - 4]), crcs[i]);
		}
	});
}

/*
 * The receive path of drivers/kiwi/rx.c, which places content straight
 * from socket buffers: kiwi_mkr_rx_room() bounds each step, a due marker
 * is taken with kiwi_mkr_rx_marker(), and the CRC register (seeded when
 * the previous FPDU ends, so that a marker on the boundary goes into the
 * next FPDU's CRC) takes every byte but the CRC field, markers included.
 */
TEST(Markers, RxPrimitivesLikeTheDataPath)
{
	crc_rounds(28, [](const std::vector<Bytes> &fpdus,
			  const std::vector<uint32_t> &crcs, const Bytes &wire,
			  std::mt19937 &rng) {
		kiwi_mkr_rx rx;
		kiwi_mkr_rx_init(&rx);
		uint32_t reg = KIWI_CRC32C_SEED;
		size_t pos = 0, fi = 0;
		Bytes cur;
		while (pos < wire.size()) {
			/* one socket buffer */
			size_t left = std::min<size_t>(1 + rng() % 300,
						       wire.size() - pos);
			while (left) {
				const uint8_t *in = wire.data() + pos;
				uint32_t room = kiwi_mkr_rx_room(&rx);
				if (!room) {
					int t = kiwi_mkr_rx_marker(&rx, in, left);
					ASSERT_GT(t, 0);
					reg = kiwi_crc32c_update(reg, in, t);
					pos += t;
					left -= t;
					continue;
				}
				ASSERT_LT(fi, fpdus.size());
				const Bytes &f = fpdus[fi];
				size_t body = f.size() - 4;
				size_t n = std::min<size_t>({ left, room,
							      f.size() - cur.size() });
				if (cur.size() < body)
					reg = kiwi_crc32c_update(reg, in,
						std::min(n, body - cur.size()));
				cur.insert(cur.end(), in, in + n);
				kiwi_mkr_rx_advance(&rx, (uint32_t)n);
				pos += n;
				left -= n;
				if (cur.size() < f.size())
					continue;
				ASSERT_EQ(Bytes(cur.begin(), cur.end() - 4),
					  Bytes(f.begin(), f.end() - 4));
				EXPECT_EQ(kiwi_crc32c_get(&cur[body]), crcs[fi]);
				EXPECT_EQ(kiwi_crc32c_final(reg), crcs[fi]);
				fi++;
				cur.clear();
				reg = KIWI_CRC32C_SEED;
				kiwi_mkr_rx_fpdu_start(&rx);
			}
		}
		EXPECT_EQ(fi, fpdus.size());
	});
}

} // namespace
