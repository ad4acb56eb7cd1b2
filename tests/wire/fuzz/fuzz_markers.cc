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

/*
 * One output buffer per input, with a canary after the bytes a call may
 * write: per-chunk allocations made the target a hundred times slower.
 */
static void check_canary(const std::vector<uint8_t> &out, size_t room)
{
	for (size_t i = room; i < room + 8 && i < out.size(); i++)
		CHECK(out[i] == 0xa5);
}

static void strip_stream(const uint8_t *ctl, size_t nctl, const uint8_t *in,
			 size_t size)
{
	kiwi_mkr_rx st;
	kiwi_mkr_rx_init(&st);
	kiwi_mkr_rx_fpdu_start(&st);
	std::vector<uint8_t> out(size + 8);
	uint8_t len_field[2];
	size_t got = 0, want = 2, pos = 0, k = 0;
	while (pos < size) {
		size_t chunk = next_chunk(ctl, nctl, &k);
		if (chunk > size - pos)
			chunk = size - pos;
		size_t room = want - got < chunk ? want - got : chunk;
		size_t used, n;
		memset(out.data(), 0xa5, room + 8);
		int r = kiwi_mkr_rx_strip(&st, in + pos, chunk, &used,
					  out.data(), room, &n);
		check_canary(out, room);
		CHECK(used <= chunk && n <= room && n <= used);
		CHECK(used > 0 || r != 0);
		if (r)
			return;	/* bad marker: the stream ends here */
		pos += used;
		for (size_t i = 0; i < n && got + i < 2; i++)
			len_field[got + i] = out[i];
		got += n;
		if (want == 2 && got == 2)
			want = kiwi_fpdu_len(kiwi_get_be16(len_field));
		if (got == want && want > 2) {
			got = 0;
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
	std::vector<uint8_t> out(1600 * 4 + 8);
	for (const auto &f : fpdus) {
		kiwi_mkr_rx_fpdu_start(&rx);
		size_t got = 0;
		while (got < f.size()) {
			size_t chunk = next_chunk(ctl, nctl, &k);
			if (chunk > wire.size() - pos)
				chunk = wire.size() - pos;
			size_t room = f.size() - got;
			size_t used, n;
			memset(out.data(), 0xa5, room + 8);
			CHECK(kiwi_mkr_rx_strip(&rx, wire.data() + pos, chunk, &used,
						out.data(), room, &n) == 0);
			check_canary(out, room);
			CHECK(used);
			CHECK(!memcmp(out.data(), f.data() + got, n));
			pos += used;
			got += n;
		}
	}
	CHECK(pos == wire.size());
	return 0;
}
