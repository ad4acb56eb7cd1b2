// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * libFuzzer target: marker removal.
 *
 * Two parts per input.  First the raw input is treated as a received
 * stream with markers and stripped the way the receive path does it,
 * learning FPDU sizes from the ULPDU_Length it recovers, with chunk sizes
 * taken from the input: nothing may crash, hang or overrun.  Then the
 * input is cut into FPDUs, sent through the inserter with input-chosen
 * chunking and stripped again: the content must come back unchanged and
 * no marker may be reported bad.
 */
#include <cstdint>
#include <cstring>
#include <vector>

#include <kiwi/fpdu.h>
#include <kiwi/markers.h>

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

static size_t next_chunk(const uint8_t *ctl, size_t nctl, size_t *k)
{
	size_t c = nctl ? 1 + ctl[(*k)++ % nctl] * 3u : 64;
	return c;
}

static void strip_stream(const uint8_t *ctl, size_t nctl, const uint8_t *in,
			 size_t size)
{
	kiwi_mkr_rx st;
	kiwi_mkr_rx_init(&st);
	kiwi_mkr_rx_fpdu_start(&st);
	std::vector<uint8_t> cur;
	size_t want = 2, pos = 0, k = 0;
	while (pos < size) {
		size_t chunk = next_chunk(ctl, nctl, &k);
		if (chunk > size - pos)
			chunk = size - pos;
		std::vector<uint8_t> buf(in + pos, in + pos + chunk);
		std::vector<uint8_t> out(want - cur.size());
		size_t used, n;
		int r = kiwi_mkr_rx_strip(&st, buf.data(), chunk, &used,
					  out.data(), out.size(), &n);
		CHECK(used <= chunk && n <= out.size() && n <= used);
		CHECK(used > 0 || r != 0);
		if (r)
			return;	/* bad marker: the stream ends here */
		pos += used;
		cur.insert(cur.end(), out.begin(), out.begin() + n);
		if (want == 2 && cur.size() == 2)
			want = kiwi_fpdu_len(kiwi_get_be16(cur.data()));
		if (cur.size() == want && want > 2) {
			cur.clear();
			want = 2;
			kiwi_mkr_rx_fpdu_start(&st);
		}
	}
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t nctl = data[0] & 0x0f;
	if (size < 1 + nctl)
		return 0;
	const uint8_t *ctl = data + 1;
	const uint8_t *body = data + 1 + nctl;
	size_t blen = size - 1 - nctl;

	strip_stream(ctl, nctl, body, blen);

	/* differential round trip through the inserter */
	std::vector<std::vector<uint8_t>> fpdus;
	/* a bounded number of FPDUs keeps executions fast */
	for (size_t p = 0; p < blen && fpdus.size() < 24;) {
		uint32_t ulpdu = (uint32_t)(body[p] * 7u % 1500);
		std::vector<uint8_t> f(kiwi_fpdu_len(ulpdu));
		for (size_t i = 0; i < f.size(); i++)
			f[i] = body[(p + i) % blen];
		kiwi_put_be16(f.data(), (uint16_t)ulpdu);
		fpdus.push_back(f);
		p += 1 + body[p] % 64;
	}
	kiwi_mkr_tx tx;
	kiwi_mkr_tx_init(&tx);
	std::vector<uint8_t> wire;
	size_t k = 0;
	for (const auto &f : fpdus) {
		kiwi_mkr_tx_fpdu_start(&tx);
		std::vector<uint8_t> w(kiwi_mkr_fpdu_wire_len(tx.pos,
							      (uint32_t)f.size()));
		size_t in = 0, out = 0;
		while (in < f.size()) {
			size_t used, before = out;
			size_t room = 3 + next_chunk(ctl, nctl, &k);
			if (room > w.size() - out)
				room = w.size() - out;
			out += kiwi_mkr_tx_copy(&tx, w.data() + out, room,
						f.data() + in, f.size() - in, &used);
			in += used;
			CHECK(used || out > before);
		}
		CHECK(out == w.size());
		wire.insert(wire.end(), w.begin(), w.end());
	}
	kiwi_mkr_rx rx;
	kiwi_mkr_rx_init(&rx);
	size_t pos = 0;
	for (const auto &f : fpdus) {
		kiwi_mkr_rx_fpdu_start(&rx);
		std::vector<uint8_t> got;
		while (got.size() < f.size()) {
			size_t chunk = next_chunk(ctl, nctl, &k);
			if (chunk > wire.size() - pos)
				chunk = wire.size() - pos;
			std::vector<uint8_t> out(f.size() - got.size());
			size_t used, n;
			CHECK(kiwi_mkr_rx_strip(&rx, wire.data() + pos, chunk, &used,
						out.data(), out.size(), &n) == 0);
			CHECK(used);
			pos += used;
			got.insert(got.end(), out.begin(), out.begin() + n);
		}
		CHECK(got == f);
	}
	CHECK(pos == wire.size());
	return 0;
}
