// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * libFuzzer target: incremental FPDU header parser with validation, plus
 * the TERMINATE body and the CRC trailer of whatever FPDU it accepts.
 *
 * Input: 2 bytes receive limit, 2 bytes opcode mask, then the stream.
 */
#include <cstdint>
#include <cstring>
#include <vector>

#include <kiwi/crc32c.h>
#include <kiwi/ddp.h>
#include <kiwi/fpdu.h>
#include <kiwi/terminate.h>

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 4)
		return 0;
	kiwi_fpdu_limits lim;
	lim.max_ulpdu = kiwi_get_be16(data);
	lim.opcodes = kiwi_get_be16(data + 2);
	data += 4;
	size -= 4;

	/* drive the parser the way the receive path does: ask, then feed */
	kiwi_fpdu_hdr h;
	size_t have = 0;
	int r;
	for (;;) {
		std::vector<uint8_t> part(data, data + have);
		r = kiwi_fpdu_hdr_parse(part.data(), have, &lim, &h);
		if (r != -EAGAIN)
			break;
		CHECK(h.need > have && h.need <= KIWI_HDR_MAX_LEN);
		CHECK(kiwi_fpdu_hdr_need(part.data(), have) == h.need);
		if (h.need > size)
			return 0;
		have = h.need;
	}
	if (r < 0) {
		CHECK(r == -EPROTO);
		CHECK(h.err != KIWI_WERR_NONE);
		kiwi_term_code c;
		CHECK(kiwi_wire_err_code(h.err, &c) == 0);
		CHECK(!memcmp(&c, &h.term, sizeof(c)));
		CHECK(kiwi_term_code_valid(&h.term));
		/* a TERMINATE quoting this segment can always be built */
		kiwi_term t = {};
		t.code = h.term;
		if (kiwi_term_set_hdrs(&t, data, size) == 0) {
			uint8_t tb[KIWI_TERM_MAX_LEN];
			CHECK(kiwi_term_build(tb, sizeof(tb), &t) > 0);
		}
		return 0;
	}

	const kiwi_opcode_info *op = kiwi_opcode_lookup(h.opcode);
	CHECK(op && r == op->hdr_len && (size_t)r <= size);
	CHECK(h.ulpdu_len <= lim.max_ulpdu);
	CHECK((uint32_t)h.hdr_len + h.payload_len == h.ulpdu_len + 2u);
	CHECK(lim.opcodes & (1u << h.opcode));

	/* round trip: building the parsed header gives the bytes back */
	uint8_t out[KIWI_HDR_MAX_LEN];
	CHECK(kiwi_fpdu_hdr_build(out, sizeof(out), &h) == r);
	CHECK(!memcmp(out, data, 2));
	CHECK((out[2] & ~KIWI_DDP_RSVD) == (data[2] & ~KIWI_DDP_RSVD));
	CHECK((out[3] & ~KIWI_RDMAP_RSVD) == (data[3] & ~KIWI_RDMAP_RSVD));
	if (h.tagged) {
		CHECK(!memcmp(out + 4, data + 4, 12));
	} else if (h.opcode == KIWI_OP_ATOMIC_REQ) {
		/* the top 28 bits of the first atomic word are reserved */
		CHECK(!memcmp(out + 8, data + 8, 12));
		CHECK((out[23] & 0xf) == (data[23] & 0xf));
		CHECK(!memcmp(out + 24, data + 24, r - 24));
	} else {
		CHECK(!memcmp(out + 8, data + 8, r - 8));
	}

	size_t rest = size - r;
	if (h.opcode == KIWI_OP_TERMINATE) {
		kiwi_term t;
		size_t len = rest < h.payload_len ? rest : h.payload_len;
		if (kiwi_term_parse(data + r, len, &t) == 0)
			CHECK(t.ddp_hdr_len + t.rdma_hdr_len + 6u <= len + 2);
	}
	uint32_t fl = kiwi_fpdu_len(h.ulpdu_len);
	if (size >= fl) {
		uint32_t body = fl - KIWI_FPDU_CRC_SIZE - kiwi_fpdu_pad(h.ulpdu_len);
		uint32_t reg = kiwi_crc32c_update(KIWI_CRC32C_SEED, data, body);
		int ok = kiwi_fpdu_trailer_check(data + body, h.ulpdu_len, reg, true);
		CHECK(ok == (kiwi_crc32c(data, fl - 4) ==
			     kiwi_crc32c_get(data + fl - 4) ? 0 : -EBADMSG));
	}
	return 0;
}
